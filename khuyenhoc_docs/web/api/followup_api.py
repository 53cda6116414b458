"""Follow-up in the JSON API: cascade jobs, job progress, yearly report obligations and submissions."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, File, Integer, List, Nested, String
from apiflask.validators import Length, Range

from ... import jobs
from ...db import utcnow
from ...vntime import today_vn
from ...workflow import cascade as cascades
from ...workflow import reports as yearly
from ..context import actor, db, require, services, signed_in
from . import KeySecretIn, bp

SECURITY = "BearerAuth"


class CascadeIn(Schema):
    unit_ids = List(Integer(), load_default=None, metadata={"description": "Mặc định: mọi đơn vị cấp dưới"})


class JobOut(Schema):
    id = Integer()
    kind = String()
    status = String()
    total = Integer()
    done = Integer()
    result = Dict()
    error = String()
    created_at = DateTime()
    finished_at = DateTime(allow_none=True)


class ReportsQuery(Schema):
    year = Integer(validate=Range(2000, 2100))


class ObligationOut(Schema):
    id = Integer()
    programme_id = Integer()
    unit = String(attribute="unit.name")
    unit_org_id = Integer()
    year = Integer()
    due_date = Date()
    status = String()
    submitted_at = DateTime(allow_none=True)
    late = Boolean()
    filename = String()
    signed_at = DateTime(allow_none=True)


class ObligationItem(ObligationOut):
    """ObligationOut inside a list: its own spec entry (apispec warns when a response schema is also
    registered through a Nested field first)."""


class ReportsOut(Schema):
    year = Integer()
    items = List(Nested(ObligationItem))
    totals = Dict()


class SubmissionIn(Schema):
    file = File(required=True)


@bp.post("/documents/<int:doc_id>/cascade")
@bp.input(CascadeIn, arg_name="body")
@bp.output(JobOut, status_code=202)
@bp.doc(summary="Tạo dự thảo chương trình cho các đơn vị cấp dưới (chạy nền)", security=SECURITY)
def start_cascade(doc_id: int, body):
    p = signed_in()
    job = cascades.start_cascade(db(), p, actor(), doc_id, body.get("unit_ids"))
    jobs.enqueue_cascade(job.id)
    db().expire_all()  # the job may have run meanwhile (its own session): reload on access
    return job


@bp.get("/jobs/<int:job_id>")
@bp.output(JobOut)
@bp.doc(summary="Tiến độ công việc nền", security=SECURITY)
def get_job(job_id: int):
    return cascades.get_job(db(), signed_in(), job_id)


def _obligation(o, status: str) -> dict:
    return {**{k: getattr(o, k) for k in ("id", "programme_id", "unit", "unit_org_id", "year", "due_date",
                                          "submitted_at", "late", "filename", "signed_at")},
            "status": status}


@bp.get("/reports")
@bp.input(ReportsQuery, location="query", arg_name="query")
@bp.output(ReportsOut)
@bp.doc(summary="Nghĩa vụ báo cáo năm và tình trạng (đúng hạn, muộn, chưa nộp)", security=SECURITY)
def list_reports(query):
    year = query.get("year") or today_vn().year
    now = utcnow()
    items = [_obligation(o, status) for _, rows in yearly.overview(db(), require("report.list"), year, now)
             for o, status, _ in rows]
    totals = {k: sum(1 for i in items if i["status"] == k) for k in yearly.REPORT_STATUSES}
    return {"year": year, "items": items, "totals": totals}


@bp.post("/reports/<int:obligation_id>/submission")
@bp.input(SubmissionIn, location="files", arg_name="body")
@bp.output(ObligationOut, status_code=201)
@bp.doc(summary="Nộp báo cáo năm của đơn vị (PDF hoặc DOCX)", security=SECURITY)
def submit_report(obligation_id: int, body):
    p = signed_in()
    upload = body["file"]
    o = yearly.submit_report(db(), services(), p, actor(), obligation_id, upload.filename or "", upload.read())
    return _obligation(o, yearly.obligation_status(o, utcnow()))


@bp.post("/reports/<int:obligation_id>/sign")
@bp.input(KeySecretIn, arg_name="body")
@bp.output(ObligationOut)
@bp.doc(summary="Người ký của đơn vị ký số báo cáo đã nộp (báo cáo DOCX được chuyển sang PDF rồi ký)",
        security=SECURITY)
def sign_report(obligation_id: int, body):
    p = signed_in()
    o = yearly.sign_report(db(), services(), p, actor(), obligation_id, body["secret"])
    return _obligation(o, yearly.obligation_status(o, utcnow()))


class WithdrawIn(Schema):
    reason = String(required=True, validate=Length(1, 500))


@bp.post("/reports/<int:obligation_id>/sign/withdrawal")
@bp.input(WithdrawIn, arg_name="body")
@bp.output(ObligationOut)
@bp.doc(summary="Thu hồi chữ ký số của báo cáo (kèm lý do) để có thể nộp lại tệp", security=SECURITY)
def withdraw_report_signature(obligation_id: int, body):
    p = signed_in()
    o = yearly.withdraw_signature(db(), p, actor(), obligation_id, body["reason"])
    return _obligation(o, yearly.obligation_status(o, utcnow()))
