"""Archive endpoints: a document's audit trail and its evidence package."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Dict, Integer, List, Nested, String

from ...workflow import documents
from ..context import actor, db, services, signed_in
from ..downloads import file_response
from . import bp, file_answer

SECURITY = "BearerAuth"


class AuditEventOut(Schema):
    id = Integer()
    at = DateTime()
    actor = String(attribute="actor_name")
    ip = String()
    action = String()
    details = Dict()
    hash = String()
    prev_hash = String()


class AuditOut(Schema):
    items = List(Nested(AuditEventOut))


@bp.get("/documents/<int:doc_id>/audit")
@bp.output(AuditOut)
@bp.doc(summary="Nhật ký xử lý của văn bản (chuỗi băm)", security=SECURITY)
def document_audit(doc_id: int):
    return {"items": documents.audit_trail(db(), signed_in(), doc_id)}


@bp.get("/documents/<int:doc_id>/evidence.zip")
@bp.doc(summary="Gói chứng cứ: PDF đã ký, báo cáo kiểm tra, nhật ký, bảng băm SHA-256", security=SECURITY,
        responses=file_answer("ZIP", "application/zip"))
def evidence(doc_id: int):
    data, name = documents.export_evidence(db(), services(), signed_in(), actor(), doc_id)
    return file_response(data, "application/zip", name)

