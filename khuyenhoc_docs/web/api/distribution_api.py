"""Issuing in the JSON API: issue, dispatches, resend, and the outgoing register."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from ... import jobs
from ...access import Principal
from ...models import CHANNELS, ENTRY_STATUSES, QUEUED, Dispatch
from ...vntime import today_vn
from ...workflow import distribution
from ..context import actor, db, require, services, signed_in
from ..downloads import register_download
from . import bp, file_answer

SECURITY = "BearerAuth"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class IssueIn(Schema):
    channels = Dict(keys=String(), values=String(validate=OneOf(CHANNELS)), load_default=dict,
                    metadata={"description": "recipient_id → email | link | paper | edxml "
                                             "(mặc định: edxml nếu có mã định danh, rồi email nếu có)"})
    secret = String(load_default="", validate=Length(max=256),
                    metadata={"description": "mật khẩu chứng thư số của cơ quan chủ trì (khi gửi liên thông edXML)"})


class DispatchOut(Schema):
    id = Integer()
    recipient_id = Integer()
    recipient = String(attribute="recipient.name")
    email = String(attribute="recipient.email")
    channel = String()
    status = String()
    attempts = Integer()
    last_error = String()
    queued_at = DateTime()
    sent_at = DateTime(allow_none=True)
    first_download_at = DateTime(allow_none=True)
    acknowledged_at = DateTime(allow_none=True)
    exchange_status = String(metadata={"description": "mã trạng thái edXML nơi nhận báo về gần nhất"})


class DispatchItem(DispatchOut):
    """DispatchOut inside a list: its own spec entry (apispec warns when a response schema is also
    registered through a Nested field first)."""


class DispatchesOut(Schema):
    items = List(Nested(DispatchItem))


class RegisterQuery(Schema):
    year = Integer(validate=Range(2000, 2100))
    format = String(load_default="json", validate=OneOf(["json", "xlsx", "csv"]))
    status = String(validate=OneOf(ENTRY_STATUSES))


class RegisterRowOut(Schema):
    doc_number = String()
    issue_date = Date()
    type_and_summary = String()
    signers = List(String())
    recipients = List(String())
    archive_unit = String()
    copies = Integer()
    dispatched_date = Date(allow_none=True)
    acknowledged = String()
    notes = String()


class RegisterOut(Schema):
    year = Integer()
    items = List(Nested(RegisterRowOut))


def _dispatches(p: Principal, doc_id: int) -> list[Dispatch]:
    return distribution.dispatches(db(), services(), p, doc_id)[1]


@bp.post("/documents/<int:doc_id>/issue")
@bp.input(IssueIn, arg_name="body")
@bp.output(DispatchesOut, status_code=201)
@bp.doc(summary="Phát hành văn bản đã ký tới các nơi nhận", security=SECURITY)
def issue_document(doc_id: int, body):
    p = signed_in()
    try:
        channels = {int(k): v for k, v in body["channels"].items()}
    except ValueError:
        channels = {-1: "email"}  # reported by issue() as an unknown recipient
    created = distribution.issue(db(), services(), p, actor(), doc_id, channels, body["secret"])
    jobs.enqueue_deliveries([d.id for d in created if d.status == QUEUED])
    return {"items": _dispatches(p, doc_id)}


@bp.get("/documents/<int:doc_id>/dispatches")
@bp.output(DispatchesOut)
@bp.doc(summary="Các lượt gửi của văn bản và trạng thái", security=SECURITY)
def list_dispatches(doc_id: int):
    return {"items": _dispatches(signed_in(), doc_id)}


@bp.post("/dispatches/<int:dispatch_id>/resend")
@bp.output(DispatchOut)
@bp.doc(summary="Gửi lại tới một nơi nhận", security=SECURITY)
def resend_dispatch(dispatch_id: int):
    p = signed_in()
    d = distribution.resend(db(), p, actor(), dispatch_id)
    jobs.enqueue_deliveries([d.id])
    db().expire_all()  # delivery commits in its own session: reload on access
    return d


@bp.get("/register")
@bp.input(RegisterQuery, location="query", arg_name="query")
@bp.doc(summary="Sổ đăng ký văn bản đi theo năm (json, xlsx, csv)", security=SECURITY,
        responses=file_answer("Sổ", "application/json", "text/csv", XLSX))
def register(query):
    p = require("register.view")
    year = query.get("year") or today_vn().year
    if query["format"] != "json":
        return register_download(*distribution.export_register(db(), p, actor(), year, query["format"],
                                                               status=query.get("status")))
    rows = distribution.register(db(), p, year, status=query.get("status"))
    return RegisterOut().dump({"year": year, "items": rows})
