"""SQLite FTS5 implementation (the embedded default).

``search_fts`` is an external-content FTS5 table over ``search_entries.folded``;
this class keeps it in step on every write: the FTS5 'delete' command needs the
exact text that was indexed, so the old row is read first, in the same
transaction. Ranking is FTS5's ``bm25()`` (smaller is better, so it is negated).
Every query runs the MATCH exactly once — as the outer loop (``CROSS JOIN``) or as
a list subquery — never once per row, which a plain join can let the planner do.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any, ClassVar

from sqlalchemy import (
    Column,
    ColumnElement,
    FromClause,
    Select,
    String,
    bindparam,
    column,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import Join

from . import cache
from .base import SqlSearchIndex
from .filters import filter_conditions
from .model import INCOMING, SearchFilters
from .schema import FILTER_INDEX, FTS_TABLE, search_entries
from .sqlite_words import add_words, match_expression

_fts = table(FTS_TABLE, column("rowid"))
_fts_name: ColumnClause[Any] = literal_column(FTS_TABLE)
_FTS_DELETE = text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, folded) VALUES ('delete', :rowid, :folded)")
_FTS_INSERT = text(f"INSERT INTO {FTS_TABLE}(rowid, folded) VALUES (:rowid, :folded)")
_c = search_entries.c
_SELECT_OLD = select(_c.id, _c.folded).where(_c.kind == bindparam("kind"), _c.document_id == bindparam("document_id"))
_INSERT = insert(search_entries)
_UPDATE = update(search_entries).where(_c.id == bindparam("old_id"))
_DELETE = search_entries.delete().where(_c.id == bindparam("old_id"))


class _FtsJoin(Join):
    """``search_fts CROSS JOIN search_entries``: SQLite keeps the left table outermost.

    With a plain JOIN the planner may drive from search_entries (an index on a filter
    or on issue_date) and run the MATCH once per row — a prefix query re-expanded
    thousands of times (seconds instead of milliseconds).
    """

    inherit_cache = True


@compiles(_FtsJoin, "sqlite")
def _compile_fts_join(join: _FtsJoin, compiler: Any, **kw: Any) -> str:
    # visit_join also feeds the FROM linter; the left side is the bare FTS table name,
    # so the first " JOIN " is this join's keyword.
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)


def order_key(issue_date: date | None, document_id: int, kind: str) -> int:
    """The row id of an entry on SQLite: ascending ids are the reverse of the newest-first order
    (issue date, undated last; then document id; then kind, "incoming" before "document").

    So FTS5, whose matches come in row id order, yields a newest-first page of a broad match by
    reading its posting lists backwards and stopping at the page's end, instead of listing every
    match first. Every key is at least 2**32, above any id given before (migration
    ``p16search_newest_rowid`` renumbered those with ``schema.ORDER_KEY_SQL``, the same formula).
    """
    rank = issue_date.toordinal() + 1 if issue_date is not None else 1
    return (rank << 32) | (document_id << 1) | (kind == INCOMING)


# Every undated entry's key is below this, and every dated one's at or above it.
UNDATED_END = 2 << 32


def _day_key(day: date) -> int:
    """The smallest row id of an entry issued on ``day``."""
    return (day.toordinal() + 1) << 32


def _after_day_key(day: date) -> int:
    """The smallest row id of an entry issued after ``day``."""
    return _day_key(day) + (1 << 32)


class _FtsFilterJoin(_FtsJoin):
    """The same join, with the filters read from ix_search_entries_filters (looked up by id): the
    planner would otherwise read the wide rows unless the database was ANALYZEd (100k records, a
    signer filter: 74 ms instead of 32 ms)."""

    inherit_cache = True


@compiles(_FtsFilterJoin, "sqlite")
def _compile_fts_filter_join(join: _FtsFilterJoin, compiler: Any, **kw: Any) -> str:
    text_ = _compile_fts_join(join, compiler, **kw)
    return text_.replace(" CROSS JOIN search_entries ON ", f" CROSS JOIN search_entries INDEXED BY {FILTER_INDEX} ON ", 1)


def _matches(terms: Sequence[str]) -> ColumnElement[bool]:
    """``search_fts MATCH`` the terms: every term quoted (words such as AND/NEAR are plain strings),
    all required, prefixes as ``sqlite_words`` narrows them."""
    return _match_of(tuple(terms))


@lru_cache(maxsize=512)
def _match_of(terms: tuple[str, ...]) -> ColumnElement[bool]:
    # Built once per term list: a search uses it in two to four statements, and building the
    # expression (a scalar subquery per prefix term) took ~2 ms for six terms. Expressions are
    # immutable, so statements (on any thread) share it.
    return _fts_name.op("MATCH")(match_expression(terms))


cache.forget_with_results(_match_of.cache_clear)


@dataclass
class SqliteSearchIndex(SqlSearchIndex):
    """``SearchIndex`` on SQLite FTS5."""

    dialect: ClassVar[str] = "sqlite"
    count_with_page: ClassVar[bool] = True

    def _match(
        self, terms: Sequence[str], filtered: bool = False,
    ) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
        # Filters read from the narrow filter index (ranked page, 100k records, a signer filter:
        # 210 -> 126 ms; a year filter 71 -> 81 ms, where the planner would take the year index).
        join = _FtsFilterJoin if filtered else _FtsJoin
        source = join(_fts, search_entries, search_entries.c.id == _fts.c.rowid)
        match = _matches(terms)
        return source, match, -func.bm25(_fts_name)

    def _text_filters(self, filters: SearchFilters) -> list[ColumnElement[bool]]:
        # The scope is checked on the match's row id (the entry's id) and the dates are row id
        # bounds, which FTS5 applies inside the match: no row is read for either (see _filtered).
        # Row ids are order_key(issue date, ...), so the bounds are exactly the date conditions:
        # a date's entries lie between its key and the next day's, undated ones below them all.
        conditions = filter_conditions(replace(filters, date_from=None, date_to=None), entry_id=_fts.c.rowid)
        rowid = _fts.c.rowid
        if filters.date_from is not None:
            conditions.append(rowid >= _day_key(filters.date_from))
        if filters.date_to is not None:
            conditions.append(rowid < _after_day_key(filters.date_to))
            if filters.date_from is None:
                conditions.append(rowid >= UNDATED_END)
        if filters.year is not None:
            # An entry of that year is dated in it (SearchEntry checks) or undated: FTS5 starts
            # below the year's end, and the older years' matches fail on the row id before their
            # filters are looked up (100k records: "xã hội học tập" in 2019 144 -> 72 ms; "sơ kết",
            # issued in 2021, 190 -> 132 ms). The year condition itself stays: this only narrows.
            conditions.append(rowid < _after_day_key(date(filters.year, 12, 31)))
            conditions.append(or_(rowid >= _day_key(date(filters.year, 1, 1)), rowid < UNDATED_END))
        return conditions

    def _matching_rowids(self, terms: Sequence[str]) -> Select[Any]:
        return select(_fts.c.rowid).where(_matches(terms))

    def _filtered(self, conditions: list[ColumnElement[bool]]) -> tuple[FromClause, ColumnElement[Any]]:
        """What a filtered match reads, and the entry id in it: FTS5 alone when every condition is
        on its row id (dates, an access scope), else the join with the filter columns (100k records,
        a scope of 39 organisations: its count 128 -> 77 ms, the whole search ~188 -> ~143 ms)."""
        if any(isinstance(node, Column) and node.table is search_entries
               for condition in conditions for node in visitors.iterate(condition)):
            return _FtsFilterJoin(_fts, search_entries, search_entries.c.id == _fts.c.rowid), search_entries.c.id
        return _fts, _fts.c.rowid

    def _newest_matching(
        self, session: Session, terms: Sequence[str], conditions: list[ColumnElement[bool]], total: int | None,
        reach: int,
    ) -> Select[Any]:
        # Row ids are the newest-first order (order_key): FTS5 reads the matches backwards and
        # the page ends as soon as it is full (100k records, all matching: ~8 ms instead of ~70 ms
        # listing every match and walking the newest index). A filter is checked per match on
        # the narrow filter index, looked up by id (100k records: a scope of 39 organisations
        # 50 -> 16 ms, year = 2019 77 -> 37 ms).
        if not conditions:
            return self._matching_rowids(terms).order_by(_fts.c.rowid.desc())
        source, entry_id = self._filtered(conditions)
        match = _matches(terms)
        return select(entry_id).select_from(source).where(*conditions, match).order_by(_fts.c.rowid.desc())

    def _newest_and_total(
        self, session: Session, terms: Sequence[str], conditions: list[ColumnElement[bool]], offset: int, per_page: int,
    ) -> tuple[list[int] | None, int | None, list[int] | None, Select[Any] | None]:
        # The newest matches' ids (row id order), rank_limit + 1 of them or the page's reach: a
        # shorter list is every match (then ranked), else the total is that many plus a count of
        # the older matches below the last one, run beside the page when it can. One pass over the
        # matches instead of a count and then a page that scans again (100k records, year = 2019:
        # ~230 -> ~160 ms).
        reach = max(offset + per_page, self.rank_limit + 1)
        source, entry_id = self._filtered(conditions)
        match = _matches(terms)
        newest = select(entry_id).select_from(source).where(*conditions, match)
        ids = list(session.execute(newest.order_by(_fts.c.rowid.desc()).limit(reach)).scalars())
        if len(ids) == reach:
            older = select(func.count()).select_from(source).where(*conditions, match, _fts.c.rowid < ids[-1])
            return ids[offset:offset + per_page], len(ids), None, older
        return ids[offset:offset + per_page], len(ids), ids, None

    def _ranked_window(
        self, terms: Sequence[str], source: FromClause, where: ColumnElement[bool], score: ColumnElement[Any],
        filtered: bool, every: list[int] | None,
    ) -> Select[Any]:
        # Scored on the FTS5 table alone, row ids being the newest-first order (order_key): no row
        # of search_entries is read. Filtered, the matches listed by _newest_and_total are the
        # rows to score, instead of checking every match's filters a second time (100k records,
        # "sơ kết", status and year: ~4,900 of ~96,000 matches). bm25's statistics are the
        # table's, so every score is the one the join gave.
        if filtered and every is None:
            return super()._ranked_window(terms, source, where, score, filtered, every)
        rowid, match = _fts.c.rowid, _matches(terms)
        window = select(rowid, score).where(match)
        if every is not None:
            # Their row id range inside the match (FTS5 skips the rest), the list checked per match:
            # "+ 0" keeps it out of FTS5's plan, which would run the MATCH once per listed id.
            listed: Select[Any] = select(literal_column("value")).select_from(
                func.json_each(bindparam("every_ids", json.dumps(every), type_=String)))
            window = window.where(rowid >= min(every), rowid <= max(every),
                                  (rowid + literal_column("0")).in_(listed))
        return window.order_by(score.desc(), rowid.desc())

    def _capped_count(self, session: Session, terms: Sequence[str], cap: int) -> int | None:
        # FTS5 stops after cap matches: a few ms for a term in most records, where counting them
        # all takes 20-45 ms (100k records); a narrower match is counted whole, exactly. (Listing
        # them instead, to score just those, cost twice the count: 100k records, 4,727 matches.)
        first = self._matching_rowids(terms).limit(cap).subquery()
        return int(session.execute(select(func.count()).select_from(first)).scalar_one())

    def _count_matching(self, terms: Sequence[str], conditions: list[ColumnElement[bool]]) -> Select[Any]:
        if not conditions:
            # The match alone decides: counting inside FTS5 skips a row lookup per match
            # (100k records, all matching: 15 ms instead of ~130 ms).
            return select(func.count()).select_from(_fts).where(_matches(terms))
        # Each match's filters read from ix_search_entries_filters by id, as the match streams
        # (100k records: 54-90 ms instead of 70-104 ms listing the matches first; a plain join
        # may read the wide rows instead: ~120 ms).
        source, _ = self._filtered(conditions)
        return select(func.count()).select_from(source).where(*conditions, _matches(terms))

    def _old(self, session: Session, document_id: int, kind: str) -> Any:
        return session.connection().execute(_SELECT_OLD, {"document_id": document_id, "kind": kind}).first()

    def _write(self, session: Session, values: dict[str, Any]) -> None:
        # Prebuilt statements on the session's connection: compiled once and cached,
        # which matters when a whole archive is (re)indexed.
        conn = session.connection()
        old = self._old(session, values["document_id"], values["kind"])
        rowid = order_key(values["issue_date"], values["document_id"], values["kind"])
        if old is None:
            conn.execute(_INSERT, {**values, "id": rowid})
        else:
            conn.execute(_FTS_DELETE, {"rowid": old.id, "folded": old.folded})
            conn.execute(_UPDATE, {**values, "id": rowid, "old_id": old.id})  # a new date moves the row
        conn.execute(_FTS_INSERT, {"rowid": rowid, "folded": values["folded"]})
        add_words(conn, values["folded"])

    def _delete(self, session: Session, document_id: int, kind: str) -> None:
        old = self._old(session, document_id, kind)
        if old is not None:
            conn = session.connection()
            conn.execute(_FTS_DELETE, {"rowid": old.id, "folded": old.folded})
            conn.execute(_DELETE, {"old_id": old.id})
