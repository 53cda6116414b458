"""The principal's scope runs on every request: its recursive step must search organisations by
parent and successor, not scan them all for each unit already in scope (issue 16: 7.3 ms per request
with the 308 organisations of the benchmark's tree, 0.3-0.4 ms with the index)."""
from __future__ import annotations

from sqlalchemy.dialects import sqlite

from khuyenhoc_docs.orgtree import _SCOPE


def test_scope_recursion_searches_by_parent_and_successor(app):
    sql = str(_SCOPE.compile(dialect=sqlite.dialect()))
    with app.extensions["khd.engine"].connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, (1,))]
    assert not any(step.startswith("SCAN organisations") for step in plan), plan
    assert any("successor_id" in step for step in plan), plan
