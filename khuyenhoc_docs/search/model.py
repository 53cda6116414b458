"""What is searched for and what comes back: an indexed record (``SearchEntry``), the filters
(``SearchFilters``, checked on construction), one hit and one page of results. Plain values, shared
by both index implementations (``base.py``) and by callers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from .text import (
    SearchQueryInvalid,
    clean,
    has_invalid_chars,
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
        # A dated entry's year is its date's: the SQLite index answers a year filter from the
        # date order of its row ids, which would miss an entry filed under another year.
        if self.issue_date is not None and self.year is not None and self.year != self.issue_date.year:
            raise ValueError(f"SearchEntry.year {self.year} is not the year of issue_date {self.issue_date}")


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
            raise SearchQueryInvalid(code="search_kind_invalid")
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


def check_paging(page: int, per_page: int) -> None:
    """Raise :class:`SearchQueryInvalid` unless ``page`` and ``per_page`` are ints in range."""
    for value in (page, per_page):
        if isinstance(value, bool) or not isinstance(value, int):
            raise SearchQueryInvalid(code="search_page_invalid")
    if not 1 <= page <= MAX_PAGE:
        raise SearchQueryInvalid(code="search_page_invalid")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise SearchQueryInvalid(code="search_per_page", params={"max_per_page": MAX_PER_PAGE})
