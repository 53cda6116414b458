"""A `limits` storage backend in a SQLite file, so every process of one machine shares its counters.

`limits` offers memory (one process), Redis, Memcached and MongoDB. ``make run`` starts gunicorn with
several workers and no server besides the app, so counters live in a small SQLite file in the data
dir (URI ``khd+sqlite:///path/ratelimit.sqlite3``); production keeps Redis. Fixed-window strategy
only (the one the service uses): each counter is one row, updated by one atomic UPSERT.
"""
from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from limits.storage import Storage

SCHEME = "khd+sqlite"
_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires REAL NOT NULL)"
# One statement, so two processes incrementing at once never lose a count: an expired window
# restarts at ``amount``, a live one grows.
_INCR = """
INSERT INTO counters (key, value, expires) VALUES (:key, :amount, :expires)
ON CONFLICT(key) DO UPDATE SET
  value = CASE WHEN counters.expires <= :now THEN :amount ELSE counters.value + :amount END,
  expires = CASE WHEN counters.expires <= :now THEN :expires ELSE counters.expires END
RETURNING value
"""
_PURGE_EVERY = 500


def sqlite_uri(path: Path) -> str:
    """The storage URI for a file."""
    return f"{SCHEME}:///{path.resolve().as_posix().lstrip('/')}"


class SqliteStorage(Storage):
    """Rate-limit counters in a SQLite file (WAL, one connection per thread)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = "/" + uri.split("://", 1)[1].lstrip("/")
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._calls = itertools.count()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        value = conn.execute(_INCR, {"key": key, "amount": amount, "expires": now + expiry, "now": now}).fetchone()[0]
        if next(self._calls) % _PURGE_EVERY == 0:
            conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return int(value)

    def get(self, key: str) -> int:
        row = self._conn().execute("SELECT value FROM counters WHERE key = ? AND expires > ?",
                                   (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        return self._conn().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", (key,))
