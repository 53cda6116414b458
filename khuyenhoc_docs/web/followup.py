"""Browser pages for follow-up: cascade to units with progress, the unit tree, the yearly report dashboard."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import jobs
from ..db import utcnow
from ..errors import NotFound
from ..models import BackgroundJob
from ..workflow import followup
from ..workflow.drafting import get_document
from ..workflow.submission import today_vn
from .context import actor, db, require, services
from .downloads import file_response
from .forms import form_int, is_id

bp = Blueprint("followup", __name__)

REPORT_LABELS = {"on_time": "Đúng hạn", "late": "Nộp muộn", "missing": "Chưa nộp (quá hạn)", "pending": "Chưa đến hạn"}


@bp.get("/documents/<int:doc_id>/units")
@login_required
def tree(doc_id: int):
    p = require("document.list")
    session = db()
    doc = get_document(session, p, doc_id)
    return render_template("followup/tree.html", doc=doc, rows=followup.cascade_tree(session, doc))


@bp.post("/documents/<int:doc_id>/cascade")
@login_required
def cascade(doc_id: int):
    p = require("document.list")
    unit_ids = [int(v) for v in request.form.getlist("unit_ids") if is_id(v)]
    job = followup.start_cascade(db(), p, actor(), doc_id, unit_ids or None)
    jobs.enqueue_cascade(job.id)
    return redirect(url_for("followup.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    p = require("document.list")
    session = db()
    row = session.get(BackgroundJob, job_id)
    if row is None or (row.created_by_id != p.user.id and not p.has("admin")):
        raise NotFound("Không tìm thấy công việc.")
    return render_template("followup/job.html", job=row, doc_id=row.params.get("document_id"))


@bp.get("/reports/<int:obligation_id>/template.docx")
@login_required
def report_template(obligation_id: int):
    p = require("document.list")
    data, name = followup.report_template(db(), p, obligation_id, today_vn())
    return file_response(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", name)


@bp.post("/reports/<int:obligation_id>/sign")
@login_required
def sign_report(obligation_id: int):
    p = require("document.list")
    o = followup.sign_report(db(), services(), p, actor(), obligation_id, request.form.get("secret", "")[:300])
    flash("Đã ký số báo cáo.", "success")
    return redirect(url_for("followup.reports", year=o.year))


@bp.route("/reports", methods=["GET", "POST"])
@login_required
def reports():
    p = require("document.list")
    session = db()
    year = form_int(request.values, "year") or today_vn().year
    if request.method == "POST":
        upload = request.files.get("file")
        followup.submit_report(session, services(), p, actor(), form_int(request.form, "obligation_id") or 0,
                               upload.filename if upload else "", upload.read() if upload else b"")
        flash("Đã nộp báo cáo.", "success")
        return redirect(url_for("followup.reports", year=year))
    now = utcnow()
    programmes = []
    for doc, visible in followup.programmes_with_reports(session, p):
        rows = [(o, followup.obligation_status(o, now)) for o in followup.ensure_obligations(session, doc, year)
                if visible is None or o.unit_org_id in visible]
        if rows:
            totals = {k: sum(1 for _, s in rows if s == k) for k in REPORT_LABELS}
            programmes.append((doc, rows, totals))
    session.commit()
    return render_template("followup/reports.html", programmes=programmes, year=year, labels=REPORT_LABELS,
                           my_org=p.user.organisation_id)
