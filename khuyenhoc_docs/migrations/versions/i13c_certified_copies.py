"""certified electronic copies (sao y, trích sao) and their per-organisation copy register

Revision ID: i13c_copies
Revises: i14b_recipient_owners
Create Date: 2026-12-02 01:00:00
"""
from alembic import op
import sqlalchemy as sa

import khuyenhoc_docs.db


revision = 'i13c_copies'
down_revision = 'i14b_recipient_owners'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('copy_counters',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_copy_counters_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('organisation_id', 'year', name=op.f('pk_copy_counters'))
    )
    op.create_table('document_copies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('copy_number', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('pages', sa.JSON(), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', khuyenhoc_docs.db.UTCDateTime(), nullable=False),
    sa.Column('created_at', khuyenhoc_docs.db.UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_document_copies_created_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_copies_document_id_documents')),
    sa.ForeignKeyConstraint(['object_id'], ['stored_objects.id'], name=op.f('fk_document_copies_object_id_stored_objects')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_document_copies_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_copies')),
    sa.UniqueConstraint('organisation_id', 'year', 'number', name=op.f('uq_document_copies_organisation_id_year_number'))
    )
    with op.batch_alter_table('document_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_copies_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_copies_sha256'), ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_copies_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_copies_document_id'))
    op.drop_table('document_copies')
    op.drop_table('copy_counters')
