"""documents that implement or answer an incoming document (basis_incoming_id, answers_incoming_id)

Revision ID: i18b_incoming_links
Revises: i18b_incoming_search
Create Date: 2026-12-02 03:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'i18b_incoming_links'
down_revision = 'i18b_incoming_search'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis_incoming_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answers_incoming_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_basis_incoming_id'), ['basis_incoming_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_answers_incoming_id'), ['answers_incoming_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_basis_incoming_id_incoming_documents'),
                                    'incoming_documents', ['basis_incoming_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_documents_answers_incoming_id_incoming_documents'),
                                    'incoming_documents', ['answers_incoming_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_answers_incoming_id_incoming_documents'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_documents_basis_incoming_id_incoming_documents'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_answers_incoming_id'))
        batch_op.drop_index(batch_op.f('ix_documents_basis_incoming_id'))
        batch_op.drop_column('answers_incoming_id')
        batch_op.drop_column('basis_incoming_id')
