"""Records from before the system in the JSON API (multipart: the file(s) and the metadata)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, File, Integer, List, String
from apiflask.validators import Length
from flask import request

from ... import legacy
from ...workflow import certify
from ..context import actor, db, require, services
from ..forms import legacy_metadata
from . import KeySecretIn, bp
from .documents_api import DocumentDetailOut

SECURITY = "BearerAuth"


class LegacyIn(Schema):
    file = File(required=True)
    doc_number = String(required=True, validate=Length(1, 120))
    issue_date = Date(required=True)
    title = String(required=True, validate=Length(1, 2000))
    doc_type = String(load_default="", validate=Length(max=120))
    organisation_ids = List(Integer(), required=True)
    signers = String(load_default="", validate=Length(max=20000))  # one per line
    recipients = String(load_default="", validate=Length(max=20000))  # one per line


def _meta():
    return legacy_metadata(request.form)


@bp.post("/legacy/imports")
@bp.input(LegacyIn, location="form_and_files", arg_name="body")
@bp.output(DocumentDetailOut, status_code=201)
@bp.doc(summary="Nhập văn bản điện tử đã ký có trước hệ thống (chữ ký được kiểm tra khi nhập)", security=SECURITY)
def import_legacy_pdf(body):
    p = require("legacy.import")
    return legacy.import_signed_pdf(db(), services(), p, actor(), _meta(), body["file"].read())


@bp.post("/legacy/digitisations")
@bp.input(LegacyIn, location="form_and_files", arg_name="body")
@bp.output(DocumentDetailOut, status_code=201)
@bp.doc(summary="Số hóa bản gốc giấy: bản quét (PDF hoặc ảnh, nhiều tệp “file”) → PDF/A có OCR tiếng Việt",
        security=SECURITY)
def digitise_legacy(body):
    p = require("legacy.import")
    scans = [f.read() for f in request.files.getlist("file") if f]
    return legacy.digitise_paper(db(), services(), p, actor(), _meta(), scans)


@bp.post("/legacy/<int:doc_id>/certification")
@bp.input(KeySecretIn, arg_name="body")
@bp.output(DocumentDetailOut)
@bp.doc(summary="Văn thư của tổ chức số hóa ký số xác nhận bản sao y (chữ ký số của cơ quan, tổ chức)",
        security=SECURITY)
def certify_legacy(doc_id: int, body):
    p = require("legacy.import")
    return certify.certify_digitised(db(), services(), p, actor(), doc_id, body["secret"])
