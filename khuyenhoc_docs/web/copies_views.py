"""Certified electronic copies of a record (UI): the "Tạo bản sao" form and the copies' downloads."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required

from ..errors import DomainError
from ..workflow import copies
from .context import actor, db, services, signed_in
from .downloads import file_response
from .messages import message_for

bp = Blueprint("copies", __name__, url_prefix="/documents")


def _pages(text: str) -> list[int] | None:
    """"2, 4-5" → [2, 4, 5]; None when unreadable (the workflow then refuses with its message)."""
    pages: list[int] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        if not first.strip().isdigit() or (last and not last.strip().isdigit()):
            return None
        a, b = int(first), int(last or first)
        if b < a or b - a > copies.MAX_PAGES:
            return None
        pages.extend(range(a, b + 1))
    return pages


@bp.post("/<int:doc_id>/copies")
@login_required
def create(doc_id: int):
    kind = request.form.get("kind", "")[:40]
    pages = _pages(request.form.get("pages", "")[:500]) if kind == "trich_sao" else []
    try:
        copy = copies.create_copy(db(), services(), signed_in(), actor(), doc_id, kind=kind,
                                  pages=[0] if pages is None else pages, secret=request.form.get("secret", "")[:300])
    except DomainError as exc:
        if exc.status == 403:
            raise
        flash(message_for(exc), "error")
    else:
        flash(f"Đã tạo bản sao số {copy.copy_number}.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id) + "#copies")


@bp.get("/<int:doc_id>/copies/<int:copy_id>/file")
@login_required
def file(doc_id: int, copy_id: int):
    copy, data = copies.copy_file(db(), services(), signed_in(), doc_id, copy_id)
    return file_response(data, "application/pdf", f"ban-sao-{copy.year}-{copy.number:04d}.pdf")
