"""search index: on PostgreSQL the filter columns stay in the narrow row (MAIN storage), existing rows rewritten

Revision ID: i16s_search_inline_filters
Revises: i16s_search_covering_newest
Create Date: 2026-12-02 03:55:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'i16s_search_inline_filters'
down_revision = 'i16s_search_covering_newest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # With the 128-byte toast target the toaster had moved even the short filter values out
    # of line, so each filter check read TOAST; nothing to do on SQLite.
    for statement in search_schema.inline_filter_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.extended_filter_statements(op.get_bind().dialect.name):
        op.execute(statement)
