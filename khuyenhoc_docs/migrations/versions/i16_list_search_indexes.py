"""indexes for the document list (scope count, latest change) and the SQLite search filters

Revision ID: i16_list_search_indexes
Revises: i19_legacy
Create Date: 2026-12-02 00:10:00
"""
from alembic import op

from khuyenhoc_docs.search import schema as search_schema

revision = 'i16_list_search_indexes'
down_revision = 'i19_legacy'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_scope', ['lead_org_id', 'partner_org_id', 'status'], unique=False)
        batch_op.create_index('ix_documents_updated_at', ['updated_at'], unique=False)
    # Idempotent: a database created after this change already has it (search_schema.create).
    for statement in search_schema.filter_index_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_schema.drop_filter_index_statements(op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_updated_at')
        batch_op.drop_index('ix_documents_scope')
