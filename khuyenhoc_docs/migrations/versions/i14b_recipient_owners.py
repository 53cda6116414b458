"""recipients and recipient lists belong to an organisation's directory (NULL: the admin's shared list)

Revision ID: i14b_recipient_owners
Revises: i14b_browser_sessions
"""
from alembic import op
import sqlalchemy as sa


revision = 'i14b_recipient_owners'
down_revision = 'i14b_browser_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing entries stay usable by everyone as the shared list (owner NULL); admins may move them.
    for table in ('recipients', 'recipient_lists'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('owner_org_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_owner_org_id'), ['owner_org_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_owner_org_id_organisations'), 'organisations',
                                        ['owner_org_id'], ['id'])
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_name'), type_='unique')
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_owner_org_id_name'), ['owner_org_id', 'name'])


def downgrade() -> None:
    for table in ('recipient_lists', 'recipients'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_owner_org_id_name'), type_='unique')
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_name'), ['name'])
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_owner_org_id_organisations'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_owner_org_id'))
            batch_op.drop_column('owner_org_id')
