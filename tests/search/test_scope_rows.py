"""The scope rows (organisation, entry, kind) and the generation follow every write to search_entries, on
both engines, whoever writes (the index, raw SQL, a migration's backfill); results kept in the process are
the database's current results for every session."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from khuyenhoc_docs.search import INCOMING, SearchFilters, SearchIndex, schema
from khuyenhoc_docs.search.cache import generation
from tests.sql_capture import sent_statements

from .conftest import add, make_entry


def scope_rows(session: Session) -> set[tuple[int, int, str]]:
    """(organisation, document, kind) from the scope rows."""
    e, s = schema.search_entries.c, schema.search_scopes.c
    rows = session.execute(select(s.organisation_id, e.document_id, s.kind).join_from(
        schema.search_scopes, schema.search_entries, s.entry_id == e.id)).all()
    return {tuple(r) for r in rows}


def expected_rows(session: Session) -> set[tuple[int, int, str]]:
    """The same, parsed from organisation_ids (",3,7,")."""
    e = schema.search_entries.c
    return {(int(o), document_id, kind)
            for document_id, kind, ids in session.execute(select(e.document_id, e.kind, e.organisation_ids))
            for o in ids.strip(",").split(",") if o}


def test_scope_rows_follow_every_write(session: Session, index: SearchIndex) -> None:
    add(session, index, make_entry(1, organisation_ids=(3, 7)), make_entry(2, organisation_ids=(7,)),
        make_entry(1, kind=INCOMING, organisation_ids=(9,)), make_entry(3, organisation_ids=()))
    assert scope_rows(session) == {(3, 1, "document"), (7, 1, "document"), (7, 2, "document"), (9, 1, "incoming")}
    add(session, index, make_entry(1, organisation_ids=(4, 7, 4)))  # upsert: new organisations
    index.remove(session, 2)
    session.commit()
    assert scope_rows(session) == {(4, 1, "document"), (7, 1, "document"), (9, 1, "incoming")}
    # raw SQL keeps them too
    session.execute(text("UPDATE search_entries SET organisation_ids = ',5,6,' WHERE kind = 'incoming'"))
    session.execute(text("DELETE FROM search_entries WHERE document_id = 1 AND kind = 'document'"))
    session.commit()
    assert scope_rows(session) == expected_rows(session) == {(5, 1, "incoming"), (6, 1, "incoming")}


def test_scope_filter_finds_the_entries_sharing_an_organisation(session: Session, index: SearchIndex) -> None:
    add(session, index, *(make_entry(i, organisation_ids=(i % 5, 10 + i % 3), body="khuyến học") for i in range(1, 31)),
        *(make_entry(i, kind=INCOMING, organisation_ids=(i % 4,), body="khuyến học") for i in range(1, 11)))
    for records, incoming in [({1}, None), ({1, 11}, None), ({1}, {2}), (set(), {3}), ({4, 12}, set()),
                              (None, {0}), (set(), set()), ({99}, {98})]:
        filters = SearchFilters(organisation_ids=None if records is None else frozenset(records),
                                incoming_organisation_ids=None if incoming is None else frozenset(incoming))
        want_incoming = records if incoming is None else incoming
        expected = {("document", i) for i in range(1, 31)
                    if records is None or {i % 5, 10 + i % 3} & records}
        expected |= {("incoming", i) for i in range(1, 11) if want_incoming is None or {i % 4} & want_incoming}
        for query in ("", "khuyen hoc"):
            page = index.search(session, query, filters, per_page=100)
            assert {(h.kind, h.document_id) for h in page.hits} == expected and page.total == len(expected), filters


def _statements(engine: Engine, call) -> list[str]:
    return [statement for statement, _ in sent_statements(engine, call)]


def test_generation_changes_with_every_write_and_never_comes_back(engine: Engine, index: SearchIndex) -> None:
    with Session(engine) as session:
        add(session, index, make_entry(1))
        first = generation(session)
        assert first is not None and generation(session) == first
        index.index_document(session, make_entry(2))
        uncommitted = generation(session)
        assert uncommitted != first
        session.rollback()
        assert generation(session) == first
        add(session, index, make_entry(2))
        assert generation(session) not in (first, uncommitted)


def test_kept_results_are_the_current_results(engine: Engine, index: SearchIndex) -> None:
    with Session(engine) as reader, Session(engine) as writer:
        add(writer, index, make_entry(1, body="khuyến học"), make_entry(2, body="gia đình"))
        assert reader.execute(text("SELECT 1")).scalar_one() == 1
        first = index.search(reader, "khuyen hoc")
        assert [h.document_id for h in first.hits] == [1]
        reader.rollback()
        # Kept: the second search reads the generation and nothing else.
        again = _statements(engine, lambda: index.search(reader, "khuyen hoc"))
        assert len(again) == 1 and "search_state" in again[0]
        reader.rollback()
        # Another session writes and commits: the reader sees it at once.
        add(writer, index, make_entry(3, body="khuyến học"))
        assert index.search(reader, "khuyen hoc").total == 2
        reader.rollback()
        # The writer's own uncommitted change is its own: the others keep the committed result,
        # and after the rollback the writer does too.
        index.remove(writer, 1)
        assert [h.document_id for h in index.search(writer, "khuyen hoc").hits] == [3]
        assert index.search(reader, "khuyen hoc").total == 2
        reader.rollback()
        writer.rollback()
        assert index.search(writer, "khuyen hoc").total == 2
        # Different filters, pages and sizes are different results.
        assert index.search(writer, "khuyen hoc", SearchFilters(organisation_ids=frozenset({2}))).total == 0
        assert len(index.search(writer, "khuyen hoc", per_page=1).hits) == 1
        assert [h.document_id for h in index.search(writer, "khuyen hoc", page=2, per_page=1).hits] == [1]


def _check_backfill(url: str) -> None:
    from khuyenhoc_docs import migrate
    from khuyenhoc_docs.db import make_engine
    from khuyenhoc_docs.search import search_index_for

    migrate.upgrade(url, "i16l_document_counts")
    engine = make_engine(url)
    with engine.begin() as conn:  # as the revision before made it (0004 now creates the rows and triggers)
        for statement in schema.drop_scope_statements(engine.dialect.name):
            conn.execute(text(statement))
    index = search_index_for(engine)
    with Session(engine) as session:
        add(session, index, *(make_entry(i, organisation_ids=(i % 4, 5 + i % 3),
                                         issue_date=None if i % 5 == 0 else date(2019, 1 + i % 3, 1))
                              for i in range(1, 25)),
            make_entry(1, kind=INCOMING, organisation_ids=(2,)))
        if engine.dialect.name == "sqlite":  # ids as given before: in the order of the first write
            session.execute(text("UPDATE search_entries SET id = document_id * 2 + (kind = 'incoming')"))
            schema.rebuild(lambda sql: session.execute(text(sql)), "sqlite", forget_results=False)
            session.commit()
            assert session.execute(text("SELECT max(id) FROM search_entries")).scalar_one() == 48
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        assert len(scope_rows(session)) == 49 and scope_rows(session) == expected_rows(session)
        assert generation(session) is not None
        page = index.search(session, "", SearchFilters(organisation_ids=frozenset({2})), per_page=100)
        assert {(h.kind, h.document_id) for h in page.hits} == {
            ("document", i) for i in range(1, 25) if i % 4 == 2} | {("incoming", 1)}
        if engine.dialect.name == "sqlite":  # renumbered in newest-first order, full-text index rebuilt
            from khuyenhoc_docs.search.sqlite_fts import SqliteSearchIndex, order_key

            e = schema.search_entries.c
            rows = session.execute(select(e.id, e.issue_date, e.document_id, e.kind)).all()
            assert all(r.id == order_key(r.issue_date, r.document_id, r.kind) for r in rows) and len(rows) == 25
            session.execute(text(f"INSERT INTO {schema.FTS_TABLE}({schema.FTS_TABLE}, rank) "
                                 "VALUES ('integrity-check', 1)"))
            broad = SqliteSearchIndex(rank_limit=1)
            assert [(h.kind, h.document_id) for h in broad.search(session, "noi dung", per_page=100).hits] == [
                (h.kind, h.document_id) for h in index.search(session, "", per_page=100).hits]
    engine.dispose()
    migrate.downgrade(url, "i16l_document_counts")


def test_sqlite_migration_fills_the_scope_rows_of_existing_entries(tmp_path) -> None:
    _check_backfill(f"sqlite:///{tmp_path / 'scope.sqlite3'}")


def test_postgresql_migration_fills_the_scope_rows_of_existing_entries(pg) -> None:
    _check_backfill(pg.create_database())
