"""The app factory's job settings, handed to ``jobs`` once it is imported.

``jobs`` imports huey, and huey imports redis and psycopg (~18 MB per process): a web worker that
never queues a job should not carry them (issue 16). The factory calls ``configure`` here; if
``jobs`` is already imported it is configured at once, otherwise when it is first imported.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_pending: tuple[Any, Any, Any] | None = None
_apply: Callable[..., None] | None = None


def configure(settings: Any, services: Any = None, sessions: Any = None) -> None:
    """``jobs.configure`` now or at the first import of ``jobs`` (the latest call wins, as before)."""
    global _pending
    with _lock:
        apply = _apply
        if apply is None:
            _pending = (settings, services, sessions)
            return
    apply(settings, services, sessions)


def attach(apply: Callable[..., None]) -> None:
    """Called once by ``jobs`` at import: later calls go straight to it, a pending one is applied."""
    global _apply, _pending
    with _lock:
        _apply, pending, _pending = apply, _pending, None
    if pending is not None:
        apply(*pending)
