"""DDL of the scope rows and the generation (see ``schema.SCOPE_TABLE`` / ``schema.STATE_TABLE``): the
tables, the triggers on ``search_entries`` that keep them, and the backfill from existing entries.
Like ``schema``, the SQL has no ``:name`` or ``%`` sequences (it runs through ``op.execute``)."""
from __future__ import annotations

# The access scope as rows: (organisation, entry) for every organisation in an entry's
# organisation_ids, so a scope of many organisations is one indexed semi-join instead of one
# LIKE per organisation and match (100k records, 39 organisations: ~350 ms of LIKEs). Kept by
# triggers on search_entries, so every write (the index's, a migration's, raw SQL) keeps it.
SCOPE_TABLE = "search_scopes"
# One row whose generation changes (to a fresh random value) with every write to
# search_entries, in the writer's transaction: a cached result is keyed by it (cache.py).
STATE_TABLE = "search_state"


_SQLITE_SCOPE_ROWS = (f"INSERT OR IGNORE INTO {SCOPE_TABLE} (organisation_id, entry_id, kind) "
                      "SELECT value, NEW.id, NEW.kind FROM json_each('[' || trim(NEW.organisation_ids, ',') || ']');")
_SQLITE_BUMP = f"UPDATE {STATE_TABLE} SET generation = random();"
_EVENTS = ("inserted", "updated", "deleted")
SQLITE_STATE = [
    f"CREATE TABLE {STATE_TABLE} (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)",
    f"INSERT INTO {STATE_TABLE} (id, generation) VALUES (1, random())",
    *(f"CREATE TRIGGER search_entries_{event} AFTER {event[:6].upper()} ON search_entries BEGIN {_SQLITE_BUMP} END"
      for event in _EVENTS),
]
SQLITE_SCOPE = [
    f"CREATE TABLE {SCOPE_TABLE} (organisation_id INTEGER NOT NULL, entry_id INTEGER NOT NULL, "
    "kind VARCHAR(20) NOT NULL, PRIMARY KEY (organisation_id, entry_id)) WITHOUT ROWID",
    f"CREATE INDEX ix_{SCOPE_TABLE}_entry ON {SCOPE_TABLE} (entry_id)",
    f"CREATE TRIGGER search_scopes_inserted AFTER INSERT ON search_entries BEGIN {_SQLITE_SCOPE_ROWS} END",
    "CREATE TRIGGER search_scopes_updated AFTER UPDATE ON search_entries "
    "WHEN OLD.id IS NOT NEW.id OR OLD.kind IS NOT NEW.kind OR OLD.organisation_ids IS NOT NEW.organisation_ids "
    f"BEGIN DELETE FROM {SCOPE_TABLE} WHERE entry_id = OLD.id; {_SQLITE_SCOPE_ROWS} END",
    f"CREATE TRIGGER search_scopes_deleted AFTER DELETE ON search_entries BEGIN "
    f"DELETE FROM {SCOPE_TABLE} WHERE entry_id = OLD.id; END",
    f"INSERT INTO {SCOPE_TABLE} (organisation_id, entry_id, kind) SELECT DISTINCT j.value, e.id, e.kind "
    "FROM search_entries e, json_each('[' || trim(e.organisation_ids, ',') || ']') j",
]
# The scope rows need search_entries.kind: they go first when a downgrade drops it.
SQLITE_SCOPE_DROP = [*(f"DROP TRIGGER IF EXISTS search_scopes_{event}" for event in _EVENTS),
                      f"DROP TABLE IF EXISTS {SCOPE_TABLE}"]
SQLITE_STATE_DROP = [*(f"DROP TRIGGER IF EXISTS search_entries_{event}" for event in _EVENTS),
                      f"DROP TABLE IF EXISTS {STATE_TABLE}"]

# PostgreSQL: the scope rows per row; the generation once per statement. The generation row is
# locked from a writer's first index write to its commit, so transactions that index wait for
# each other there (a few documents a minute at this office; see README).
POSTGRES_STATE = [
    f"CREATE TABLE {STATE_TABLE} (id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1), generation BIGINT NOT NULL)",
    f"INSERT INTO {STATE_TABLE} (id, generation) VALUES (1, CAST(floor(random() * 4e18) AS BIGINT))",
    f"""CREATE FUNCTION search_entries_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {STATE_TABLE} SET generation = CAST(floor(random() * 4e18) AS BIGINT);
    RETURN NULL;
END $$""",
    "CREATE TRIGGER search_entries_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION search_entries_changed()",
]
POSTGRES_SCOPE = [
    f"CREATE TABLE {SCOPE_TABLE} (organisation_id INTEGER NOT NULL, "
    "entry_id INTEGER NOT NULL REFERENCES search_entries (id) ON DELETE CASCADE, "
    "kind VARCHAR(20) NOT NULL, PRIMARY KEY (organisation_id, entry_id))",
    f"CREATE INDEX ix_{SCOPE_TABLE}_entry ON {SCOPE_TABLE} (entry_id)",
    f"""CREATE FUNCTION search_entries_scoped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.id = NEW.id AND OLD.kind = NEW.kind AND OLD.organisation_ids = NEW.organisation_ids THEN
            RETURN NULL;
        END IF;
        DELETE FROM {SCOPE_TABLE} WHERE entry_id = OLD.id;
    END IF;
    INSERT INTO {SCOPE_TABLE} (organisation_id, entry_id, kind)
        SELECT DISTINCT CAST(o AS INTEGER), NEW.id, NEW.kind
        FROM unnest(string_to_array(trim(BOTH ',' FROM NEW.organisation_ids), ',')) AS o WHERE o <> '';
    RETURN NULL;
END $$""",
    "CREATE TRIGGER search_entries_scoped AFTER INSERT OR UPDATE ON search_entries "
    "FOR EACH ROW EXECUTE FUNCTION search_entries_scoped()",
    f"INSERT INTO {SCOPE_TABLE} (organisation_id, entry_id, kind) SELECT DISTINCT CAST(o AS INTEGER), e.id, e.kind "
    "FROM search_entries e, unnest(string_to_array(trim(BOTH ',' FROM e.organisation_ids), ',')) AS o "
    "WHERE o <> ''",
]
POSTGRES_SCOPE_DROP = [
    "DROP TRIGGER IF EXISTS search_entries_scoped ON search_entries",
    f"DROP TABLE IF EXISTS {SCOPE_TABLE}",
    "DROP FUNCTION IF EXISTS search_entries_scoped()",
]
POSTGRES_STATE_DROP = [
    "DROP TRIGGER IF EXISTS search_entries_changed ON search_entries",
    f"DROP TABLE IF EXISTS {STATE_TABLE}",
    "DROP FUNCTION IF EXISTS search_entries_changed()",
]
