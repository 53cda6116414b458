"""search index: a narrow heap on PostgreSQL (text and tsvector out of line), existing rows rewritten

Revision ID: i16s_search_narrow_heap
Revises: i18b_incoming_links
Create Date: 2026-12-02 03:15:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'i16s_search_narrow_heap'
down_revision = 'i18b_incoming_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing to do on SQLite; on PostgreSQL every existing record is rewritten once.
    for statement in search_schema.narrow_heap_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.wide_heap_statements(op.get_bind().dialect.name):
        op.execute(statement)
