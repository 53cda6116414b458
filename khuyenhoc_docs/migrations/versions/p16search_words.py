"""search index (SQLite): the table of indexed words, filled from the full-text index, so prefix
terms that extend no other word are matched as that word (search/sqlite_words.py)

Revision ID: p16search_words
Revises: me_org_successor_index
Create Date: 2026-12-02 20:40:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'p16search_words'
down_revision = 'me_org_successor_index'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in search_schema.words_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.drop_words_statements(op.get_bind().dialect.name):
        op.execute(statement)
