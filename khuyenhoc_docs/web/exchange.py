"""Browser pages of the edXML exchange: the incoming register and one incoming document."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import edxml, jobs
from ..vntime import today_vn
from ..workflow import cascade as cascades
from ..workflow import exchange_in, incoming_actions
from .context import actor, db, require, services, signed_in
from .downloads import file_response
from .forms import form_int, form_str, is_id

bp = Blueprint("exchange", __name__)

STATES = {"received": "Đã vào sổ", "recall_requested": "Nơi gửi yêu cầu thu hồi/cập nhật",
          "recalled": "Đã thu hồi", "replaced": "Đã cập nhật/thay thế"}


@bp.get("/incoming")
@login_required
def register():
    year = form_int(request.args, "year") or today_vn().year
    query = (request.args.get("q") or "").strip()[:200]
    rows = exchange_in.register(db(), signed_in(), year, query)
    return render_template("exchange/register.html", rows=rows, year=year, q=query, states=STATES,
                           codes=edxml.STATUS_CODES)


@bp.get("/incoming/<int:incoming_id>")
@login_required
def show(incoming_id: int):
    p, session = signed_in(), db()
    row = exchange_in.get_incoming(session, p, incoming_id)
    return render_template("exchange/show.html", row=row, statuses=exchange_in.statuses(session, row.id),
                           states=STATES, codes=edxml.STATUS_CODES, business=edxml.BUSINESS_TYPES,
                           clerk_codes=exchange_in.CLERK_CODES, units=incoming_actions.cascade_units(session, row),
                           implementing=incoming_actions.implementing(session, p, row.id),
                           replies=incoming_actions.replies(session, p, row.id))


@bp.post("/incoming/<int:incoming_id>/reply")
@login_required
def reply(incoming_id: int):
    doc = incoming_actions.reply(db(), services(), signed_in(), actor(), incoming_id)
    flash("Đã tạo dự thảo văn bản trả lời; nơi gửi có trong Nơi nhận (gửi lại qua Liên thông edXML).", "success")
    return redirect(url_for("documents.edit", doc_id=doc.id))


@bp.post("/incoming/<int:incoming_id>/cascade")
@login_required
def cascade(incoming_id: int):
    unit_ids = [int(v) for v in request.form.getlist("unit_ids") if is_id(v)]
    own = request.form.get("own") == "1"
    job = cascades.start_incoming_cascade(db(), signed_in(), actor(), incoming_id, unit_ids or None, own=own)
    jobs.enqueue_cascade(job.id)
    return redirect(url_for("followup.job", job_id=job.id))


@bp.get("/incoming/<int:incoming_id>/file")
@login_required
def file(incoming_id: int):
    row, pdf = exchange_in.pdf_of(db(), services(), signed_in(), incoming_id)
    return file_response(pdf, "application/pdf", f"{row.doc_number}.pdf", inline=True)


@bp.post("/incoming/<int:incoming_id>/status")
@login_required
def status(incoming_id: int):
    require("incoming.list")
    code = form_str(request.form, "code", 8)
    exchange_in.mark(db(), services(), signed_in(), actor(), incoming_id, code,
                     form_str(request.form, "description", 2000))
    flash(f"Đã báo trạng thái “{edxml.STATUS_CODES.get(code, code)}” cho nơi gửi.", "success")
    return redirect(url_for("exchange.show", incoming_id=incoming_id))


@bp.post("/incoming/<int:incoming_id>/answer")
@login_required
def answer(incoming_id: int):
    require("incoming.list")
    agree = request.form.get("agree") == "1"
    exchange_in.answer_business(db(), services(), signed_in(), actor(), incoming_id, agree)
    flash("Đã trả lời nơi gửi: " + ("đồng ý." if agree else "từ chối."), "success")
    return redirect(url_for("exchange.show", incoming_id=incoming_id))
