"""Archive search page: full text with filters and highlighted snippets."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import login_required

from ..access import Principal, search_scope
from ..errors import ValidationFailed
from ..models import STATUSES
from ..search import SearchFilters, SearchPage, search_index_for
from ..search.text import SearchQueryInvalid
from .context import db, require

bp = Blueprint("archive", __name__)
LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện, thành phố", "grassroots": "Cấp cơ sở"}


def _date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise SearchQueryInvalid(f"{label} không hợp lệ (định dạng yyyy-mm-dd).")


def _int(value: str | None, label: str) -> int | None:
    if not value:
        return None
    if not value.strip().isascii() or not value.strip().isdigit() or len(value) > 6:
        raise SearchQueryInvalid(f"{label} không hợp lệ.")
    return int(value)


def run_search(p: Principal, args) -> tuple[str, SearchFilters, SearchPage]:
    """Parse query-string arguments and search within the principal's scope."""
    query = (args.get("q") or "")[:2000]
    status = args.get("status") or None
    if status is not None and status not in STATUSES:
        raise SearchQueryInvalid("Trạng thái không hợp lệ.")
    filters = SearchFilters(
        doc_number=args.get("doc_number") or None, year=_int(args.get("year"), "Năm"),
        level_code=args.get("level") or None, signer=args.get("signer") or None, status=status,
        date_from=_date(args.get("date_from"), "Từ ngày"), date_to=_date(args.get("date_to"), "Đến ngày"),
        organisation_ids=search_scope(p),
    )
    page = _int(args.get("page"), "Trang") or 1
    per_page = min(_int(args.get("per_page"), "Số dòng") or 20, 100)
    session = db()
    return query, filters, search_index_for(session).search(session, query, filters, page=page, per_page=per_page)


@bp.get("/search")
@login_required
def search():
    p = require("archive.search")
    try:
        query, _, result = run_search(p, request.args)
        error = None
    except ValidationFailed as exc:
        query, result, error = request.args.get("q", "")[:200], None, exc.message
    return render_template("archive/search.html", q=query, args=request.args, result=result, error=error,
                           levels=LEVELS, statuses=STATUSES), 422 if error else 200
