"""organisations: index successor_id, so the principal's scope (a recursive query on every request,
following parents and successors) searches instead of scanning every organisation per unit

Revision ID: me_org_successor_index
Revises: p16search_newest_rowid
Create Date: 2026-12-02 07:50:00
"""
from alembic import op

revision = 'me_org_successor_index'
down_revision = 'p16search_newest_rowid'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_organisations_successor_id', 'organisations', ['successor_id'])


def downgrade() -> None:
    op.drop_index('ix_organisations_successor_id', table_name='organisations')
