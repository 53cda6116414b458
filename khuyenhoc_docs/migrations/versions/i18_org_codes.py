"""organisation codes (mã định danh) for edXML exchange

Revision ID: i18_org_codes
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = 'i18_org_codes'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=40), server_default='', nullable=False))
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=40), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('recipients', schema=None) as batch_op:
        batch_op.drop_column('code')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('code')
