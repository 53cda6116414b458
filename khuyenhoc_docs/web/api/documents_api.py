"""Documents in the JSON API: templates, drafts, versions, files, submit/withdraw, sign/decline, verify."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, File, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import Response
from sqlalchemy import Row

from ...drafting.templates import TemplateKind
from ...models import STATUSES
from ...workflow import documents, drafting, remote_signing, sealing, signing, submission, template_store
from ..context import actor, db, require, services, signed_in
from ..downloads import file_response
from . import bp, file_answer, json_answer, signing_api

SECURITY = "BearerAuth"


class TemplateOut(Schema):
    id = Integer()
    kind = String()
    name = String()
    version = Integer()
    placeholders = List(String())


class TemplatesOut(Schema):
    items = List(Nested(TemplateOut))


class SignatureOut(Schema):
    signer = String(attribute="signer.username")
    signer_name = String(attribute="signer.full_name")
    field_name = String()
    order = Integer()
    status = String()
    signed_at = DateTime(allow_none=True)
    reason = String()


class SealOut(Schema):
    organisation = String(attribute="organisation.name")
    role = String()
    clerk = String(attribute="clerk.username")
    subject = String()
    sealed_at = DateTime()


class DocumentOut(Schema):
    id = Integer()
    kind = String()
    title = String()
    status = String()
    doc_number = String(allow_none=True)
    record_code = String(allow_none=True, metadata={"description": "Mã tra cứu công khai (QR ở chân trang 1, /v/<mã>)"})
    issue_date = Date(allow_none=True)
    current_version = Integer()
    routing = String()
    lead_org = String(attribute="lead_org.name")
    partner_org = String(attribute="partner_org.name")
    parent_id = Integer(allow_none=True)
    origin = String()  # "system" | "imported" | "digitised"
    created_at = DateTime()
    updated_at = DateTime()


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


# documents.LIST_COLUMNS in order (a listed row has the total after them): a row unpacks ~3x faster
# than its values are read by name.
_ROW_KEYS = ("id", "kind", "title", "status", "doc_number", "record_code", "issue_date", "current_version", "routing",
             "lead_org_id", "partner_org_id", "parent_id", "origin", "created_at", "updated_at", "lead_org",
             "partner_org")
if tuple(column.key for column in documents.LIST_COLUMNS) != _ROW_KEYS:
    raise RuntimeError("documents.LIST_COLUMNS changed: update document_item")


def document_item(row: Row[Any]) -> dict[str, Any]:
    """A listed document (a row of ``documents.LIST_COLUMNS``) as ``DocumentOut`` dumps the document:
    marshmallow walked 15 fields per item through attribute lookups. Same keys and values
    (tests/test_list_output.py compares them); ``DocumentOut`` stays the list's OpenAPI schema."""
    (id_, kind, title, status, doc_number, record_code, issue_date, current_version, routing, _lead_id, _partner_id,
     parent_id, origin, created_at, updated_at, lead_org, partner_org, *_) = row
    return {"id": id_, "kind": kind, "title": title, "status": status, "doc_number": doc_number,
            "record_code": record_code, "issue_date": _iso(issue_date), "current_version": current_version,
            "routing": routing, "lead_org": lead_org, "partner_org": partner_org, "parent_id": parent_id,
            "origin": origin, "created_at": _iso(created_at), "updated_at": _iso(updated_at)}


class DocumentDetailOut(DocumentOut):
    fields = Dict()  # type: ignore[assignment]  # the JSON name; marshmallow keeps its own .fields
    basis_incoming_id = Integer(allow_none=True, metadata={"description": "Văn bản đến mà văn bản này triển khai"})
    answers_incoming_id = Integer(allow_none=True, metadata={"description": "Văn bản đến mà văn bản này trả lời"})
    signatures = List(Nested(SignatureOut))
    seals = List(Nested(SealOut))


class DocumentListOut(Schema):
    items = List(Nested(DocumentOut))
    total = Integer()
    page = Integer()
    per_page = Integer()


class DocumentListQuery(Schema):
    status = String(validate=OneOf(STATUSES))
    page = Integer(load_default=1, validate=Range(1, 100_000))
    per_page = Integer(load_default=20, validate=Range(1, 100))


class DocumentIn(Schema):
    kind = String(required=True, validate=OneOf([k.value for k in TemplateKind]))
    fields = Dict(required=True)  # type: ignore[assignment]  # the JSON name; marshmallow keeps its own .fields
    partner_org_id = Integer(allow_none=True, validate=Range(1, 2**31 - 1))
    routing = String(load_default="any", validate=OneOf(["any", "sequential"]))
    recipient_ids = List(Integer(validate=Range(1, 2**31 - 1)), validate=Length(max=200), metadata={
        "description": "Nơi nhận chọn từ danh bạ của đơn vị (hoặc danh sách dùng chung), liên kết theo id"})
    recipient_list_ids = List(Integer(validate=Range(1, 2**31 - 1)), validate=Length(max=50))


class DocumentPatch(Schema):
    fields = Dict(required=True)  # type: ignore[assignment]  # the JSON name; marshmallow keeps its own .fields
    version = Integer(allow_none=True, metadata={"description": "Phiên bản đang sửa (kiểm tra xung đột)"})
    routing = String(validate=OneOf(["any", "sequential"]))
    recipient_ids = List(Integer(validate=Range(1, 2**31 - 1)), validate=Length(max=200))
    recipient_list_ids = List(Integer(validate=Range(1, 2**31 - 1)), validate=Length(max=50))


class VersionOut(Schema):
    number = Integer()
    stage = String()
    note = String()
    created_by = String(attribute="created_by.username")
    created_at = DateTime()
    docx_sha256 = String(attribute="docx_object.sha256")
    pdf_sha256 = String(attribute="pdf_object.sha256")


class VersionsOut(Schema):
    items = List(Nested(VersionOut))


class FileQuery(Schema):
    format = String(load_default="pdf", validate=OneOf(["pdf", "docx"]))
    version = Integer(validate=Range(1, 100_000))


class ReasonIn(Schema):
    reason = String(required=True, validate=Length(1, 2000))


class SecretIn(Schema):
    secret = String(load_default="", validate=Length(0, 256),
                    metadata={"description": "Mật khẩu PKCS#12, mã PIN token hoặc PIN dịch vụ ký CSC (không được "
                                             "lưu); để trống với dịch vụ xác nhận trên ứng dụng"})
    otp = String(load_default="", validate=Length(0, 256), metadata={"description": "Mã OTP (CSC), nếu cần"})


class RerunQuery(Schema):
    rerun = Boolean(load_default=False)
    at = String(validate=Length(max=40), metadata={
        "description": "Thời điểm kiểm tra (quá khứ hoặc tương lai), ví dụ 2031-01-01 hoặc 2031-01-01T08:00:00+07:00"})
    version = Integer(validate=Range(1, 100_000), metadata={"description": "Kiểm tra PDF của một phiên bản đã lưu"})


class UploadIn(Schema):
    file = File(required=True)


@bp.get("/templates")
@bp.output(TemplatesOut)
@bp.doc(summary="Danh sách mẫu văn bản (phiên bản mới nhất)", security=SECURITY)
def list_templates():
    require("template.list")
    return {"items": template_store.latest_versions(db())}


@bp.get("/documents")
@bp.input(DocumentListQuery, location="query", arg_name="query")
@bp.output(DocumentListOut)
@bp.doc(summary="Danh sách văn bản (lọc theo trạng thái, phân trang)", security=SECURITY)
def list_documents(query):
    listing = documents.list_documents(db(), signed_in(), status=query.get("status"), page=query["page"],
                                       per_page=query["per_page"], order="created")
    # A ready response skips apiflask's marshmallow dump (same JSON, see document_item).
    return json_answer({"items": [document_item(d) for d in listing.items], "total": listing.total,
                        "page": listing.page, "per_page": listing.per_page})


@bp.post("/documents")
@bp.input(DocumentIn, arg_name="body")
@bp.output(DocumentDetailOut, status_code=201)
@bp.doc(summary="Tạo dự thảo từ mẫu và dữ liệu", security=SECURITY)
def create_document(body):
    p = require("document.create")
    return drafting.create_draft(db(), services(), p, actor(), kind=body["kind"], data=body["fields"],
                                 partner_org_id=body.get("partner_org_id"), routing=body["routing"],
                                 recipient_ids=body.get("recipient_ids"),
                                 recipient_list_ids=body.get("recipient_list_ids"))


@bp.get("/documents/<int:doc_id>")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Chi tiết văn bản", security=SECURITY)
def get_document(doc_id: int):
    return documents.open_document(db(), signed_in(), actor(), doc_id, via="api")


@bp.patch("/documents/<int:doc_id>")
@bp.input(DocumentPatch, arg_name="body")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Sửa dự thảo (tạo phiên bản mới)", security=SECURITY)
def patch_document(doc_id: int, body):
    p = signed_in()
    return drafting.update_draft(db(), services(), p, actor(), doc_id, data=body["fields"],
                                 expected_version=body.get("version"), routing=body.get("routing"),
                                 recipient_ids=body.get("recipient_ids"),
                                 recipient_list_ids=body.get("recipient_list_ids"))


@bp.get("/documents/<int:doc_id>/versions")
@bp.output(VersionsOut)
@bp.doc(summary="Các phiên bản của văn bản", security=SECURITY)
def list_versions(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id)
    return {"items": documents.versions(session, doc)}


@bp.get("/documents/<int:doc_id>/file")
@bp.input(FileQuery, location="query", arg_name="query")
@bp.doc(summary="Tải tệp DOCX/PDF (mặc định: PDF hiện hành, có chữ ký)", security=SECURITY,
        responses=file_answer("Tệp", "application/pdf"))
def document_file(doc_id: int, query):
    data, mimetype, name = documents.fetch_file(db(), services(), signed_in(), actor(), doc_id, query["format"],
                                                query.get("version"), via="api")
    return file_response(data, mimetype, name)


@bp.post("/documents/<int:doc_id>/submit")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Trình ký: tạo mọi ô chữ ký và ô số, ngày (chưa cấp số)", security=SECURITY)
def submit_document(doc_id: int):
    p = signed_in()
    return submission.submit(db(), services(), p, actor(), doc_id)


@bp.post("/documents/<int:doc_id>/withdraw")
@bp.input(ReasonIn, arg_name="body")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Thu hồi văn bản (số văn bản thành số hủy)", security=SECURITY)
def withdraw_document(doc_id: int, body):
    p = signed_in()
    return submission.withdraw(db(), services(), p, actor(), doc_id, body["reason"])


@bp.post("/documents/<int:doc_id>/sign")
@bp.input(SecretIn, arg_name="body")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Ký số (PAdES B-LT) ô chữ ký của người ký hiện tại; với dịch vụ ký từ xa: 202 và "
                "signing_request_id (xem /signing-requests/{id})", security=SECURITY,
        responses={202: "Đã gửi yêu cầu ký tới dịch vụ ký số từ xa"})
def sign_document(doc_id: int, body):
    p = signed_in()
    if remote_signing.uses_remote(db(), p):
        signing.signable(db(), p, doc_id)
        return signing_api.start_remote_single(doc_id, body["secret"], body["otp"])
    return signing.sign(db(), services(), p, actor(), doc_id, body["secret"])


@bp.post("/documents/<int:doc_id>/seal")
@bp.input(SecretIn, arg_name="body")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Văn thư đóng dấu (chữ ký số của cơ quan, tổ chức); cơ quan chủ trì cấp số và ngày ban hành",
        security=SECURITY)
def seal_document(doc_id: int, body):
    p = signed_in()
    return sealing.seal(db(), services(), p, actor(), doc_id, body["secret"])


@bp.post("/documents/<int:doc_id>/decline")
@bp.input(ReasonIn, arg_name="body")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Từ chối ký (bắt buộc lý do)", security=SECURITY)
def decline_document(doc_id: int, body):
    p = signed_in()
    return signing.decline(db(), services(), p, actor(), doc_id, body["reason"])


@bp.get("/documents/<int:doc_id>/verification")
@bp.input(RerunQuery, location="query", arg_name="query")
@bp.doc(summary="Báo cáo kiểm tra chữ ký của PDF hiện hành", security=SECURITY)
def document_verification(doc_id: int, query):
    p = signed_in()
    return signing.verification(db(), services(), p, actor(), doc_id, rerun=query["rerun"],
                                version=query.get("version"), at=signing.parse_validation_time(query.get("at")))


@bp.post("/verify")
@bp.input(UploadIn, location="files", arg_name="body")
@bp.doc(summary="Kiểm tra chữ ký của một tệp PDF tải lên (không lưu) và đối chiếu với kho lưu trữ (archive_match)",
        security=SECURITY)
def verify_pdf(body):
    require("verify.upload")
    return signing.verify_against_archive(db(), services(), body["file"].read())


@bp.get("/trust/roots")
@bp.doc(summary="Chứng thư gốc tin cậy (PEM), để nhập vào trình đọc PDF", security=SECURITY,
        responses=file_answer("PEM", "application/x-pem-file"))
def trust_roots():
    from cryptography.hazmat.primitives import serialization

    signed_in()
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in services().trust_roots)
    return Response(pem, mimetype="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="trust-roots.pem"'})

