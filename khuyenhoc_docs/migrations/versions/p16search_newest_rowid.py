"""search index (SQLite): row ids in newest-first order, so FTS5 yields a newest-first page of a broad
match without listing every match; existing entries renumbered, the full-text index rebuilt

Revision ID: p16search_newest_rowid
Revises: p16search_scope_rows
Create Date: 2026-12-02 05:45:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'p16search_newest_rowid'
down_revision = 'p16search_scope_rows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in search_schema.newest_rowid_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    # Any ids do for the code before: they stay.
    pass
