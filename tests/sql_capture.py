"""What SQL a piece of code sends: for tests that check query counts and plans."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event


def sent_statements(engine: Engine, run: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The statements (with their parameters) ``engine`` executes while ``run()`` runs."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen
