"""A broad match counted on a second connection while the page is built on the session's own;
half of a ranked match scored there while the session scores the other half.

Counting every match of a term found in most of the archive is most of such a search's time
(100,000 records: 20-45 ms), and the page does not depend on it once more than ``rank_limit``
records are known to match (newest first, not ranked). The database computes the count
without holding the GIL, so the page, its rows and its snippets are built meanwhile.

Either result is used only if its connection sees the generation the session saw
(``cache.generation``): the session may hold index writes of its own, not yet committed, that
no other connection sees; the caller then counts or scores on the session as before. Only engines whose
pool hands out distinct connections take part (never an in-memory SQLite database, nor a
session bound to one connection, as tests with a savepoint per test are), and only while the
setting ``search_parallel`` is on: on a machine whose cores are all busy with other requests, the
second connection only adds its few ms of CPU.
"""
from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, Executable, Select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from .cache import generation_on

_WORKERS = 4
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner = 0
_kept_to_session: weakref.WeakSet[Engine] = weakref.WeakSet()


def _pool() -> ThreadPoolExecutor:
    # Created in the process that uses it: threads do not survive a fork (gunicorn's workers).
    global _executor, _owner
    with _lock:
        if _executor is None or _owner != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="search-count")
            _owner = os.getpid()
        return _executor


def keep_to_session(engine: Engine) -> None:
    """Never use a second connection for searches on ``engine`` (``KHD_SEARCH_PARALLEL=false``)."""
    _kept_to_session.add(engine)


def engine_for(session: Session) -> Engine | None:
    """The engine to count on beside ``session``, or None when no second connection can serve."""
    bind = session.get_bind()
    if not isinstance(bind, Engine) or isinstance(bind.pool, (StaticPool, SingletonThreadPool)):
        return None
    if bind in _kept_to_session:
        return None
    if bind.dialect.name == "sqlite":
        database = bind.url.database or ""
        if database in ("", ":memory:") or "mode=memory" in str(bind.url):
            return None
    return bind


def rows(
    engine: Engine, statement: Select[Any], seen: tuple[str, int], setup: Sequence[Executable] = (),
) -> Future[list[tuple[Any, ...]] | None]:
    """Run ``setup`` then ``statement`` on a pooled connection; the future's value is its rows, or
    None when that connection sees another generation than ``seen``. The connection's transaction
    is rolled back: settings made by ``setup`` with local scope end with it."""

    def run() -> list[tuple[Any, ...]] | None:
        with engine.connect() as conn:
            if generation_on(conn) != seen:
                return None
            for step in setup:
                conn.execute(step)
            return [tuple(row) for row in conn.execute(statement)]

    return _pool().submit(run)


def outcome(future: Future[list[tuple[Any, ...]] | None]) -> list[tuple[Any, ...]] | None:
    """The rows ``rows`` returned, or None when its connection failed (the caller then asks the
    session, as it would have without a second connection)."""
    try:
        return future.result()
    except SQLAlchemyError:
        _log.warning("search: the second connection failed; counting on the session", exc_info=True)
        return None
