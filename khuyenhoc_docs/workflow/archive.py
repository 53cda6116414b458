"""The archive room: full-text search over the records and incoming documents the principal may see."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm import Session

from ..access import Principal, ensure, incoming_search_scope, search_scope
from ..errors import Problem
from ..models import RECALL_REQUESTED, RECALLED, RECEIVED, REPLACED, STATUSES
from ..search import SearchFilters, SearchPage, search_index_for
from ..search.text import SearchQueryInvalid

INCOMING_STATES = (RECEIVED, RECALL_REQUESTED, RECALLED, REPLACED)


def _date(value: str | None, label: str) -> date | None:
    """An ISO date filter; ``label`` is the code of the filter's name (worded in web/messages/)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise SearchQueryInvalid(code="search_date_format", params={"label": Problem(label)}) from None


def _int(value: str | None, label: str) -> int | None:
    if not value:
        return None
    if not value.strip().isascii() or not value.strip().isdigit() or len(value) > 6:
        raise SearchQueryInvalid(code="search_value_invalid", params={"label": Problem(label)})
    return int(value)


def search(session: Session, p: Principal, args: Mapping[str, str]) -> tuple[str, SearchFilters, SearchPage]:
    """Parse query-string arguments and search within the principal's scope."""
    ensure(p, "archive.search")
    query = (args.get("q") or "")[:2000]
    status = args.get("status") or None
    if status is not None and status not in STATUSES and status not in INCOMING_STATES:
        raise SearchQueryInvalid(code="search_status_invalid")
    filters = SearchFilters(
        doc_number=args.get("doc_number") or None, year=_int(args.get("year"), "filter_year"),
        level_code=args.get("level") or None, signer=args.get("signer") or None, status=status,
        date_from=_date(args.get("date_from"), "filter_date_from"), date_to=_date(args.get("date_to"), "filter_date_to"),
        organisation_ids=search_scope(p), incoming_organisation_ids=incoming_search_scope(p),
        kind=args.get("kind") or None,
    )
    page = _int(args.get("page"), "filter_page") or 1
    per_page = min(_int(args.get("per_page"), "filter_per_page") or 20, 100)
    return query, filters, search_index_for(session).search(session, query, filters, page=page, per_page=per_page)
