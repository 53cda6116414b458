"""revision hash index (verify against the archive), record codes

Revision ID: i13_revision_index
Revises: i12_org_credentials
Create Date: 2026-12-01 21:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'i13_revision_index'
down_revision = 'i12_org_credentials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_code', sa.String(length=9), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_documents_record_code'), ['record_code'])
    op.create_table('revision_hashes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signatures', sa.Integer(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_revision_hashes_document_id_documents')),
    sa.ForeignKeyConstraint(['object_id'], ['stored_objects.id'], name=op.f('fk_revision_hashes_object_id_stored_objects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revision_hashes'))
    )
    with op.batch_alter_table('revision_hashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revision_hashes_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revision_hashes_object_id'), ['object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revision_hashes_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('revision_hashes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revision_hashes_sha256'))
        batch_op.drop_index(batch_op.f('ix_revision_hashes_object_id'))
        batch_op.drop_index(batch_op.f('ix_revision_hashes_document_id'))
    op.drop_table('revision_hashes')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_documents_record_code'), type_='unique')
        batch_op.drop_column('record_code')
