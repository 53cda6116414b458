"""Certified electronic copies of a record (sao y, trích sao) in the JSON API."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, List, String
from apiflask.validators import Length
from flask import url_for

from ...workflow import copies
from ..context import actor, db, services, signed_in
from ..downloads import file_response
from . import bp, file_answer

SECURITY = "BearerAuth"


class CopyIn(Schema):
    kind = String(required=True, validate=Length(1, 40))  # sao_y | trich_sao (checked by the workflow)
    pages = List(Integer(), load_default=list, validate=Length(max=2000))
    secret = String(load_default="", validate=Length(max=256))


def _json(copy) -> dict:
    return copies.copy_json(copy, url_for("api.copy_file", doc_id=copy.document_id, copy_id=copy.id))


@bp.post("/documents/<int:doc_id>/copies")
@bp.input(CopyIn, arg_name="body")
@bp.doc(summary="Tạo bản sao điện tử (sao y toàn bộ, hoặc trích sao các trang đã chọn) có chữ ký số của tổ chức",
        security=SECURITY)
def create_copy(doc_id: int, body):
    copy = copies.create_copy(db(), services(), signed_in(), actor(), doc_id, kind=body["kind"],
                              pages=body["pages"], secret=body["secret"])
    return _json(copy), 201


@bp.get("/documents/<int:doc_id>/copies")
@bp.doc(summary="Các bản sao điện tử của văn bản (sổ bản sao)", security=SECURITY)
def list_copies(doc_id: int):
    return {"items": [_json(c) for c in copies.list_copies(db(), signed_in(), doc_id)]}


@bp.get("/documents/<int:doc_id>/copies/<int:copy_id>/file")
@bp.doc(summary="Tải tệp PDF của bản sao (đã ký số)", security=SECURITY, responses=file_answer("PDF", "application/pdf"))
def copy_file(doc_id: int, copy_id: int):
    copy, data = copies.copy_file(db(), services(), signed_in(), doc_id, copy_id)
    return file_response(data, "application/pdf", f"ban-sao-{copy.year}-{copy.number:04d}.pdf")
