"""Migration i18b_incoming_search on a database made before it (SQLite and PostgreSQL): the kind column,
and the incoming register already there enters the archive search."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from khuyenhoc_docs import migrate
from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.search import SearchFilters, schema, search_index_for

ROWS = [
    "INSERT INTO search_entries (document_id, level_code, status, organisation_ids, updated_at, doc_number, "
    "doc_number_key, signer_names, signer_key, title, body, folded) VALUES (1, 'province', 'issued', ',1,', "
    "'2026-01-01', '05/CTPH', ' 05 ctph ', '', '', 'Cũ', 'Khuyến học', 'cu khuyen hoc')",
    "INSERT INTO org_levels (id, code, name, rank) VALUES (1, 'province', 'Cấp tỉnh', 0)",
    "INSERT INTO organisations (id, level_id, family, name, header_name, parent_header, abbreviation, area, place,"
    " email, postal_address, active, code) VALUES (1, 1, 'x', 'Hội Khuyến học tỉnh', 'H', '', 'X', '', '', '', '',"
    " true, '')",
    "INSERT INTO stored_objects (id, key, version_id, sha256, size, content_type, legal_hold)"
    " VALUES (1, 'p.pdf', '1', 'x', 1, 'x', false)",
    "INSERT INTO incoming_documents (id, organisation_id, year, arrival_number, received_at, edxml_document_id,"
    " sender_code, sender_name, code_number, code_notation, promulgation_date, place, type_name, subject,"
    " signer_competence, signer_position, signer_name, to_places, page_amount, text, pdf_object_id,"
    " package_object_id, validation, status, last_status_code, business_reason, pending_business) VALUES (1, 1,"
    " 2026, 7, '2026-10-31 01:00:00', 'X', '000.00.00.G22', 'Sở Tài chính', '2491', 'STC-BCTC', '2026-10-30', '',"
    " 'Công văn', 'Về việc quỹ khuyến học', '', '', 'Võ Văn Tài', '[]', 1, 'nội dung đính kèm', 1, 1, '{}',"
    " 'received', '03', '', '')",
]


def _columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("search_entries")}


def _check_upgrade_and_back(url: str) -> None:
    migrate.upgrade(url, "i12_sealing")
    engine = make_engine(url)
    dialect = engine.dialect.name
    with engine.begin() as conn:  # the search table as revisions before i18b made it
        for statement in schema.drop_kind_statements(dialect):
            conn.execute(text(statement))
        for statement in ROWS:
            conn.execute(text(statement))
        if dialect == "sqlite":
            conn.execute(text("INSERT INTO search_fts (rowid, folded) VALUES (1, 'cu khuyen hoc')"))
    assert "kind" not in _columns(engine)
    engine.dispose()
    migrate.upgrade(url, "i18b_incoming_search")
    engine = make_engine(url)
    with Session(engine) as session:
        index = search_index_for(session)
        hits = index.search(session, "khuyen hoc").hits
        assert sorted((h.kind, h.document_id) for h in hits) == [("document", 1), ("incoming", 1)]
        incoming = index.search(session, "so tai chinh van ban den so 7/2026").hits
        assert [(h.kind, h.doc_number) for h in incoming] == [("incoming", "2491/STC-BCTC")]
        assert index.search(session, "", SearchFilters(signer="vo van tai", kind="incoming")).total == 1
    engine.dispose()
    migrate.downgrade(url, "i12_sealing")
    engine = make_engine(url)
    assert "kind" not in _columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT document_id FROM search_entries")).all() == [(1,)]
        # the old revision's upsert key and (SQLite) a full-text index without the incoming rows
        assert "uq_search_entries_document_id" in {i["name"] for i in inspect(conn).get_indexes("search_entries")}
        if dialect == "sqlite":
            assert conn.execute(text("SELECT rowid FROM search_fts WHERE search_fts MATCH 'khuyen'")).all() == [(1,)]
    engine.dispose()


def test_sqlite_upgrade_adds_kind_and_indexes_the_incoming_register(tmp_path):
    _check_upgrade_and_back(f"sqlite:///{tmp_path / 'before.sqlite3'}")


@pytest.mark.slow
def test_postgresql_upgrade_adds_kind_and_indexes_the_incoming_register(pg):
    _check_upgrade_and_back(pg.create_database())
