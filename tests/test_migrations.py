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


def test_existing_numbered_documents_keep_their_numbers(tmp_path):
    """Numbered at submission under the old flow: the number stays, in the lead's register, and the
    document needs no seal to be issued (it has no seal fields); a new draft does."""
    import sqlite3

    path = tmp_path / "legacy.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "i13c_copies")
    con = sqlite3.connect(path)  # the smallest rows the documents refer to
    con.execute("INSERT INTO org_levels VALUES (1, 'province', 'Cấp tỉnh', 0)")
    for org_id, name in ((1, "Hội Khuyến học tỉnh Bến Tre"), (2, "Tỉnh đoàn Bến Tre")):
        con.execute("INSERT INTO organisations (id, level_id, family, name, header_name, parent_header, abbreviation,"
                    " area, place, email, postal_address, active) VALUES (?, 1, 'x', ?, ?, '', 'X', '', '', '', '', 1)",
                    (org_id, name, name.upper()))
    con.execute("INSERT INTO users (id, username, full_name, email, position, password_hash, organisation_id, active)"
                " VALUES (1, 'vanthu', 'Văn thư', '', '', 'x', 1, 1)")
    con.execute("INSERT INTO stored_objects (id, key, version_id, sha256, size, content_type, legal_hold)"
                " VALUES (1, 't.docx', '1', 'x', 1, 'x', 0)")
    con.execute("INSERT INTO template_versions (id, kind, version, name, filename, placeholders, object_id)"
                " VALUES (1, 'programme_province', 1, 'm', 'm.docx', '[]', 1)")
    cols = ("kind, title, status, fields, template_version_id, lead_org_id, partner_org_id, routing, doc_number, "
            "issue_date, current_version, lock_version, created_by_id, updated_at")
    con.execute(f"INSERT INTO documents (id, {cols}) VALUES (1, 'programme_province', 'Cũ', 'signed', '{{}}', 1, 1, 2,"
                " 'any', '05/CTPH-HKH-TĐ', '2026-03-05', 2, 3, 1, '2026-03-05 01:00:00')")
    con.execute(f"INSERT INTO documents (id, {cols}) VALUES (2, 'programme_province', 'Mới', 'draft', '{{}}', 1, 1, 2,"
                " 'any', NULL, NULL, 1, 0, 1, '2026-03-05 01:00:00')")
    con.execute("INSERT INTO register_entries (organisation_id, year, number, doc_number, document_id, issue_date,"
                " summary, status, void_reason) VALUES (1, 2026, 5, '05/CTPH-HKH-TĐ', 1, '2026-03-05', 'Cũ', 'active', '')")
    con.commit()
    con.close()
    migrate.upgrade(url)
    con = sqlite3.connect(path)
    assert con.execute("SELECT id, doc_number, seal_required FROM documents ORDER BY id").fetchall() == [
        (1, "05/CTPH-HKH-TĐ", 0), (2, None, 1)]
    assert con.execute("SELECT number, role, doc_number FROM register_entries").fetchall() == [
        (5, "lead", "05/CTPH-HKH-TĐ")]
    con.close()


@pytest.mark.slow
def test_postgresql_existing_search_records_move_their_text_out_of_line(pg):
    """The narrow-heap migration rewrites the records indexed before it; the search finds the same."""
    from sqlalchemy.orm import Session

    from khuyenhoc_docs.search import search_index_for
    from tests.search.conftest import live_heap_pages, long_entry

    url = pg.create_database()
    migrate.upgrade(url, "i18b_incoming_links")
    engine = make_engine(url)
    with engine.begin() as conn:  # as created before the change (0004 now creates it narrow)
        conn.execute(text("ALTER TABLE search_entries RESET (toast_tuple_target)"))
    index = search_index_for(engine)
    with Session(engine) as session:
        for i in range(1, 121):
            index.index_document(session, long_entry(i))
        session.commit()
        before = [h.document_id for h in index.search(session, "khuyen hoc hoc", per_page=100).hits]
    wide = live_heap_pages(engine)
    migrate.upgrade(url)
    assert wide > 20 and live_heap_pages(engine) < wide // 2
    from tests.search.test_schema import filter_storage
    assert set(filter_storage(engine).values()) == {"m"}
    with Session(engine) as session:
        assert [h.document_id for h in index.search(session, "khuyen hoc hoc", per_page=100).hits] == before
    engine.dispose()
    migrate.downgrade(url, "i18b_incoming_links")


def test_sqlite_newest_index_gets_the_filter_columns_for_existing_records(tmp_path):
    """The covering newest-first index is built from the records indexed before it; same results."""
    import sqlite3

    from sqlalchemy.orm import Session

    from khuyenhoc_docs.search import SearchFilters, search_index_for
    from khuyenhoc_docs.search import schema as search_schema
    from khuyenhoc_docs.search.schema import NEWEST_INDEX
    from tests.search.conftest import long_entry

    path = tmp_path / "n.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "i16s_search_narrow_heap")
    engine = make_engine(url)
    with engine.begin() as conn:  # the index as created before the change (0004 now creates the new one)
        for statement in search_schema.plain_newest_statements("sqlite"):
            conn.execute(text(statement))
    index = search_index_for(engine)
    scope = SearchFilters(organisation_ids=frozenset({1}), signer="tran thi")
    with Session(engine) as session:
        for i in range(1, 41):
            index.index_document(session, long_entry(i))
        session.commit()
        before = [h.document_id for h in index.search(session, "", scope, per_page=100).hits]
    engine.dispose()

    def columns() -> list[str]:
        con = sqlite3.connect(path)
        try:
            return [row[2] for row in con.execute(f"PRAGMA index_info({NEWEST_INDEX})")]
        finally:
            con.close()

    assert columns() == ["issue_date", "document_id"]
    migrate.upgrade(url)
    assert columns()[:2] == ["issue_date", "document_id"] and {"year", "signer_key", "organisation_ids"} <= set(columns())
    engine = make_engine(url)
    with Session(engine) as session:
        assert [h.document_id for h in index.search(session, "", scope, per_page=100).hits] == before
        assert len(before) == 40
    engine.dispose()
