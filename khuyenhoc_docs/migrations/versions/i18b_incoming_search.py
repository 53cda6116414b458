"""incoming documents in the archive search: search_entries.kind, unique per (kind, document_id)

Revision ID: i18b_incoming_search
Revises: i12_sealing
Create Date: 2026-12-02 03:05:00
"""
from datetime import date
from types import SimpleNamespace

from alembic import op
from sqlalchemy import inspect, text

from khuyenhoc_docs.search import schema as search_schema
from khuyenhoc_docs.search import search_index_for

revision = 'i18b_incoming_search'
down_revision = 'i12_sealing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # A database created after this change already has the column (search_schema.create).
    has_kind = "kind" in {c["name"] for c in inspect(bind).get_columns("search_entries")}
    for statement in search_schema.kind_statements(bind.dialect.name, has_kind):
        op.execute(statement)
    # Index the documents already in the incoming register (columns as of this revision).
    from sqlalchemy.orm import Session

    from khuyenhoc_docs import search_sync

    session = Session(bind=bind)
    rows = session.execute(text(
        "SELECT i.id, i.organisation_id, i.year, i.arrival_number, i.sender_name, i.code_number, "
        "i.code_notation, i.promulgation_date, i.type_name, i.subject, i.signer_name, i.text, i.status, "
        "l.code AS level_code FROM incoming_documents i JOIN organisations o ON o.id = i.organisation_id "
        "JOIN org_levels l ON l.id = o.level_id")).all()
    index = search_index_for(session)
    for found in rows:
        row = SimpleNamespace(**found._mapping)
        if isinstance(row.promulgation_date, str):  # SQLite through text(): ISO strings
            row.promulgation_date = date.fromisoformat(row.promulgation_date[:10])
        index.index_document(session, search_sync.incoming_entry(row, row.level_code))
    session.flush()

def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in search_schema.drop_kind_statements(dialect):
        op.execute(statement)
    # the FTS5 index forgets the deleted rows (no generation table at this revision)
    search_schema.rebuild(op.execute, dialect, forget_results=False)
