"""Migration i18b_incoming_search on a database made before it: the kind column, and the incoming
register already there enters the archive search."""
from __future__ import annotations

import sqlite3

from sqlalchemy.orm import Session

from khuyenhoc_docs import migrate
from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.search import SearchFilters, schema, search_index_for


def _as_before(con: sqlite3.Connection) -> None:
    """The search table as revisions before i18b made it (no kind, unique document_id)."""
    for statement in schema.drop_kind_statements("sqlite"):
        con.execute(statement)
    schema.rebuild(con.execute, "sqlite")


def test_sqlite_upgrade_adds_kind_and_indexes_the_incoming_register(tmp_path):
    path = tmp_path / "before.sqlite3"
    url = f"sqlite:///{path}"
    migrate.upgrade(url, "i12_sealing")
    con = sqlite3.connect(path)
    _as_before(con)
    assert "kind" not in {row[1] for row in con.execute("PRAGMA table_info(search_entries)")}
    con.execute("INSERT INTO search_entries (id, document_id, level_code, status, organisation_ids, updated_at, "
                "doc_number, doc_number_key, signer_names, signer_key, title, body, folded) VALUES "
                "(1, 1, 'province', 'issued', ',1,', '2026-01-01', '05/CTPH', ' 05 ctph ', '', '', 'Cũ', "
                "'Khuyến học', 'cu khuyen hoc')")
    con.execute("INSERT INTO search_fts (rowid, folded) VALUES (1, 'cu khuyen hoc')")
    con.execute("INSERT INTO org_levels VALUES (1, 'province', 'Cấp tỉnh', 0)")
    con.execute("INSERT INTO organisations (id, level_id, family, name, header_name, parent_header, abbreviation,"
                " area, place, email, postal_address, active, code) VALUES (1, 1, 'x', 'Hội Khuyến học tỉnh', 'H',"
                " '', 'X', '', '', '', '', 1, '')")
    con.execute("INSERT INTO stored_objects (id, key, version_id, sha256, size, content_type, legal_hold)"
                " VALUES (1, 'p.pdf', '1', 'x', 1, 'x', 0)")
    con.execute(
        "INSERT INTO incoming_documents (id, organisation_id, year, arrival_number, edxml_document_id, sender_code,"
        " sender_name, code_number, code_notation, promulgation_date, place, type_name, subject, signer_competence,"
        " signer_position, signer_name, to_places, page_amount, text, pdf_object_id, package_object_id, validation,"
        " status, last_status_code, business_reason, pending_business) VALUES (1, 1, 2026, 7, 'X', '000.00.00.G22',"
        " 'Sở Tài chính', '2491', 'STC-BCTC', '2026-10-30', '', 'Công văn', 'Về việc quỹ khuyến học', '', '',"
        " 'Võ Văn Tài', '[]', 1, 'nội dung đính kèm', 1, 1, '{}', 'received', '03', '', '')")
    con.commit()
    con.close()
    migrate.upgrade(url)
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
    con = sqlite3.connect(path)
    assert "kind" not in {row[1] for row in con.execute("PRAGMA table_info(search_entries)")}
    assert con.execute("SELECT document_id FROM search_entries").fetchall() == [(1,)]
    assert con.execute("SELECT rowid FROM search_fts WHERE search_fts MATCH 'khuyen'").fetchall() == [(1,)]
    con.close()
