"""document counters per (lead, partner, status), kept by triggers on documents

Revision ID: i16l_document_counts
Revises: me_search_newest_kind
Create Date: 2026-12-02 05:30:00

The document list's total summed over the principal's scope pairs instead of stepping every
document (issue 16). Triggers, not application code, keep the counters: every writer (the ORM,
bulk UPDATEs, imports, other processes) changes them in its own transaction, and a rolled back
change rolls its counter back too. The DDL is written out here (not imported from the app) so the
migration stays what it was when it ran. A later SQLite migration that rebuilds ``documents``
(batch_alter_table) drops these triggers and must create them again: tests/test_document_counts.py
checks that they exist at head.
"""
import sqlalchemy as sa
from alembic import op

revision = 'i16l_document_counts'
down_revision = 'me_search_newest_kind'
branch_labels = None
depends_on = None

_KEY = "lead_org_id = {r}.lead_org_id AND partner_org_id = {r}.partner_org_id AND status = {r}.status"
_CHANGED = ("OLD.lead_org_id IS NOT NEW.lead_org_id OR OLD.partner_org_id IS NOT NEW.partner_org_id "
            "OR OLD.status IS NOT NEW.status")

# SQLite: one writer at a time, so one row per key: made with n = 0 when missing, then moved.
_SQLITE_ADD = ("INSERT INTO document_counts (lead_org_id, partner_org_id, status, n) "
               "SELECT {r}.lead_org_id, {r}.partner_org_id, {r}.status, 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM document_counts WHERE " + _KEY + "); "
               "UPDATE document_counts SET n = n {sign} 1 "
               "WHERE id = (SELECT min(id) FROM document_counts WHERE " + _KEY + ")")
SQLITE = [
    f"CREATE TRIGGER documents_count_insert AFTER INSERT ON documents BEGIN {_SQLITE_ADD.format(r='NEW', sign='+')}; END",
    f"CREATE TRIGGER documents_count_delete AFTER DELETE ON documents BEGIN {_SQLITE_ADD.format(r='OLD', sign='-')}; END",
    "CREATE TRIGGER documents_count_update AFTER UPDATE OF lead_org_id, partner_org_id, status ON documents "
    f"WHEN {_CHANGED} BEGIN {_SQLITE_ADD.format(r='OLD', sign='-')}; {_SQLITE_ADD.format(r='NEW', sign='+')}; END",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS documents_count_insert", "DROP TRIGGER IF EXISTS documents_count_delete",
               "DROP TRIGGER IF EXISTS documents_count_update"]

# PostgreSQL: concurrent transactions. Moving a key's row that another open transaction holds would
# wait for it (and two transactions moving two keys in opposite orders would deadlock), so the
# trigger moves a row of the key nobody holds (SKIP LOCKED) or adds a row: writers never wait here,
# and a key has at most as many rows as transactions ever changed it at the same moment.
_PG_MOVE = ("UPDATE document_counts SET n = n + delta WHERE id = (SELECT id FROM document_counts WHERE "
            + _KEY.format(r="r") + " LIMIT 1 FOR UPDATE SKIP LOCKED); "
            "IF NOT FOUND THEN INSERT INTO document_counts (lead_org_id, partner_org_id, status, n) "
            "VALUES (r.lead_org_id, r.partner_org_id, r.status, delta); END IF;")
POSTGRESQL = [
    "CREATE FUNCTION document_counts_move(r documents, delta integer) RETURNS void LANGUAGE plpgsql AS $$\n"
    f"BEGIN {_PG_MOVE} END $$",
    "CREATE FUNCTION document_counts_track() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "BEGIN\n"
    "  IF TG_OP <> 'INSERT' THEN PERFORM document_counts_move(OLD, -1); END IF;\n"
    "  IF TG_OP <> 'DELETE' THEN PERFORM document_counts_move(NEW, 1); END IF;\n"
    "  RETURN NULL;\n"
    "END $$",
    "CREATE TRIGGER documents_count_insert_delete AFTER INSERT OR DELETE ON documents "
    "FOR EACH ROW EXECUTE FUNCTION document_counts_track()",
    "CREATE TRIGGER documents_count_update AFTER UPDATE OF lead_org_id, partner_org_id, status ON documents "
    f"FOR EACH ROW WHEN ({_CHANGED.replace('IS NOT', 'IS DISTINCT FROM')}) EXECUTE FUNCTION document_counts_track()",
]
POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS documents_count_update ON documents",
                   "DROP TRIGGER IF EXISTS documents_count_insert_delete ON documents",
                   "DROP FUNCTION IF EXISTS document_counts_track()",
                   "DROP FUNCTION IF EXISTS document_counts_move(documents, integer)"]


def upgrade() -> None:
    op.create_table(
        'document_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lead_org_id', sa.Integer(), nullable=False),
        sa.Column('partner_org_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_counts')),
    )
    op.create_index('ix_document_counts_key', 'document_counts', ['lead_org_id', 'partner_org_id', 'status'],
                    unique=False)
    # The backfill, then the triggers, in the migration's one transaction (SQLite: writers wait for
    # it anyway), so no document is counted twice or missed.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("LOCK TABLE documents IN SHARE MODE")  # writers wait until counters and triggers exist
    op.execute("INSERT INTO document_counts (lead_org_id, partner_org_id, status, n) "
               "SELECT lead_org_id, partner_org_id, status, count(*) FROM documents "
               "GROUP BY lead_org_id, partner_org_id, status")
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    op.drop_index('ix_document_counts_key', table_name='document_counts')
    op.drop_table('document_counts')
