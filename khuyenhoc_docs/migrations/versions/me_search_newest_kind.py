"""search index: newest first ends with kind, so records and incoming documents sharing a date and an id
have one order across pages (PostgreSQL index rebuilt; SQLite's index already ends so)

Revision ID: me_search_newest_kind
Revises: i16s_search_inline_filters
Create Date: 2026-12-02 04:25:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'me_search_newest_kind'
down_revision = 'i16s_search_inline_filters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in search_schema.newest_with_kind_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.newest_with_kind_statements(op.get_bind().dialect.name, with_kind=False):
        op.execute(statement)
