"""Alembic migrations from empty to head (and back) on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import inspect, text

from khuyenhoc_docs import (
    migrate,
    models,  # noqa: F401
)
from khuyenhoc_docs.db import Base, make_engine


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()
    migrate.downgrade(url, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)


def _no_drift(url: str) -> None:
    """The models and the migrations describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from khuyenhoc_docs.migrations.env_filters import include_object

    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_empty_to_head_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    _roundtrip(url)
    _no_drift(url)


@pytest.mark.slow
def test_postgresql_empty_to_head_and_back(pg):
    url = pg.create_database()
    _roundtrip(url)
    _no_drift(url)


def _fill_directory(url: str) -> None:
    """Recipients with rows that refer to them, written at the revision before the per-organisation directory."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO recipients (name, email, postal_address, active, code, created_at) "
                          "VALUES ('Sở GD&ĐT', 'so@x.vn', '', true, '000.00.00.G22', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipient_lists (name, created_at) VALUES ('Cấp tỉnh', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO recipient_list_items (list_id, recipient_id, position) VALUES (1, 1, 0)"))
    engine.dispose()


def _directory_survives(url: str) -> None:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, code, owner_org_id FROM recipients")).all()
        items = conn.execute(text("SELECT list_id, recipient_id FROM recipient_list_items")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("Sở GD&ĐT", "000.00.00.G22", None)]  # kept, now in the shared list
    assert [tuple(i) for i in items] == [(1, 1)]


def test_sqlite_upgrade_keeps_a_referenced_directory(tmp_path):
    # On SQLite the owner column comes with a table rebuild of recipients, which other rows refer to:
    # with foreign-key enforcement on during the run, dropping the old table would fail.
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    migrate.upgrade(url, "i16_list_search_indexes")
    _fill_directory(url)
    migrate.upgrade(url)
    _directory_survives(url)
    _no_drift(url)


@pytest.mark.slow
def test_postgresql_upgrade_keeps_a_referenced_directory(pg):
    url = pg.create_database()
    migrate.upgrade(url, "i16_list_search_indexes")
    _fill_directory(url)
    migrate.upgrade(url)
    _directory_survives(url)
