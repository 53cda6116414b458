"""edXML exchange in the JSON API: incoming packages and statuses, the incoming register, recalls."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import request

from ... import jobs
from ...vntime import today_vn
from ...workflow import cascade as cascades
from ...workflow import exchange_in, exchange_out, incoming_actions
from ..context import actor, db, require, services, signed_in
from ..downloads import file_response
from ..errors import respond
from . import bp

SECURITY = "BearerAuth"

# workflow.exchange_in.CLERK_CODES and the keys of workflow.exchange_out.BUSINESS_KINDS, written here
# so that defining the schemas does not import the edXML and signing stacks into every worker
# (tests/test_lazy_imports.py checks that they agree).
CLERK_CODES = ["04", "05", "06"]
BUSINESS_KINDS = ["revoke", "update", "replace"]

class ReceivedOut(Schema):
    kind = String(metadata={"description": "document | status | business"})
    ids = List(Integer())


class StatusOut(Schema):
    direction = String()
    status_code = String()
    description = String()
    organ_id = String()
    staff = String()
    department = String()
    message_time = DateTime()
    delivery = String()


class IncomingOut(Schema):
    id = Integer()
    organisation_id = Integer()
    organisation = String(attribute="organisation.name")
    year = Integer()
    arrival_number = Integer()
    received_at = DateTime()
    edxml_document_id = String()
    sender_code = String()
    sender_name = String()
    doc_number = String()
    promulgation_date = Date()
    type_name = String()
    subject = String()
    signer_name = String()
    signer_position = String()
    due_date = Date(allow_none=True)
    page_amount = Integer()
    status = String()
    last_status_code = String()
    pending_business = String()
    business_reason = String()
    signatures_ok = Boolean(attribute="validation.ok")


class LinkedDocumentOut(Schema):
    id = Integer()
    doc_number = String(allow_none=True)
    title = String()
    status = String()
    lead_org_id = Integer()


class IncomingDetailOut(IncomingOut):
    statuses = List(Nested(StatusOut))
    documents = List(Nested(LinkedDocumentOut), metadata={"description": "Văn bản triển khai (Triển khai)"})
    replies = List(Nested(LinkedDocumentOut), metadata={"description": "Văn bản trả lời (Trả lời)"})


class IncomingCascadeIn(Schema):
    unit_ids = List(Integer(), load_default=None,
                    metadata={"description": "Đơn vị cấp dưới của nơi nhận; mặc định: mọi đơn vị (khi own là false)"})
    own = Boolean(load_default=False, metadata={"description": "Kèm chương trình của chính tổ chức nhận văn bản"})


class IncomingReplyIn(Schema):
    recipient_ids = List(Integer(), load_default=None,
                         metadata={"description": "Nơi nhận khác trong danh bạ, sau nơi gửi (luôn có)"})


class IncomingReplyOut(Schema):
    document_ids = List(Integer(), metadata={"description": "Dự thảo văn bản trả lời vừa tạo"})


class IncomingCascadeOut(Schema):
    job_id = Integer()
    status = String()
    document_ids = List(Integer(), metadata={"description": "Dự thảo đã tạo (đủ khi công việc đã xong; "
                                                          "nếu chưa, theo dõi GET /api/v1/jobs/{job_id})"})


class IncomingItem(IncomingOut):
    """IncomingOut inside a list: its own spec entry (apispec warns when a response schema is also
    registered through a Nested field first)."""


class IncomingListOut(Schema):
    year = Integer()
    items = List(Nested(IncomingItem))


class IncomingQuery(Schema):
    year = Integer(validate=Range(2000, 2100))
    q = String(load_default="", validate=Length(max=200))


class StatusIn(Schema):
    code = String(required=True, validate=OneOf(CLERK_CODES))
    description = String(load_default="", validate=Length(max=2000))


class AnswerIn(Schema):
    agree = Boolean(required=True)


class BusinessIn(Schema):
    kind = String(required=True, validate=OneOf(BUSINESS_KINDS))
    reason = String(required=True, validate=Length(min=1, max=2000))
    secret = String(required=True, validate=Length(min=1, max=256))


class StatusesOut(Schema):
    items = List(Nested(StatusOut))


@bp.post("/incoming/edxml")
@bp.output(ReceivedOut, status_code=201)
@bp.doc(summary="Nhận gói tin edXML (văn bản hoặc thông điệp trạng thái) từ hệ thống khác", security=SECURITY,
        description="Thân yêu cầu là gói tin XML (application/xml) theo QCVN 102:2016.")
def receive_edxml():
    p = require("exchange.receive")
    data = request.get_data(cache=False)
    if not data:
        return respond(422, "Thân yêu cầu phải là gói tin edXML.")
    got = exchange_in.receive(db(), services(), p, actor(), data)
    return {"kind": got.kind, "ids": list(got.ids)}


@bp.get("/incoming")
@bp.input(IncomingQuery, location="query", arg_name="query")
@bp.output(IncomingListOut)
@bp.doc(summary="Sổ đăng ký văn bản đến theo năm (tìm theo trích yếu, số, nơi gửi, nội dung)", security=SECURITY)
def incoming_register(query):
    year = query.get("year") or today_vn().year
    return {"year": year, "items": exchange_in.register(db(), signed_in(), year, query["q"])}


@bp.get("/incoming/<int:incoming_id>")
@bp.doc(summary="Một văn bản đến và các trạng thái đã gửi lại", security=SECURITY,
        responses={200: "Văn bản đến, kèm các trạng thái (IncomingDetailOut)"})
def incoming_detail(incoming_id: int):
    p, session = signed_in(), db()
    row = exchange_in.get_incoming(session, p, incoming_id)
    linked = LinkedDocumentOut(many=True)
    return {**IncomingOut().dump(row), "statuses": StatusOut(many=True).dump(exchange_in.statuses(session, row.id)),
            "documents": linked.dump(incoming_actions.implementing(session, p, row.id)),
            "replies": linked.dump(incoming_actions.replies(session, p, row.id))}


@bp.post("/incoming/<int:incoming_id>/reply")
@bp.input(IncomingReplyIn, arg_name="body")
@bp.output(IncomingReplyOut, status_code=201)
@bp.doc(summary="Trả lời văn bản đến: dự thảo phúc đáp gửi lại nơi gửi (Nơi nhận có nơi gửi và mã định danh)",
        security=SECURITY)
def incoming_reply(incoming_id: int, body):
    doc = incoming_actions.reply(db(), services(), signed_in(), actor(), incoming_id, body.get("recipient_ids"))
    return {"document_ids": [doc.id]}


@bp.post("/incoming/<int:incoming_id>/cascade")
@bp.input(IncomingCascadeIn, arg_name="body")
@bp.output(IncomingCascadeOut, status_code=202)
@bp.doc(summary="Triển khai văn bản đến: dự thảo chương trình cho đơn vị cấp dưới và/hoặc của chính nơi nhận, "
                "trích dẫn văn bản đến (chạy nền)", security=SECURITY)
def incoming_cascade(incoming_id: int, body):
    job = cascades.start_incoming_cascade(db(), signed_in(), actor(), incoming_id, body.get("unit_ids"),
                                          own=body["own"])
    jobs.enqueue_cascade(job.id)
    db().expire_all()  # the job may have run meanwhile (its own session): reload on access
    return {"job_id": job.id, "status": job.status, "document_ids": (job.result or {}).get("created", [])}


@bp.get("/incoming/<int:incoming_id>/file")
@bp.doc(summary="Tệp PDF của văn bản đến", security=SECURITY)
def incoming_file(incoming_id: int):
    row, pdf = exchange_in.pdf_of(db(), services(), signed_in(), incoming_id)
    return file_response(pdf, "application/pdf", f"{row.doc_number}.pdf")


@bp.post("/incoming/<int:incoming_id>/status")
@bp.input(StatusIn, arg_name="body")
@bp.output(StatusOut, status_code=201)
@bp.doc(summary="Báo trạng thái xử lý cho nơi gửi (04 phân công, 05 đang xử lý, 06 hoàn thành)", security=SECURITY)
def incoming_status(incoming_id: int, body):
    return exchange_in.mark(db(), services(), signed_in(), actor(), incoming_id, body["code"], body["description"])


@bp.post("/incoming/<int:incoming_id>/answer")
@bp.input(AnswerIn, arg_name="body")
@bp.output(IncomingOut)
@bp.doc(summary="Đồng ý (15) hoặc từ chối (16) yêu cầu thu hồi/cập nhật/thay thế của nơi gửi", security=SECURITY)
def incoming_answer(incoming_id: int, body):
    return exchange_in.answer_business(db(), services(), signed_in(), actor(), incoming_id, body["agree"])


@bp.get("/dispatches/<int:dispatch_id>/edxml")
@bp.doc(summary="Gói tin edXML đã gửi của một lượt gửi liên thông", security=SECURITY,
        responses={200: "Gói tin edXML (application/xml)"})
def dispatch_package(dispatch_id: int):
    data = exchange_out.package_of(db(), services(), signed_in(), dispatch_id)
    return file_response(data, "application/xml", f"edxml-{dispatch_id}.xml")


@bp.get("/dispatches/<int:dispatch_id>/statuses")
@bp.output(StatusesOut)
@bp.doc(summary="Trạng thái nơi nhận đã báo về cho một lượt gửi liên thông", security=SECURITY)
def dispatch_statuses(dispatch_id: int):
    exchange_out.dispatch_for(db(), signed_in(), dispatch_id)
    return {"items": exchange_out.statuses_of(db(), dispatch_id)}


@bp.post("/dispatches/<int:dispatch_id>/business")
@bp.input(BusinessIn, arg_name="body")
@bp.output(StatusesOut, status_code=202)
@bp.doc(summary="Thu hồi, cập nhật hoặc thay thế văn bản đã gửi liên thông", security=SECURITY)
def dispatch_business(dispatch_id: int, body):
    d = exchange_out.send_business(db(), services(), signed_in(), actor(), dispatch_id, body["kind"],
                                   body["reason"], body["secret"])
    jobs.enqueue_deliveries([d.id])
    return {"items": exchange_out.statuses_of(db(), dispatch_id)}
