"""The search interface: records, filters, results, the ``SearchIndex`` protocol.

Both implementations (SQLite FTS5, PostgreSQL full-text search) share everything
here except how they match terms and keep their index in step; see
``sqlite_fts.py`` and ``postgres_fts.py``. Every method takes a SQLAlchemy
``Session`` and never commits: the caller owns the transaction.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, Protocol, runtime_checkable

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from ..db import utcnow
from .schema import search_entries
from .text import (
    SearchQueryInvalid,
    clean,
    has_invalid_chars,
    index_text,
    key_text,
    snippet_html,
    tokenize,
    words,
)

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_FILTER_CHARS = 200
_INT_MAX = 2**31 - 1  # the columns are 32-bit on PostgreSQL
DOCUMENT, INCOMING = "document", "incoming"
KINDS = (DOCUMENT, INCOMING)


@dataclass(frozen=True)
class SearchEntry:
    """What the index knows about one document (its latest extracted text).

    ``kind`` says what ``document_id`` numbers: a record ("document") or a row of the
    incoming register ("incoming"); each kind has its own id space.
    """

    document_id: int
    doc_number: str | None
    title: str
    body: str
    year: int | None
    level_code: str
    organisation_ids: tuple[int, ...]
    signer_names: tuple[str, ...]
    status: str
    issue_date: date | None
    kind: str = DOCUMENT

    def __post_init__(self) -> None:
        # Programming errors, not user input: fail loudly before touching the database.
        if not isinstance(self.document_id, int) or not 0 < self.document_id <= _INT_MAX:
            raise ValueError(f"SearchEntry.document_id must be a positive int, got {self.document_id!r}")
        if self.kind not in KINDS:
            raise ValueError(f"SearchEntry.kind must be one of {KINDS}, got {self.kind!r}")
        for name in ("level_code", "status"):
            if len(getattr(self, name)) > 40:
                raise ValueError(f"SearchEntry.{name} is longer than 40 characters")
        object.__setattr__(self, "organisation_ids", tuple(int(i) for i in self.organisation_ids))
        object.__setattr__(self, "signer_names", tuple(self.signer_names))
        if isinstance(self.issue_date, datetime):
            object.__setattr__(self, "issue_date", self.issue_date.date())


@dataclass(frozen=True)
class SearchFilters:
    """Structured filters; ``None`` (or a blank string) means "any".

    ``organisation_ids`` is an access scope: only records sharing at least one
    organisation are returned (an empty set returns nothing). ``doc_number`` and
    ``signer`` match case-, diacritic- and punctuation-insensitively:
    "40/ctph" finds "40/CTPH-HKVN", "nguyen van" finds "Nguyễn Văn An".
    ``incoming_organisation_ids`` is the scope of incoming documents (entries of kind
    "incoming"); None means the same as ``organisation_ids``, an empty set leaves them
    out. ``kind`` keeps one kind only. Invalid values raise :class:`SearchQueryInvalid`.
    """

    doc_number: str | None = None
    year: int | None = None
    level_code: str | None = None
    organisation_ids: frozenset[int] | None = None
    signer: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    incoming_organisation_ids: frozenset[int] | None = None
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise SearchQueryInvalid("Loại văn bản không hợp lệ.")
        for name in ("doc_number", "level_code", "signer", "status"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str) or len(value) > MAX_FILTER_CHARS:
                raise SearchQueryInvalid(code="search_filter_too_long")
            if has_invalid_chars(value):
                raise SearchQueryInvalid(code="search_filter_characters")
            # An empty form field is "any"; codes are compared in NFC like the stored ones.
            object.__setattr__(self, name, clean(value) if value.strip() else None)
        for name in ("doc_number", "signer"):
            value = getattr(self, name)
            if value is not None and not words(value):
                raise SearchQueryInvalid(code="search_filter_no_word")
        if self.year is not None and (
            isinstance(self.year, bool) or not isinstance(self.year, int) or not 1 <= self.year <= 9999
        ):
            raise SearchQueryInvalid(code="search_year_invalid")
        for name in ("organisation_ids", "incoming_organisation_ids"):
            if getattr(self, name) is not None:
                ids = frozenset(getattr(self, name))
                if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= _INT_MAX for i in ids):
                    raise SearchQueryInvalid(code="search_org_invalid")
                object.__setattr__(self, name, ids)
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise SearchQueryInvalid(code="search_date_invalid")
            if isinstance(value, datetime):  # compared as dates, like the stored issue_date
                object.__setattr__(self, name, value.date())
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise SearchQueryInvalid(code="search_date_range")


@dataclass(frozen=True)
class SearchHit:
    """One result; ``snippet_html`` is escaped text with ``<mark>`` around matches.

    ``score`` is the engine's relevance (higher is better; bm25 and ts_rank are not
    comparable with each other), 0.0 on pages that are not ranked.
    """

    document_id: int
    doc_number: str | None
    title: str
    snippet_html: str
    score: float
    kind: str = DOCUMENT


@dataclass(frozen=True)
class SearchPage:
    """One page of results and the total number of matching records."""

    hits: tuple[SearchHit, ...]
    total: int
    page: int
    per_page: int
    # False when the hits are ordered newest first rather than by relevance: a listing
    # (no query) or more matches than the index's rank_limit.
    ranked: bool = True

    @property
    def pages(self) -> int:
        """Number of pages (at least 1, so "page 1 of 1" for no results)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


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


def entry_values(entry: SearchEntry) -> dict[str, Any]:
    """Column values of ``search_entries`` for ``entry`` (cleaned for any database)."""
    title, body = clean(entry.title), clean(entry.body)
    doc_number = clean(entry.doc_number) if entry.doc_number is not None else None
    signers = [clean(name).replace("\n", " ") for name in entry.signer_names]
    return {
        "kind": entry.kind,
        "document_id": entry.document_id,
        "doc_number": doc_number,
        "doc_number_key": key_text(doc_number or ""),
        "title": title,
        "body": body,
        "folded": index_text(title, doc_number or "", body),
        "year": entry.year,
        "level_code": clean(entry.level_code),
        "organisation_ids": "," + "".join(f"{i}," for i in sorted(set(entry.organisation_ids))),
        "signer_names": "\n".join(signers),
        "signer_key": "\n".join(" ".join(words(name)) for name in signers),
        "status": clean(entry.status),
        "issue_date": entry.issue_date,
        "updated_at": utcnow(),
    }


# Listing order; the schema has an index in exactly this order (schema.NEWEST_INDEX).
NEWEST = (search_entries.c.issue_date.desc().nulls_last(), search_entries.c.document_id.desc())


def _contains(column: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _in_organisations(ids: frozenset[int]) -> ColumnElement[bool]:
    if not ids:
        return false()
    c = search_entries.c
    return or_(*(c.organisation_ids.like(f"%,{i},%") for i in sorted(ids)))


def _scope(filters: SearchFilters) -> ColumnElement[bool] | None:
    """The access scope; records alone keep their old plain condition (and query plans)."""
    records, incoming = filters.organisation_ids, filters.incoming_organisation_ids
    if incoming is None or incoming == records:
        return None if records is None else _in_organisations(records)
    kind = search_entries.c.kind
    return or_(
        and_(kind == DOCUMENT, true() if records is None else _in_organisations(records)),
        and_(kind == INCOMING, _in_organisations(incoming)),
    )


def filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions for ``filters`` on ``search_entries``."""
    c = search_entries.c
    conditions: list[ColumnElement[bool]] = []
    if filters.kind is not None:
        conditions.append(c.kind == filters.kind)
    if filters.doc_number is not None:
        # Starts at a word of the number: "40/CTPH" matches " 40 ctph hkvn ", not " 140 ctph ".
        conditions.append(_contains(c.doc_number_key, " " + " ".join(words(filters.doc_number))))
    if filters.signer is not None:
        conditions.append(_contains(c.signer_key, " ".join(words(filters.signer))))
    if filters.year is not None:
        conditions.append(c.year == filters.year)
    if filters.level_code is not None:
        conditions.append(c.level_code == filters.level_code)
    if filters.status is not None:
        conditions.append(c.status == filters.status)
    if filters.date_from is not None:
        conditions.append(c.issue_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(c.issue_date <= filters.date_to)
    scope = _scope(filters)
    if scope is not None:
        conditions.append(scope)
    return conditions


def _check_paging(page: int, per_page: int) -> None:
    for value in (page, per_page):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SearchQueryInvalid(code="search_page_invalid")
    if not 1 <= page <= MAX_PAGE:
        raise SearchQueryInvalid(code="search_page_invalid")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise SearchQueryInvalid(code="search_per_page", params={"max_per_page": MAX_PER_PAGE})


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

    # -- engine hooks ---------------------------------------------------------------
    def _match(self, terms: Sequence[str]) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
        """(FROM clause joining search_entries, match condition, score: higher is better)."""
        raise NotImplementedError

    def _tuned(self, session: Session) -> AbstractContextManager[None]:
        """Context around the queries of a full-text search (planner settings)."""
        return nullcontext()

    def _newest_matching(self, terms: Sequence[str], conditions: list[ColumnElement[bool]]) -> Select[Any]:
        """``SELECT search_entries.id`` of the matching records, newest first."""
        source, match, _ = self._match(terms)
        return select(search_entries.c.id).select_from(source).where(*conditions, match).order_by(*NEWEST)

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
        _check_paging(page, per_page)
        terms = tokenize(query)
        if not terms and query.strip():
            raise SearchQueryInvalid(code="search_query_no_word")
        filtering = filter_conditions(filters or SearchFilters())
        c = search_entries.c
        source: FromClause = search_entries
        score: ColumnElement[Any] | None = None
        conditions = list(filtering)
        count = select(func.count()).select_from(search_entries).where(*filtering)
        if terms:
            source, match, score = self._match(terms)
            conditions.append(match)
            count = self._count_matching(terms, filtering)
        where = and_(true(), *conditions)
        offset = (page - 1) * per_page
        with self._tuned(session) if terms else nullcontext():
            total = session.execute(count).scalar_one()
            # Phase 1: order and cut narrow rows (ids, scores); bodies never enter the sort.
            ranked = score is not None and total <= self.rank_limit
            if offset >= total:
                ids, scores = [], {}
            elif ranked and score is not None:
                window = select(c.id, score).select_from(source).where(where).order_by(score.desc(), *NEWEST)
                rows = session.execute(window.limit(per_page).offset(offset)).all()
                ids, scores = [r[0] for r in rows], {r[0]: float(r[1] or 0.0) for r in rows}
            else:
                window = self._newest_matching(terms, filtering) if terms else select(c.id).where(where).order_by(*NEWEST)
                ids, scores = list(session.execute(window.limit(per_page).offset(offset)).scalars()), {}
        if not ids:
            return SearchPage(hits=(), total=total, page=page, per_page=per_page, ranked=ranked)
        # Phase 2: the page's rows by primary key.
        rows = session.execute(
            select(c.id, c.kind, c.document_id, c.doc_number, c.title, c.body).where(c.id.in_(ids))
        ).all()
        by_id = {row.id: row for row in rows}
        hits = tuple(
            SearchHit(
                document_id=row.document_id,
                doc_number=row.doc_number,
                title=row.title,
                snippet_html=snippet_html(row.body, terms, self.snippet_words),
                score=scores.get(row.id, 0.0),
                kind=row.kind,
            )
            for row in (by_id[i] for i in ids if i in by_id)
        )
        return SearchPage(hits=hits, total=total, page=page, per_page=per_page, ranked=ranked)

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
