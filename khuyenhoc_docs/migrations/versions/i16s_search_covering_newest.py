"""search index: on SQLite the newest-first index carries the filter columns (built from existing rows)

Revision ID: i16s_search_covering_newest
Revises: i16s_search_narrow_heap
Create Date: 2026-12-02 03:35:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'i16s_search_covering_newest'
down_revision = 'i16s_search_narrow_heap'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing to do on PostgreSQL (its heap is narrow); on SQLite CREATE INDEX reads every row.
    for statement in search_schema.covering_newest_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.plain_newest_statements(op.get_bind().dialect.name):
        op.execute(statement)
