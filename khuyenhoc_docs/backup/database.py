"""The database part of a backup, per dialect: consistent snapshot, reading a dump, restore.

Nothing here knows the application's tables except ``stored_objects`` (which versions to copy),
``audit_events``/``audit_head`` (the chain to check) and ``alembic_version``: the dump itself is
always the whole database, so tables added later are backed up without any change here.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from . import pg
from .common import BackupError
from .manifest import ObjectEntry

SQLITE_FILE = "database/khuyenhoc.sqlite3"
PG_FILE = "database/khuyenhoc.pgdump"
_OBJECTS_SQL = ("SELECT id, key, version_id, sha256, size, content_type, retain_until, legal_hold "
                "FROM stored_objects ORDER BY id")


@dataclass
class Snapshot:
    """What the database snapshot holds, for the manifest."""

    dialect: str
    file: str
    objects: list[ObjectEntry] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)
    alembic_revision: str | None = None
    server_version: str = ""


def dialect_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"unsupported database {name}")
    return name


def as_utc(value: Any) -> datetime | None:
    """A timestamp from either backend (aware datetime, or text with or without an offset) as aware UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bool(value: Any) -> bool:
    return value in (True, 1, "1", "t", "true")


def object_entry(row: dict[str, Any]) -> ObjectEntry:
    until = as_utc(row["retain_until"])
    return ObjectEntry(id=int(row["id"]), key=row["key"], version_id=row["version_id"], sha256=row["sha256"],
                       size=int(row["size"]), content_type=row["content_type"],
                       retain_until=until.isoformat() if until else None, legal_hold=_bool(row["legal_hold"]))



# -- snapshot ---------------------------------------------------------------
def snapshot(url: str, folder: Path) -> Snapshot:
    """Take a consistent copy of the whole database into ``folder`` while the service keeps writing."""
    (folder / "database").mkdir(parents=True, exist_ok=True)
    if dialect_of(url) == "sqlite":
        return _snapshot_sqlite(url, folder)
    return _snapshot_pg(url, folder)


def _snapshot_sqlite(url: str, folder: Path) -> Snapshot:
    source = make_url(url).database
    if not source or not Path(source).exists():
        raise BackupError(f"SQLite database {source} does not exist")
    dest = folder / SQLITE_FILE
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # One step (pages=-1): the copy is one read transaction, a single point in time; in WAL
        # mode writers of the running service are not blocked meanwhile.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()
    snap = Snapshot(dialect="sqlite", file=SQLITE_FILE, server_version=sqlite3.sqlite_version)
    reader = DumpReader("sqlite", dest)
    try:
        snap.objects = [object_entry(r) for r in reader.rows_sql(_OBJECTS_SQL)]
        snap.audit = reader.audit_summary()
        snap.alembic_revision = reader.alembic_revision()
    finally:
        reader.close()
    return snap


def _snapshot_pg(url: str, folder: Path) -> Snapshot:
    engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            # The exported snapshot is shared with pg_dump: the rows read here and the dump are the
            # same instant, so every object listed is referenced by the dump and vice versa.
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            version_num = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            snap = Snapshot(dialect="postgresql", file=PG_FILE,
                            server_version=str(conn.execute(text("SHOW server_version")).scalar_one()))
            snap.objects = [object_entry(dict(r._mapping)) for r in conn.execute(text(_OBJECTS_SQL))]
            count = conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
            tip = conn.execute(text("SELECT last_hash FROM audit_head WHERE id = 1")).scalar()
            snap.audit = {"events": int(count), "last_hash": tip}
            snap.alembic_revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            pg.dump(url, snapshot_id, folder / PG_FILE, version_num // 10000)
            conn.rollback()
    finally:
        engine.dispose()
    return snap


# -- reading a dump ---------------------------------------------------------
class DumpReader:
    """Read tables of a dump without restoring it (SQLite: the file read-only; PostgreSQL: pg_restore)."""

    def __init__(self, dialect: str, path: Path) -> None:
        self.dialect, self.path = dialect, path
        self._conn: sqlite3.Connection | None = None
        if dialect == "sqlite":
            # immutable=1: never write a journal or -shm file into the backup folder.
            self._conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
            self._conn.row_factory = sqlite3.Row

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def check_readable(self) -> None:
        """BackupError unless the dump is structurally sound."""
        try:
            if self._conn is not None:
                result = self._conn.execute("PRAGMA integrity_check").fetchone()[0]
                if result != "ok":
                    raise BackupError(f"the SQLite copy is damaged: {result}")
            else:
                contents = pg.list_contents(self.path)
                if "TABLE DATA" not in contents:
                    raise BackupError("the PostgreSQL dump holds no table data")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the SQLite copy cannot be read: {exc}") from exc

    def rows_sql(self, sql: str) -> list[dict[str, Any]]:
        assert self._conn is not None
        return [dict(r) for r in self._conn.execute(sql)]

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of ``table`` (ordered by id where there is one), values as the backend gives them."""
        if self._conn is not None:
            try:
                yield from (dict(r) for r in self._conn.execute(f'SELECT * FROM "{table}"'))
            except sqlite3.DatabaseError as exc:
                raise BackupError(f"table {table} cannot be read from the SQLite copy: {exc}") from exc
        else:
            yield from pg.table_rows(self.path, table)

    def audit_summary(self) -> dict[str, Any]:
        head = [r for r in self.rows("audit_head") if int(r["id"]) == 1]
        count = sum(1 for _ in self.rows("audit_events"))
        return {"events": count, "last_hash": head[0]["last_hash"] if head else None}

    def alembic_revision(self) -> str | None:
        rows = list(self.rows("alembic_version"))
        return rows[0]["version_num"] if rows else None

    def objects(self) -> list[ObjectEntry]:
        return sorted((object_entry(r) for r in self.rows("stored_objects")), key=lambda o: o.id)


# -- restore ------------------------------------------------------------------
def table_names(url: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def restore(dialect: str, dump_file: Path, url: str) -> None:
    """Load the dump into the (empty) target database."""
    target = dialect_of(url)
    if target != dialect:
        raise BackupError(f"the backup holds a {dialect} database; the target is {target}")
    if dialect == "postgresql":
        pg.restore(url, dump_file)
        return
    dest = make_url(url).database
    assert dest
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{dump_file}?immutable=1", uri=True)
    dst = sqlite3.connect(dest, timeout=30)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


def repoint_versions(url: str, new_versions: dict[int, str]) -> None:
    """Give ``stored_objects`` rows the version ids the target store assigned, in one transaction."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for row_id, version_id in new_versions.items():
                conn.execute(text("UPDATE stored_objects SET version_id = :v WHERE id = :i"),
                             {"v": version_id, "i": row_id})
    finally:
        engine.dispose()
