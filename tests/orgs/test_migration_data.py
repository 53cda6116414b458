"""Migrations that rebuild referenced tables on SQLite must keep existing rows (foreign keys on)."""
from __future__ import annotations

from sqlalchemy import text

from khuyenhoc_docs import migrate
from khuyenhoc_docs.db import make_engine


def test_sqlite_upgrade_with_rows_referring_to_organisations_and_documents(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url, "0005")
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("insert into org_levels (id, code, name, rank) values (1, 'province', 'Cấp tỉnh', 0)"))
        for oid, parent in ((1, None), (2, 1)):
            c.execute(text("insert into organisations (id, parent_id, level_id, family, name, header_name, parent_header,"
                           " abbreviation, area, place, email, postal_address, active) values (:i, :p, 1, 'doan',"
                           " :n, :n, '', 'TĐ', '', '', '', '', 1)"), {"i": oid, "p": parent, "n": f"Tỉnh đoàn {oid}"})
        c.execute(text("insert into users (id, username, full_name, email, position, password_hash, organisation_id,"
                       " active, created_at) values (1, 'u', 'U', '', '', 'x', 2, 1, '2026-01-01 00:00:00')"))
        c.execute(text("insert into stored_objects (id, key, version_id, sha256, size, content_type, legal_hold, created_at)"
                       " values (1, 'k', 'v', :h, 1, 'application/pdf', 0, '2026-01-01 00:00:00')"), {"h": "0" * 64})
        c.execute(text("insert into template_versions (id, kind, version, name, filename, placeholders, object_id,"
                       " created_at) values (1, 'programme_province', 1, 'n', 'f', '[]', 1, '2026-01-01 00:00:00')"))
        c.execute(text("insert into documents (id, kind, title, status, fields, template_version_id, lead_org_id,"
                       " partner_org_id, routing, current_version, lock_version, created_by_id, created_at, updated_at)"
                       " values (1, 'programme_province', 't', 'draft', '{}', 1, 1, 2, 'any', 1, 0, 1,"
                       " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
        c.execute(text("insert into document_versions (id, document_id, number, stage, fields, template_version_id,"
                       " docx_object_id, pdf_object_id, text, note, created_by_id, created_at) values (1, 1, 1, 'draft',"
                       " '{}', 1, 1, 1, '', '', 1, '2026-01-01 00:00:00')"))
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.connect() as c:
        assert c.execute(text("select count(*) from organisations")).scalar() == 2
        assert c.execute(text("select origin from documents")).scalar() == "system"
        assert c.execute(text("select count(*) from document_versions")).scalar() == 1
        assert c.execute(text("pragma foreign_key_check")).fetchall() == []
        assert c.execute(text("pragma foreign_keys")).scalar() == 1
    engine.dispose()
