"""The WHERE conditions of ``SearchFilters`` on ``search_entries``, shared by both engines (each may
check some of them its own way as well: row id bounds on SQLite, unindexed forms on PostgreSQL)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, literal_column, or_, select

from .model import DOCUMENT, INCOMING, SearchFilters
from .schema import search_entries, search_scopes
from .text import words


def _contains(column: ColumnElement[str], needle: str) -> ColumnElement[bool]:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(f"%{escaped}%", escape="\\")


def _scoped(condition: ColumnElement[bool], entry_id: ColumnElement[Any]) -> ColumnElement[bool]:
    # One semi-join on the scope rows (organisation, entry, kind) instead of a LIKE '%,i,%' on
    # organisation_ids per organisation and row: the same entries, since the rows are made from
    # that column by triggers (schema.SCOPE_TABLE). "id + 0": entries are checked against the
    # list, never looked up from it, so a newest-first page still walks the newest index and
    # stops at the end of the page.
    return (entry_id + literal_column("0")).in_(select(search_scopes.c.entry_id).where(condition))


def _organisation_in(ids: frozenset[int]) -> ColumnElement[bool]:
    column = search_scopes.c.organisation_id
    return column == next(iter(ids)) if len(ids) == 1 else column.in_(sorted(ids))


def _in_organisations(ids: frozenset[int], entry_id: ColumnElement[Any]) -> ColumnElement[bool]:
    return _scoped(_organisation_in(ids), entry_id) if ids else false()


def _scope(filters: SearchFilters, entry_id: ColumnElement[Any]) -> ColumnElement[bool] | None:
    """The access scope; records alone keep their plain condition (and query plans)."""
    records, incoming = filters.organisation_ids, filters.incoming_organisation_ids
    if incoming is None or incoming == records:
        return None if records is None else _in_organisations(records, entry_id)
    kind = search_entries.c.kind
    if records is None:
        return or_(kind == DOCUMENT, and_(kind == INCOMING, _in_organisations(incoming, entry_id)))
    s = search_scopes.c
    parts = [and_(s.kind == k, _organisation_in(ids)) for k, ids in ((DOCUMENT, records), (INCOMING, incoming)) if ids]
    return _scoped(or_(*parts), entry_id) if parts else false()


def filter_conditions(
    filters: SearchFilters, unindexed: bool = False, entry_id: ColumnElement[Any] = search_entries.c.id,
) -> list[ColumnElement[bool]]:
    """WHERE conditions for ``filters`` on ``search_entries``; ``unindexed``: the same conditions
    on expressions no index serves (kind, year, level, status, dates), so the full-text index drives;
    ``entry_id``: the column holding an entry's id that the access scope is checked on."""
    c = search_entries.c
    kind: ColumnElement[Any] = c.kind
    year: ColumnElement[Any] = c.year
    level_code: ColumnElement[Any] = c.level_code
    status: ColumnElement[Any] = c.status
    if unindexed:
        empty: ColumnElement[Any] = literal_column("''")
        zero: ColumnElement[Any] = literal_column("0")
        kind, level_code, status = kind + empty, level_code + empty, status + empty
        year = year + zero
    conditions: list[ColumnElement[bool]] = []
    if filters.kind is not None:
        conditions.append(kind == filters.kind)
    if filters.doc_number is not None:
        # Starts at a word of the number: "40/CTPH" matches " 40 ctph hkvn ", not " 140 ctph ".
        conditions.append(_contains(c.doc_number_key, " " + " ".join(words(filters.doc_number))))
    if filters.signer is not None:
        conditions.append(_contains(c.signer_key, " ".join(words(filters.signer))))
    if filters.year is not None:
        conditions.append(year == filters.year)
    if filters.level_code is not None:
        conditions.append(level_code == filters.level_code)
    if filters.status is not None:
        conditions.append(status == filters.status)
    issue_date: ColumnElement[Any] = c.issue_date
    if unindexed and _long_range(filters):
        issue_date = issue_date + literal_column("0")
    if filters.date_from is not None:
        conditions.append(issue_date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(issue_date <= filters.date_to)
    scope = _scope(filters, entry_id)
    if scope is not None:
        conditions.append(scope)
    return conditions


# A date range longer than this holds a large share of an archive: the full-text index should
# drive, not the date index (shorter or open ranges keep it).
_LONG_RANGE_DAYS = 62


def _long_range(filters: SearchFilters) -> bool:
    return (filters.date_from is not None and filters.date_to is not None
            and (filters.date_to - filters.date_from).days > _LONG_RANGE_DAYS)
