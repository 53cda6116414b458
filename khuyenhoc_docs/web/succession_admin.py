"""Admin page: record that organisations merged or dissolved into a successor on a date."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..errors import ValidationFailed
from ..organisations import tree
from ..succession import KINDS, NewSuccession, successions
from ..workflow import orgs as org_workflow
from .context import actor, db, require
from .forms import form_int, form_str, is_id

bp = Blueprint("succession_admin", __name__, url_prefix="/admin/successions")


def _page(errors: dict, form, status: int = 200):
    session = db()
    orgs = {o.id: o for _d, o in tree(session)}
    return render_template("admin/successions.html", rows=tree(session), kinds=KINDS, items=successions(session),
                           orgs=orgs, errors=errors, form=form), status


@bp.get("/")
@login_required
def index():
    require("admin.organisations")
    return _page({}, {})


@bp.post("/")
@login_required
def create():
    require("admin.organisations")
    session = db()
    form = request.form
    try:
        effective = date.fromisoformat(form_str(form, "effective_on", 10))
    except ValueError:
        effective = None
    try:
        row = org_workflow.record_succession(session, actor(), NewSuccession(
            kind=form_str(form, "kind", 40),
            predecessor_ids=tuple(int(v) for v in form.getlist("predecessor_ids") if is_id(v)),
            successor_id=form_int(form, "successor_id"), effective_on=effective,
            legal_basis=form_str(form, "legal_basis", 2000)))
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _page(exc.fields, form, 422)
    flash(f"Đã ghi nhận: {len(row.predecessor_ids)} tổ chức chuyển hồ sơ cho “{row.successor.name}” "
          f"từ ngày {row.effective_on:%d/%m/%Y}.", "success")
    return redirect(url_for("succession_admin.index"))
