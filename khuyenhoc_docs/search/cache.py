"""Search results kept in the process, keyed by the index's generation.

Every write to ``search_entries`` sets ``search_state.generation`` to a fresh random value, by a
trigger in the writer's own transaction (``schema.STATE_TABLE``). A result computed while the
generation stayed G is the result for G, in every process: another process that reads G sees the
same committed entries. Values are never reused, so a generation seen only inside a transaction
that was rolled back (its own uncommitted writes) is never met again, and a transaction that
writes after caching moves on to a new generation.

A search reads the generation before its statements and again after them; the result is kept
only if both readings agree (no index write committed meanwhile, whatever the isolation level).
Totals are kept per (query, filters) for every page of it; pages per (query, filters, page, size).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from .schema import search_state

V = TypeVar("V")
_GENERATION = select(search_state.c.generation).where(search_state.c.id == 1)


class Lru(Generic[V]):
    """A small least-recently-used map, safe across threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# What else a process keeps that clear_cache() forgets (built statement parts, see sqlite_fts).
_FORGETTERS: list[Callable[[], None]] = []


def forget_with_results(forget: Callable[[], None]) -> None:
    """Have ``forget`` run whenever kept search results are forgotten (``base.clear_cache``)."""
    _FORGETTERS.append(forget)


def forget_registered() -> None:
    """Run every function given to ``forget_with_results``."""
    for forget in _FORGETTERS:
        forget()


def generation(session: Session) -> tuple[str, int] | None:
    """(database, generation) as this session sees it now; None if the index has no state row."""
    return generation_on(session.connection())


def generation_on(conn: Connection) -> tuple[str, int] | None:
    """(database, generation) as ``conn`` sees it now; None if the index has no state row."""
    value = conn.execute(_GENERATION).scalar_one_or_none()
    if value is None:
        return None
    return str(conn.engine.url), int(value)
