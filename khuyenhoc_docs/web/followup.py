"""Browser pages for follow-up: cascade to units with progress, the unit tree, the yearly report dashboard."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import jobs
from ..errors import ValidationFailed
from ..vntime import today_vn
from ..workflow import cascade as cascades
from ..workflow import documents
from ..workflow import reports as yearly
from .context import actor, db, require, services, signed_in
from .downloads import file_response
from .forms import form_int, is_id

bp = Blueprint("followup", __name__)

def _report_labels() -> dict[str, str]:
    return {yearly.ON_TIME: "Đúng hạn", yearly.LATE: "Nộp muộn", yearly.MISSING: "Chưa nộp (quá hạn)",
            yearly.PENDING: "Chưa đến hạn"}


@bp.get("/documents/<int:doc_id>/units")
@login_required
def tree(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id)
    return render_template("followup/tree.html", doc=doc, rows=cascades.cascade_tree(session, doc))


@bp.post("/documents/<int:doc_id>/cascade")
@login_required
def cascade(doc_id: int):
    p = signed_in()
    unit_ids = [int(v) for v in request.form.getlist("unit_ids") if is_id(v)]
    job = cascades.start_cascade(db(), p, actor(), doc_id, unit_ids or None)
    jobs.enqueue_cascade(job.id)
    return redirect(url_for("followup.job", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    p = signed_in()
    session = db()
    row = cascades.get_job(session, p, job_id)
    return render_template("followup/job.html", job=row, doc_id=row.params.get("document_id"))


@bp.get("/reports/<int:obligation_id>/template.docx")
@login_required
def report_template(obligation_id: int):
    p = signed_in()
    data, name = yearly.report_template(db(), p, obligation_id, today_vn())
    return file_response(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", name)


@bp.post("/reports/<int:obligation_id>/sign")
@login_required
def sign_report(obligation_id: int):
    p = signed_in()
    o = yearly.sign_report(db(), services(), p, actor(), obligation_id, request.form.get("secret", "")[:300])
    flash("Đã ký số báo cáo.", "success")
    return redirect(url_for("followup.reports", year=o.year))


@bp.post("/reports/<int:obligation_id>/sign/withdrawal")
@login_required
def withdraw_report_signature(obligation_id: int):
    p = signed_in()
    o = yearly.withdraw_signature(db(), p, actor(), obligation_id, request.form.get("reason", "")[:600])
    flash("Đã thu hồi chữ ký số của báo cáo; đơn vị có thể nộp lại tệp.", "success")
    return redirect(url_for("followup.reports", year=o.year))


@bp.route("/reports", methods=["GET", "POST"])
@login_required
def reports():
    p = require("report.list")
    session = db()
    year = form_int(request.values, "year") or today_vn().year
    errors: dict[int, str] = {}
    if request.method == "POST":
        upload = request.files.get("file")
        obligation_id = form_int(request.form, "obligation_id") or 0
        data = upload.read() if upload else b""
        try:
            yearly.submit_report(session, services(), p, actor(), obligation_id, upload.filename if upload else "", data)
        except ValidationFailed as exc:
            # The dashboard comes back with the message beside the unit's file field.
            session.rollback()
            errors[obligation_id] = exc.message
            flash("Chưa nộp được báo cáo; xem lý do cạnh ô chọn tệp.", "error")
        else:
            flash("Đã nộp báo cáo.", "success")
            if (reason := yearly.unconvertible_reason(data)) is not None:
                flash(f"Lưu ý: người ký sẽ không ký được tệp DOCX này. {reason} Hãy bỏ liên kết đó rồi nộp lại, "
                      "hoặc nộp bản PDF.", "error")
            return redirect(url_for("followup.reports", year=year))
    programmes = [(doc, rows, {k: sum(1 for _, s, _ in rows if s == k) for k in _report_labels()})
                  for doc, rows in yearly.overview(session, p, year)]
    return render_template("followup/reports.html", programmes=programmes, year=year, labels=_report_labels(),
                           errors=errors), 422 if errors else 200


@bp.get("/reports/<int:obligation_id>/file")
@login_required
def report_file(obligation_id: int):
    p = signed_in()
    data, mimetype, name = yearly.report_file(db(), services(), p, obligation_id)
    return file_response(data, mimetype, name, inline=mimetype == "application/pdf")


@bp.get("/reports/<int:obligation_id>/report.pdf")
@login_required
def report_pdf(obligation_id: int):
    p = signed_in()
    data, name = yearly.report_pdf(db(), services(), p, obligation_id)
    return file_response(data, "application/pdf", name, inline=True)
