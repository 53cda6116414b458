"""schema.create/drop as the migration will run them, and the factory."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.search import SearchFilters, SearchIndex, schema, search_index_for
from khuyenhoc_docs.search.postgres_fts import PostgresSearchIndex
from khuyenhoc_docs.search.sqlite_fts import SqliteSearchIndex

from .conftest import add, live_heap_pages, long_entry, make_entry


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_engine(request: pytest.FixtureRequest, tmp_path: Path):
    """An engine on an empty database (no search schema)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'bare.sqlite3'}")
    else:
        engine = make_engine(request.getfixturevalue("pg").create_database())
    yield engine
    engine.dispose()


def with_alembic_op(engine: Engine, action) -> None:
    """Run ``action(op.execute, dialect)`` through a real Alembic ``op``, as a migration does."""
    with engine.begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        action(op.execute, conn.dialect.name)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_ddl_has_no_bind_markers_for_op_execute(dialect: str) -> None:
    for sql in schema.create_statements(dialect) + schema.drop_statements(dialect):
        assert text(sql).compile().params == {}, sql
        assert "%" not in sql  # pyformat drivers would read it as a placeholder


def test_create_via_alembic_matches_the_core_table(bare_engine: Engine) -> None:
    with_alembic_op(bare_engine, schema.create)
    columns = [c["name"] for c in inspect(bare_engine).get_columns("search_entries")]
    expected = list(schema.search_entries.c.keys())  # same order: long texts last
    assert expected[-3:] == ["title", "body", "folded"]
    if bare_engine.dialect.name == "postgresql":
        expected.append("tsv")
        indexes = {i["name"] for i in inspect(bare_engine).get_indexes("search_entries")}
        assert "ix_search_entries_tsv" in indexes
    else:
        assert schema.FTS_TABLE in table_names(bare_engine)
    assert columns == expected


def test_drop_removes_everything_and_create_again_works(bare_engine: Engine) -> None:
    with_alembic_op(bare_engine, schema.create)
    created = table_names(bare_engine)
    assert created and all(schema.owns_table(name) for name in created)
    assert not schema.owns_table("documents") and not schema.owns_table("search_entries_old")
    session = Session(bare_engine)
    index = search_index_for(session)
    add(session, index, make_entry(1, body="khuyến học"))
    session.close()
    with_alembic_op(bare_engine, schema.drop)
    assert table_names(bare_engine) == set()  # FTS5 shadow tables included
    with_alembic_op(bare_engine, schema.create)
    with Session(bare_engine) as session:
        assert index.search(session, "khuyen").total == 0
        add(session, index, make_entry(1, body="khuyến học"))
        assert index.search(session, "khuyen").total == 1


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError):
        schema.create(lambda sql: None, "mysql")
    with pytest.raises(ValueError):
        schema.rebuild(lambda sql: None, "mysql")
    with pytest.raises(ValueError):
        search_index_for("mysql")


def test_sqlite_rebuild_repairs_the_fts_index(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with_alembic_op(engine, schema.create)
    index = search_index_for(engine)
    with Session(engine) as session:
        add(session, index, make_entry(1, body="khuyến học"), make_entry(2, body="gia đình"))
        session.execute(text(f"INSERT INTO {schema.FTS_TABLE}({schema.FTS_TABLE}) VALUES ('delete-all')"))
        session.commit()
        assert index.search(session, "khuyen").total == 0
    with_alembic_op(engine, schema.rebuild)
    with Session(engine) as session:
        assert [h.document_id for h in index.search(session, "khuyen").hits] == [1]
        session.execute(text(f"INSERT INTO {schema.FTS_TABLE}({schema.FTS_TABLE}) VALUES ('integrity-check')"))
    engine.dispose()


def test_sqlite_fts_stays_consistent_after_upserts_and_removes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    with_alembic_op(engine, schema.create)
    index = search_index_for(engine)
    with Session(engine) as session:
        for round_ in range(3):
            add(session, index, *(make_entry(i, body=f"vòng {round_} số {i}") for i in range(1, 20)))
        for i in range(1, 20, 2):
            index.remove(session, i)
        session.commit()
        # 'integrity-check' raises if the index disagrees with search_entries.folded.
        session.execute(text(f"INSERT INTO {schema.FTS_TABLE}({schema.FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))
    engine.dispose()


def test_factory_picks_the_implementation(engine: Engine) -> None:
    expected = SqliteSearchIndex if engine.dialect.name == "sqlite" else PostgresSearchIndex
    with Session(engine) as session:
        for target in (engine, session, engine.dialect.name):
            index = search_index_for(target)
            assert type(index) is expected and isinstance(index, SearchIndex)


def test_index_refuses_a_session_of_the_other_engine(engine: Engine) -> None:
    other = PostgresSearchIndex() if engine.dialect.name == "sqlite" else SqliteSearchIndex()
    with Session(engine) as session, pytest.raises(ValueError):
        other.search(session, "khuyen")


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgres_rows_keep_their_text_out_of_line(engine: Engine) -> None:
    """Scans over many matches read the narrow heap row: ids, dates and filter columns only."""
    index = search_index_for(engine)
    with Session(engine) as session:
        add(session, index, *(long_entry(i) for i in range(1, 121)))
        # ~150 bytes a row: three pages; with the text compressed in the row it takes ~20.
        assert live_heap_pages(engine) <= 4
        found = index.search(session, "khuyen hoc", SearchFilters(organisation_ids=frozenset({1})))
        assert found.total == 120 and found.hits[0].snippet_html


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgres_filter_columns_stay_in_the_row(engine: Engine) -> None:
    """Only the long texts go out of line: a filter check must not fetch its value from TOAST."""
    assert filter_storage(engine) == {name: "m" for name in schema.INLINE_COLUMNS}
    with Session(engine) as session:
        add(session, search_index_for(engine),
            *(long_entry(i, signer_names=("Nguyễn Văn An", "Trần Thị Bình Minh Quang"), organisation_ids=(3, 7, 11))
              for i in range(1, 31)))
    with engine.connect() as conn:
        # a value stored out of line reads as its 18-byte pointer's target; in the row it is its own size
        sizes = conn.execute(text("SELECT max(pg_column_size(signer_key)), max(octet_length(signer_key)) "
                                  "FROM search_entries")).one()
    assert sizes[0] <= sizes[1] + 4


def filter_storage(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
                                 "'search_entries'::regclass AND attnum > 0")).all()
    return {name: storage for name, storage in rows if name in schema.INLINE_COLUMNS}
