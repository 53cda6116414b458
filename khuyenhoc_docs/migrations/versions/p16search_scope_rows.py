"""search index: the access scope as (organisation, entry) rows and a generation changed by every
index write, both kept by triggers; the rows are filled from the existing entries

Revision ID: p16search_scope_rows
Revises: i16l_document_counts
Create Date: 2026-12-02 05:30:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'p16search_scope_rows'
down_revision = 'i16l_document_counts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The first search migration (0004) runs schema.create, which now makes these too: start over.
    dialect = op.get_bind().dialect.name
    for statement in search_schema.drop_scope_statements(dialect) + search_schema.scope_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.drop_scope_statements(op.get_bind().dialect.name):
        op.execute(statement)
