"""search index (its own table: FTS5 on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0004
Revises: 0003
"""
from alembic import op

from khuyenhoc_docs.search import schema

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    schema.create(op.execute, op.get_bind().dialect.name)


def downgrade() -> None:
    schema.drop(op.execute, op.get_bind().dialect.name)
