"""The search interface: the ``SearchIndex`` protocol and the SQL both engines share (the records,
filters and results themselves are ``model.py``, re-exported here).

Both implementations (SQLite FTS5, PostgreSQL full-text search) share everything
here except how they match terms and keep their index in step; see
``sqlite_fts.py`` and ``postgres_fts.py``. Every method takes a SQLAlchemy
``Session`` and never commits: the caller owns the transaction.
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Executable,
    FromClause,
    Select,
    and_,
    func,
    select,
    true,
)
from sqlalchemy.orm import Session

from . import beside, cache
from .filters import filter_conditions
from .hits import page_hits
from .model import (  # re-exported: callers import the model from here too
    DOCUMENT,
    INCOMING,  # noqa: F401 (re-exported)
    SearchEntry,
    SearchFilters,
    SearchPage,
    check_paging,
)
from .schema import search_entries
from .text import (
    SearchQueryInvalid,
    tokenize,
)
from .values import entry_values


@runtime_checkable
class SearchIndex(Protocol):
    """Full-text search over the archive, one implementation per database engine."""

    @property
    def dialect(self) -> str: ...

    def index_document(self, session: Session, entry: SearchEntry) -> None:
        """Insert or replace the record of ``entry.document_id``."""

    def remove(self, session: Session, document_id: int, kind: str = DOCUMENT) -> None:
        """Forget a document (no error if it was never indexed)."""

    def search(
        self, session: Session, query: str, filters: SearchFilters | None = None,
        page: int = 1, per_page: int = 20,
    ) -> SearchPage:
        """Matching records, best first; an empty query lists by issue date (newest first)."""


# Listing order; the schema has an index in exactly this order (schema.NEWEST_INDEX).
# kind last: a record and an incoming document may share a date and an id, and pages cut by OFFSET
# need one total order.
NEWEST = (search_entries.c.issue_date.desc().nulls_last(), search_entries.c.document_id.desc(),
          search_entries.c.kind.desc())


# Totals per (database, generation, index, query, filters); pages (immutable) per that and the page.
_TOTALS: cache.Lru[int] = cache.Lru(1024)
_PAGES: cache.Lru[SearchPage] = cache.Lru(256)


# A ranked match of at least this many records is scored in two halves, one on a second connection
# (see ``beside``): fewer are scored faster than a second connection starts.
SPLIT_RANKED_ROWS = 500


def clear_cache() -> None:
    """Forget every kept result of this process, and what its searches built (benchmarks measuring
    the first run)."""
    _TOTALS.clear()
    _PAGES.clear()
    cache.forget_registered()


@dataclass(frozen=True)
class _Asked:
    """One search's statement parts, shared by the page's phases."""

    terms: list[str]
    filtering: list[ColumnElement[bool]]
    source: FromClause
    where: ColumnElement[bool]
    score: ColumnElement[Any] | None
    offset: int
    per_page: int
    helper: Engine | None  # a second connection's engine (see ``beside``)
    seen: tuple[str, int] | None  # the index generation the session saw


@dataclass
class SqlSearchIndex:
    """Shared implementation; subclasses say how terms match and how writes reach the index.

    ``rank_limit``: when more records than this match, the page is ordered newest first
    instead of by relevance (``SearchPage.ranked`` is False, scores are 0). Ranking
    means scoring every match — on PostgreSQL reading every matching tsvector — and a
    term found in most of the archive ("khuyến học") makes that cost grow with the
    archive for no useful order.
    """

    dialect: ClassVar[str] = ""
    snippet_words: int = field(default=30)
    rank_limit: int = field(default=5_000)
    # Filtered full-text searches take the total from the newest-first page's statement, which
    # then serves as the page unless the results are ranked (see _newest_and_total).
    count_with_page: ClassVar[bool] = False
    # Every match listed, score half of them on a second connection (see _ranked_split).
    split_ranking: ClassVar[bool] = False

    # -- engine hooks ---------------------------------------------------------------
    def _match(
        self, terms: Sequence[str], filtered: bool = False,
    ) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
        """(FROM clause joining search_entries, match condition, score: higher is better);
        ``filtered``: the statement also checks filters on search_entries."""
        raise NotImplementedError

    def _text_filters(self, filters: SearchFilters) -> list[ColumnElement[bool]]:
        """WHERE conditions for ``filters`` in a full-text search."""
        return filter_conditions(filters)

    def _tuned(self, session: Session) -> AbstractContextManager[None]:
        """Context around the queries of a full-text search (planner settings)."""
        return nullcontext()

    def _newest_matching(
        self, session: Session, terms: Sequence[str], conditions: list[ColumnElement[bool]], total: int | None,
        reach: int,
    ) -> Select[Any]:
        """``SELECT search_entries.id`` of the matching records, newest first (``total`` of them, None
        while they are counted beside: more than rank_limit are expected; the page ends ``reach`` rows
        in). Without a total an engine may return fewer rows than match, if the page is made again
        once the total is known (``_search``)."""
        source, match, _ = self._match(terms)
        return select(search_entries.c.id).select_from(source).where(*conditions, match).order_by(*NEWEST)

    def _newest_and_total(
        self, session: Session, terms: Sequence[str], conditions: list[ColumnElement[bool]], offset: int, per_page: int,
    ) -> tuple[list[int] | None, int | None, list[int] | None, Select[Any] | None]:
        """The newest-first page, the total and, when it listed them all, every matching id: one
        statement (``count(*) OVER ()``) listing the newest ``rank_limit + 1`` matches or the page's
        reach, which sorts every match anyway; a ranked page then scores just those rows. An engine
        may instead return the matches listed as the total and a statement counting the rest."""
        reach = max(offset + per_page, self.rank_limit + 1)
        window = self._newest_matching(session, terms, conditions, 0, reach).add_columns(func.count().over())
        if offset > self.rank_limit:
            # A page beyond rank_limit is never ranked: fetch it alone (None, None: an empty page
            # tells no total).
            rows = session.execute(window.limit(per_page).offset(offset)).all()
            return ([r[0] for r in rows], int(rows[0][1]), None, None) if rows else (None, None, None, None)
        result = session.execute(window.limit(reach))
        rows = list(result.fetchmany(offset + per_page))
        if not rows:
            return [], 0, [], None
        total = int(rows[0][1])
        if total < reach:  # every match listed: the rest are the rows a ranked page scores
            rows += result.fetchall()
        result.close()  # else the page is all it needs: the other rows are never converted
        ids = [r[0] for r in rows]
        return ids[offset:offset + per_page], total, ids if total < reach else None, None

    def _ranked_window(
        self, terms: Sequence[str], source: FromClause, where: ColumnElement[bool], score: ColumnElement[Any],
        filtered: bool, every: list[int] | None,
    ) -> Select[Any]:
        """``SELECT id, score`` of the matches, best first, ties newest first (``every``: the ids, if known)."""
        return select(search_entries.c.id, score).select_from(source).where(where).order_by(score.desc(), *NEWEST)

    def _count_matching(self, terms: Sequence[str], conditions: list[ColumnElement[bool]]) -> Select[Any]:
        """``SELECT count(*)`` of records matching ``terms`` and ``conditions``."""
        source, match, _ = self._match(terms)
        return select(func.count()).select_from(source).where(*conditions, match)

    def _write(self, session: Session, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def _delete(self, session: Session, document_id: int, kind: str) -> None:
        raise NotImplementedError

    # -- public API -----------------------------------------------------------------
    def index_document(self, session: Session, entry: SearchEntry) -> None:
        """Insert or replace the record of ``entry.document_id``."""
        self._check_session(session)
        self._write(session, entry_values(entry))

    def remove(self, session: Session, document_id: int, kind: str = DOCUMENT) -> None:
        """Forget a document (no error if it was never indexed)."""
        self._check_session(session)
        self._delete(session, document_id, kind)

    def search(
        self, session: Session, query: str, filters: SearchFilters | None = None,
        page: int = 1, per_page: int = 20,
    ) -> SearchPage:
        """Matching records, best first; an empty query lists by issue date (newest first).

        Raises :class:`SearchQueryInvalid` (Vietnamese message) for queries it cannot
        run: over 500 characters, with no letter or digit at all, or bad paging/filters.
        """
        self._check_session(session)
        check_paging(page, per_page)
        terms = tokenize(query)
        if not terms and query.strip():
            raise SearchQueryInvalid(code="search_query_no_word")
        filters = filters or SearchFilters()
        before = cache.generation(session)
        question = (before, type(self), self.rank_limit, tuple(terms), filters)
        key = (*question, self.snippet_words, page, per_page)
        if before is not None:
            found = _PAGES.get(key)
            if found is not None:
                return found
        result = self._search(session, terms, filters, page, per_page, _TOTALS.get(question) if before else None,
                              before)
        if before is not None and cache.generation(session) == before:
            _TOTALS.put(question, result.total)
            _PAGES.put(key, result)
        return result

    def _search(
        self, session: Session, terms: list[str], filters: SearchFilters, page: int, per_page: int,
        known_total: int | None, seen: tuple[str, int] | None = None,
    ) -> SearchPage:
        filtering = self._text_filters(filters) if terms else filter_conditions(filters)
        source: FromClause = search_entries
        score: ColumnElement[Any] | None = None
        conditions = list(filtering)
        count = select(func.count()).select_from(search_entries).where(*filtering)
        if terms:
            source, match, score = self._match(terms, filtered=bool(filtering))
            conditions.append(match)
            count = self._count_matching(terms, filtering)
        # A second connection to count or score on while the session builds the page (see ``beside``).
        helper = beside.engine_for(session) if seen is not None and terms and known_total is None else None
        asked = _Asked(terms, filtering, source, and_(true(), *conditions), score, (page - 1) * per_page, per_page,
                       helper, seen)
        with self._tuned(session) if terms else nullcontext():
            newest: list[int] | None = None
            every: list[int] | None = None
            total = known_total
            # What is left to count: (matches counted so far, the statement counting the rest).
            pending: tuple[int, Select[Any]] | None = None
            guessed = False  # newest first because the planner expects more than rank_limit matches
            if total is None and terms and filtering and self.count_with_page:
                newest, total, every, rest = self._newest_and_total(session, terms, filtering, asked.offset, per_page)
                if rest is not None:
                    pending, total = (total or 0, rest), None
            elif total is None and helper is not None:
                capped = self._capped_count(session, terms, self.rank_limit + 1)
                if capped is not None and capped <= self.rank_limit:
                    total = capped
                elif capped is not None:
                    pending = (0, count)
                elif self._expects_many(session, source, match):
                    pending, guessed = (0, count), True
            if total is None and pending is None:
                total = session.execute(count).scalar_one()
            counting = (beside.rows(helper, pending[1], seen, self._beside_setup)
                        if pending is not None and helper is not None and seen is not None else None)
            ids, scores, ranked = self._page_ids(session, asked, total, newest, every)
        hits = page_hits(session, ids, scores, terms, self.snippet_words)
        total = self._counted(session, total, pending, counting)
        if guessed and ((score is not None and total <= self.rank_limit)
                        or len(ids) < min(per_page, max(total - asked.offset, 0))):
            # Fewer matches than the planner expected: the page is ranked after all, or the walk that
            # made it before the total was known (bounded: the guess may be far off) came up short.
            with self._tuned(session):
                ids, scores, ranked = self._page_ids(session, asked, total, None, None)
            hits = page_hits(session, ids, scores, terms, self.snippet_words)
        return SearchPage(hits=hits, total=total, page=page, per_page=per_page, ranked=ranked)

    def _page_ids(
        self, session: Session, asked: _Asked, total: int | None, newest: list[int] | None, every: list[int] | None,
    ) -> tuple[list[int], dict[int, float], bool]:
        """Phase 1, narrow rows only (bodies never enter a sort): the page's ids, their scores, and
        whether it is ranked. ``total`` None: still counting, more than rank_limit records match."""
        ranked = asked.score is not None and total is not None and total <= self.rank_limit
        if total is not None and asked.offset >= total:
            return [], {}, ranked
        if newest is not None and not ranked:
            return newest, {}, ranked
        if ranked and asked.score is not None:
            rows = (self._ranked_split(session, asked, every)
                    if self.split_ranking and every is not None and len(every) >= SPLIT_RANKED_ROWS
                    and asked.helper is not None else None)
            if rows is None:
                window = self._ranked_window(asked.terms, asked.source, asked.where, asked.score,
                                             bool(asked.filtering), every)
                rows = [tuple(r) for r in session.execute(window.limit(asked.per_page).offset(asked.offset))]
            return [r[0] for r in rows], {r[0]: float(r[1] or 0.0) for r in rows}, True
        reach = asked.offset + asked.per_page
        window = (self._newest_matching(session, asked.terms, asked.filtering, total, reach) if asked.terms
                  else select(search_entries.c.id).where(asked.where).order_by(*NEWEST))
        return list(session.execute(window.limit(asked.per_page).offset(asked.offset)).scalars()), {}, False

    def _ranked_split(self, session: Session, asked: _Asked, every: list[int]) -> list[tuple[Any, ...]] | None:
        """The ranked page's (id, score) rows, the older half of ``every`` scored on a second
        connection while the session scores the newer half: each half's best rows up to the page's
        end, merged in the window's order (score, then newest first, the order ``every`` is listed
        in). None when that connection sees another generation."""
        assert asked.score is not None and asked.helper is not None and asked.seen is not None
        score, reach, half = asked.score, asked.offset + asked.per_page, len(every) // 2

        def window(ids: list[int]) -> Select[Any]:
            return self._ranked_window(asked.terms, asked.source, asked.where, score, bool(asked.filtering),
                                       ids).limit(reach)

        theirs = beside.rows(asked.helper, window(every[half:]), asked.seen, self._beside_setup)
        mine = [tuple(r) for r in session.execute(window(every[:half]))]
        other = beside.outcome(theirs)
        if other is None:
            return None
        position = {entry_id: i for i, entry_id in enumerate(every)}
        merged = sorted(mine + other, key=lambda r: (-float(r[1] or 0.0), position[r[0]]))
        return merged[asked.offset:reach]

    def _expects_many(self, session: Session, source: FromClause, match: ColumnElement[bool]) -> bool:
        """Whether the planner expects more than rank_limit matches (only a guess: the count decides)."""
        return False

    # Statements run on the second connection before its own (planner settings).
    _beside_setup: ClassVar[tuple[Executable, ...]] = ()

    def _capped_count(self, session: Session, terms: Sequence[str], cap: int) -> int | None:
        """How many records match ``terms``, counting no further than ``cap``; None when the engine
        cannot stop early (the whole count then runs on the session)."""
        return None

    def _counted(
        self, session: Session, total: int | None, pending: tuple[int, Select[Any]] | None,
        counting: Future[list[tuple[Any, ...]] | None] | None,
    ) -> int:
        """The total: known, or the matches counted so far plus the rest, counted beside the page
        or (no second connection, or another generation there) on the session."""
        if total is not None:
            return int(total)
        assert pending is not None
        counted = beside.outcome(counting) if counting is not None else None
        if counted is not None:
            return pending[0] + int(counted[0][0])
        with self._tuned(session):
            return pending[0] + int(session.execute(pending[1]).scalar_one())

    def _check_session(self, session: Session) -> None:
        name = session.get_bind().dialect.name
        if name != self.dialect:
            raise ValueError(f"{type(self).__name__} used with a {name} session")


def search_index_for(target: Session | Engine | Connection | str) -> SearchIndex:
    """The implementation for a session, engine, connection or dialect name."""
    if isinstance(target, str):
        name = target
    elif isinstance(target, Session):
        name = target.get_bind().dialect.name
    else:
        name = target.dialect.name
    if name == "sqlite":
        from .sqlite_fts import SqliteSearchIndex

        return SqliteSearchIndex()
    if name == "postgresql":
        from .postgres_fts import PostgresSearchIndex

        return PostgresSearchIndex()
    raise ValueError(f"no search index for database dialect {name!r}")
