"""The search index tables: DDL for the migration and a Core ``Table`` for queries.

The index lives in its own table ``search_entries`` (one row per document),
outside the ORM ``Base`` so the archive models never depend on it. The migration
calls :func:`create` / :func:`drop` with ``op.execute`` and the dialect name::

    from khuyenhoc_docs.search import schema as search_schema
    search_schema.create(op.execute, op.get_bind().dialect.name)

The SQL below contains no ``:name`` or ``%`` sequences, so it runs unchanged
through ``op.execute`` (which wraps strings in ``text()``) and raw DBAPI calls.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import BigInteger, Column, Date, Integer, MetaData, String, Table, Text

from ..db import UTCDateTime
from .scope_ddl import (  # the scope rows' DDL, apart for size
    POSTGRES_SCOPE,
    POSTGRES_SCOPE_DROP,
    POSTGRES_STATE,
    POSTGRES_STATE_DROP,
    SCOPE_TABLE,
    SQLITE_SCOPE,
    SQLITE_SCOPE_DROP,
    SQLITE_STATE,
    SQLITE_STATE_DROP,
    STATE_TABLE,
)
from .sqlite_words import CREATE as _SQLITE_WORDS
from .sqlite_words import DROP as _SQLITE_WORDS_DROP
from .sqlite_words import REFILL as _SQLITE_WORDS_REFILL
from .sqlite_words import WORDS_TABLE

Execute = Callable[[str], object]

metadata = MetaData()

# Column order matters on SQLite: a row is one record, and reading a column stored
# after a long TEXT value walks that value's overflow pages. So the small filter and
# sort columns come first and title/body/folded last.
search_entries = Table(
    "search_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    # What document_id refers to: "document" (a record) or "incoming" (incoming register row).
    Column("kind", String(20), nullable=False, server_default="document"),
    Column("document_id", Integer, nullable=False),
    Column("year", Integer),
    Column("issue_date", Date),
    Column("level_code", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    # ",3,7," so "organisation 3" is LIKE '%,3,%' on both engines.
    Column("organisation_ids", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    Column("doc_number", Text),
    # " 40 ctph hkvn dtncshcm " — folded words of doc_number, for the number filter.
    Column("doc_number_key", Text, nullable=False),
    Column("signer_names", Text, nullable=False),  # one name per line, as given
    Column("signer_key", Text, nullable=False),  # folded names, one per line
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    # Folded words of title + doc_number + body: what the full-text index covers.
    Column("folded", Text, nullable=False),
)
"""Query handle for ``search_entries`` (PostgreSQL also has a generated ``tsv`` column)."""

FTS_TABLE = "search_fts"


def _columns(id_type: str, timestamp_type: str) -> str:
    return f"""
    id {id_type},
    kind VARCHAR(20) DEFAULT 'document' NOT NULL,
    document_id INTEGER NOT NULL,
    year INTEGER,
    issue_date DATE,
    level_code VARCHAR(40) NOT NULL,
    status VARCHAR(40) NOT NULL,
    organisation_ids TEXT NOT NULL,
    updated_at {timestamp_type} NOT NULL,
    doc_number TEXT,
    doc_number_key TEXT NOT NULL,
    signer_names TEXT NOT NULL,
    signer_key TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    folded TEXT NOT NULL"""


# One entry per (kind, id): a record and an incoming document may share a number.
KIND_INDEX = "uq_search_entries_kind_document"
_KIND_INDEX = f"CREATE UNIQUE INDEX {KIND_INDEX} ON search_entries (kind, document_id)"
_INDEXES = [
    _KIND_INDEX,
    "CREATE INDEX ix_search_entries_year ON search_entries (year)",
]
# Newest first (listings, and searches matching too much to rank) reads this index in
# order and stops at the end of the page. Spelled per engine so that it matches
# "ORDER BY issue_date DESC NULLS LAST, document_id DESC" (SQLite sorts NULL lowest
# and has no NULLS clause in indexes; PostgreSQL sorts NULL highest).
NEWEST_INDEX = "ix_search_entries_newest"

# SQLite: the filter columns again, keyed by id, so checking the filters of a full-text match
# (looked up by id) reads this narrow index instead of the wide row with its text (100k
# records: a signer or scope filter over ~70k matches ~25-40% faster). PostgreSQL gets a
# narrow heap instead (TOAST_TARGET below).
FILTER_INDEX = "ix_search_entries_filters"
_SQLITE_FILTER_INDEX = [
    f"CREATE INDEX IF NOT EXISTS {FILTER_INDEX} ON search_entries (id, document_id, year, issue_date, "
    "level_code, status, organisation_ids, signer_key, doc_number_key)",
]

# SQLite: the newest-first walk carries the filter columns too, so a filtered listing or a
# broad search with a filter (year, level, scope, signer) checks each row it passes in this
# index and never reads the wide row with its text (100k records, a year filter: listing
# 114 -> 8 ms, a broad search's page ~160 -> ~60 ms of CPU).
_SQLITE_NEWEST = (f"CREATE INDEX {NEWEST_INDEX} ON search_entries (issue_date, document_id, kind, year, "
                  "level_code, status, organisation_ids, signer_key, doc_number_key)")
_SQLITE_OLD_NEWEST = f"CREATE INDEX {NEWEST_INDEX} ON search_entries (issue_date, document_id)"

_SQLITE_CREATE = [
    "CREATE TABLE search_entries (" + _columns("INTEGER NOT NULL PRIMARY KEY", "TIMESTAMP") + "\n)",
    *_INDEXES,
    _SQLITE_NEWEST,
    *_SQLITE_FILTER_INDEX,
    # External content: the text is stored once (search_entries.folded) and
    # SqliteSearchIndex keeps the FTS5 index in step (delete old + insert new).
    # The 'ascii' tokenizer splits on ASCII spaces/punctuation only, so it sees exactly
    # the words text.index_text produced, whatever their script. Prefix indexes for 2-
    # and 3-letter prefixes: Vietnamese syllables are short, so "ho"* or "hoc"* would
    # otherwise merge hundreds of posting lists per query (measured on 20k records:
    # counts 2-3x and bm25 scoring ~2x faster, for a 2.6x larger FTS index).
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "folded, content='search_entries', content_rowid='id', tokenize='ascii', prefix='2 3')",
    *_SQLITE_WORDS,  # every indexed word (sqlite_words.py)
]

_SQLITE_DROP = [
    *_SQLITE_WORDS_DROP,
    "DROP TABLE IF EXISTS search_state",
    "DROP TABLE IF EXISTS search_scopes",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    "DROP TABLE IF EXISTS search_entries",
]

# PostgreSQL: a narrow heap. A record's text compresses to ~1-2 KB and would stay in the row,
# so a bitmap scan over the matches of a broad query (count, filters, newest first) read
# ~18,500 pages at 100k records. With a 128-byte target the toaster moves title, body,
# folded and the tsvector out of line (TOAST, read only for the page's snippets and for
# ranking): ~2,700 pages. The target only applies when a row is written, hence the rewrite
# in the migration that introduced it (narrow_heap_statements).
TOAST_TARGET = 128
# ...but the small columns the filters read stay in the row (MAIN: out of line only if the row
# would not fit a page), or every filter check would fetch its value from TOAST.
INLINE_COLUMNS = ("kind", "level_code", "status", "organisation_ids", "doc_number_key", "signer_key")
_POSTGRES_INLINE = [f"ALTER TABLE search_entries ALTER COLUMN {name} SET STORAGE MAIN" for name in INLINE_COLUMNS]
_POSTGRES_NARROW = [f"ALTER TABLE search_entries SET (toast_tuple_target = {TOAST_TARGET})", *_POSTGRES_INLINE]

# kind last: a record and an incoming document may share a date and an id (SQLite's index above
# already has kind right after document_id).
_POSTGRES_NEWEST = (f"CREATE INDEX {NEWEST_INDEX} ON search_entries "
                    "(issue_date DESC NULLS LAST, document_id DESC, kind DESC)")
_POSTGRES_OLD_NEWEST = f"CREATE INDEX {NEWEST_INDEX} ON search_entries (issue_date DESC NULLS LAST, document_id DESC)"

_POSTGRES_CREATE = [
    "CREATE TABLE search_entries ("
    + _columns("SERIAL PRIMARY KEY", "TIMESTAMP WITH TIME ZONE")
    # Generated, so no code path can leave the vector stale.
    + ",\n    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED\n)",
    *_POSTGRES_NARROW,
    *_INDEXES,
    _POSTGRES_NEWEST,
    "CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)",
]

# The scope rows and the generation (their DDL: scope_ddl.py).
search_scopes = Table(
    SCOPE_TABLE,
    metadata,
    Column("organisation_id", Integer, primary_key=True),
    Column("entry_id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # the entry's, so one semi-join serves both scopes
)
search_state = Table(
    STATE_TABLE,
    metadata,
    Column("id", Integer, primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

_POSTGRES_DROP = [*POSTGRES_SCOPE_DROP, *POSTGRES_STATE_DROP, "DROP TABLE IF EXISTS search_entries"]


def owns_table(name: str) -> bool:
    """True for the tables :func:`create` makes, FTS5 shadow tables included.

    For Alembic's ``include_name``/``include_object`` hooks: these tables are not in
    ``Base.metadata``, so autogenerate would otherwise propose dropping them.
    """
    return (name in ("search_entries", SCOPE_TABLE, STATE_TABLE, WORDS_TABLE) or name == FTS_TABLE
            or name.startswith(FTS_TABLE + "_"))


def _statements(dialect: str, sqlite: list[str], postgres: list[str]) -> list[str]:
    if dialect == "sqlite":
        return sqlite
    if dialect == "postgresql":
        return postgres
    raise ValueError(f"search index: unsupported database dialect {dialect!r}")


def create_statements(dialect: str) -> list[str]:
    """The DDL :func:`create` runs, for review or offline (``--sql``) migrations."""
    return list(_statements(dialect, _SQLITE_CREATE + SQLITE_STATE + SQLITE_SCOPE,
                            _POSTGRES_CREATE + POSTGRES_STATE + POSTGRES_SCOPE))


def scope_statements(dialect: str) -> list[str]:
    """The scope rows and the generation (tables, triggers, backfill from the existing entries)."""
    return list(_statements(dialect, SQLITE_STATE + SQLITE_SCOPE, POSTGRES_STATE + POSTGRES_SCOPE))


def drop_scope_statements(dialect: str) -> list[str]:
    return list(_statements(dialect, SQLITE_SCOPE_DROP + SQLITE_STATE_DROP,
                            POSTGRES_SCOPE_DROP + POSTGRES_STATE_DROP))


def drop_statements(dialect: str) -> list[str]:
    """The DDL :func:`drop` runs."""
    return list(_statements(dialect, _SQLITE_DROP, _POSTGRES_DROP))


def filter_index_statements(dialect: str) -> list[str]:
    """DDL of the filter index alone (idempotent), for the migration that added it."""
    return list(_statements(dialect, _SQLITE_FILTER_INDEX, []))


def drop_filter_index_statements(dialect: str) -> list[str]:
    return list(_statements(dialect, [f"DROP INDEX IF EXISTS {FILTER_INDEX}"], []))


def kind_statements(dialect: str, has_kind: bool) -> list[str]:
    """DDL of the migration that let incoming documents into the index (``kind``), for a
    table made before it (``has_kind`` False); nothing for one ``create`` made already."""
    _statements(dialect, [], [])  # rejects unknown dialects
    if has_kind:
        return []
    return [
        "ALTER TABLE search_entries ADD COLUMN kind VARCHAR(20) DEFAULT 'document' NOT NULL",
        "DROP INDEX IF EXISTS uq_search_entries_document_id",
        _KIND_INDEX,
    ]


def drop_kind_statements(dialect: str) -> list[str]:
    """Back to one entry per record: incoming entries go, then the column (``rebuild`` after on SQLite)."""
    # SQLite cannot drop a column an index uses: the newest-first index goes back to its
    # form of that time first (already so when migration i16s_search_covering_newest was undone).
    return [
        *_statements(dialect, [*SQLITE_SCOPE_DROP, f"DROP INDEX IF EXISTS {NEWEST_INDEX}", _SQLITE_OLD_NEWEST],
                     POSTGRES_SCOPE_DROP),
        "DELETE FROM search_entries WHERE kind <> 'document'",
        f"DROP INDEX IF EXISTS {KIND_INDEX}",
        "CREATE UNIQUE INDEX uq_search_entries_document_id ON search_entries (document_id)",
        "ALTER TABLE search_entries DROP COLUMN kind",
    ]


def narrow_heap_statements(dialect: str) -> list[str]:
    """PostgreSQL: set the toast target and rewrite every row under it (the migration's backfill)."""
    return list(_statements(dialect, [], [
        *_POSTGRES_NARROW,
        # A row is toasted only when written with over ~2 KB of raw values: a fresh copy of
        # the body makes every row qualify (updated_at keeps its value)...
        "UPDATE search_entries SET body = body || ''",
        # ...and the new versions, scattered over the old pages, are packed together.
        "CLUSTER search_entries USING search_entries_pkey",
    ]))


def inline_filter_statements(dialect: str) -> list[str]:
    """PostgreSQL: the filter columns back in the row (MAIN storage), existing rows rewritten."""
    fresh = ", ".join(f"{name} = {name} || ''" for name in INLINE_COLUMNS)  # fresh values, stored anew
    return list(_statements(dialect, [], [
        *_POSTGRES_INLINE,
        f"UPDATE search_entries SET {fresh}",
        "CLUSTER search_entries USING search_entries_pkey",
    ]))


def extended_filter_statements(dialect: str) -> list[str]:
    return list(_statements(dialect, [], [
        f"ALTER TABLE search_entries ALTER COLUMN {name} SET STORAGE EXTENDED" for name in INLINE_COLUMNS]))


def wide_heap_statements(dialect: str) -> list[str]:
    return list(_statements(dialect, [], ["ALTER TABLE search_entries RESET (toast_tuple_target)"]))


def covering_newest_statements(dialect: str) -> list[str]:
    """SQLite: the newest-first index again, with the filter columns (built from the existing rows)."""
    return list(_statements(dialect, [f"DROP INDEX IF EXISTS {NEWEST_INDEX}", _SQLITE_NEWEST], []))


def plain_newest_statements(dialect: str) -> list[str]:
    return list(_statements(dialect, [f"DROP INDEX IF EXISTS {NEWEST_INDEX}", _SQLITE_OLD_NEWEST], []))


def newest_with_kind_statements(dialect: str, *, with_kind: bool = True) -> list[str]:
    """PostgreSQL: the newest-first index ends with kind, the order's tie-breaker (SQLite's has it)."""
    index = _POSTGRES_NEWEST if with_kind else _POSTGRES_OLD_NEWEST
    return list(_statements(dialect, [], [f"DROP INDEX IF EXISTS {NEWEST_INDEX}", index]))


# SQLite: sqlite_fts.order_key in SQL (julianday('0001-01-01') - 1721424.5 = 1 = date.toordinal()).
ORDER_KEY_SQL = ("((CASE WHEN issue_date IS NULL THEN 1 ELSE CAST(round(julianday(issue_date) - 1721424.5) "
                 "AS INTEGER) + 1 END) << 32) | (document_id << 1) | (kind = 'incoming')")


def words_statements(dialect: str) -> list[str]:
    """SQLite: the table of indexed words, filled from the full-text index (sqlite_words.py)."""
    return list(_statements(dialect, [*_SQLITE_WORDS, *_SQLITE_WORDS_REFILL], []))


def drop_words_statements(dialect: str) -> list[str]:
    return list(_statements(dialect, _SQLITE_WORDS_DROP, []))


def newest_rowid_statements(dialect: str) -> list[str]:
    """SQLite: every entry gets its newest-first row id (sqlite_fts.order_key) and the full-text
    index is rebuilt under the new ids (the scope rows follow by trigger)."""
    return list(_statements(dialect, [
        f"UPDATE search_entries SET id = {ORDER_KEY_SQL}",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ], []))


def create(execute: Execute, dialect: str) -> None:
    """Create ``search_entries`` and its full-text index (``execute`` = ``op.execute``)."""
    for statement in create_statements(dialect):
        execute(statement)


def drop(execute: Execute, dialect: str) -> None:
    """Drop the search tables (the FTS5 table takes its shadow tables with it)."""
    for statement in drop_statements(dialect):
        execute(statement)


def rebuild(execute: Execute, dialect: str, *, forget_results: bool = True) -> None:
    """Rebuild the full-text index from ``search_entries`` (repair; a no-op on PostgreSQL).

    ``forget_results``: change the generation too, since results may change without a write to
    search_entries (False for migrations older than the generation table)."""
    _statements(dialect, [], [])  # rejects unknown dialects
    if dialect == "sqlite":
        execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        for statement in words_statements(dialect):  # the words as the index has them
            execute(statement)
        if forget_results:
            execute(f"UPDATE {STATE_TABLE} SET generation = random()")
