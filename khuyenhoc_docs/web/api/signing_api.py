"""Batch signing and remote signing requests in the JSON API."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, List, Nested, String
from apiflask.validators import Length, Range
from flask import jsonify

from ... import jobs
from ...errors import Conflict
from ...workflow import batch, remote_signing
from ..context import actor, db, require, services, signed_in
from . import bp

SECURITY = "BearerAuth"
# workflow.batch.MAX_BATCH, written here so that defining the schema does not import the signing
# stack into every worker (tests/test_lazy_imports.py checks that the two agree).
MAX_BATCH = 500


class BatchIn(Schema):
    document_ids = List(Integer(validate=Range(1, 2**31 - 1)), required=True, validate=Length(1, MAX_BATCH))
    secret = String(load_default="", validate=Length(0, 256),
                    metadata={"description": "Mật khẩu PKCS#12, mã PIN token, hoặc mã PIN dịch vụ ký CSC "
                                             "(không được lưu); để trống với dịch vụ xác nhận trên ứng dụng"})
    otp = String(load_default="", validate=Length(0, 256), metadata={"description": "Mã OTP (CSC), nếu cần"})


class BatchResultOut(Schema):
    document_id = Integer()
    status = String(metadata={"description": "signed | refused | failed | pending"})
    message = String()


class BatchOut(Schema):
    results = List(Nested(BatchResultOut))


class SigningRequestOut(Schema):
    signing_request_id = Integer()
    status = String(metadata={"description": "pending | signed | rejected | expired | failed"})
    message = String()
    kind = String()
    transaction_id = String()
    tran_code = String(metadata={"description": "Mã giao dịch hiển thị trên ứng dụng ký số của người ký"})
    expires_at = String()
    created_at = String()
    results = List(Nested(BatchResultOut))


def start_remote(document_ids: list[int], secret: str, otp: str):
    """Start a remote request; 202 with its id (or 200 with the refusals when nothing could start)."""
    p = signed_in()
    req, results = remote_signing.start(db(), services(), p, actor(), document_ids, secret, otp)
    body = {"results": [r.to_dict() for r in results]}
    if req is None:
        return jsonify(body)
    jobs.enqueue_remote_tick(req.id)
    # A Response object: APIFlask passes it through (the 200 schema is for local keys).
    resp = jsonify({**body, "signing_request_id": req.id, "job_id": req.id, "status": "pending",
                    "transaction_id": req.transaction_id,
                    "tran_code": req.tran_code, "expires_at": req.expires_at.isoformat()})
    resp.status_code = 202
    return resp


def start_remote_single(doc_id: int, secret: str, otp: str):
    """The one-document sign endpoint with a remote credential: 202, or the refusal as an error."""
    resp = start_remote([doc_id], secret, otp)
    if resp.status_code == 202:
        return resp
    result = resp.get_json()["results"][0]
    raise Conflict(result["message"])


@bp.post("/sign-batch")
@bp.input(BatchIn, arg_name="body")
@bp.output(BatchOut)
@bp.doc(summary="Ký nhiều văn bản một lần (một mật khẩu/PIN); kết quả từng văn bản. Với dịch vụ ký từ xa: "
                "202 và signing_request_id/job_id (một lần xác nhận cho mọi văn bản)", security=SECURITY)
def sign_batch(body):
    p = require("document.sign_batch")
    if remote_signing.uses_remote(db(), p):
        return start_remote(body["document_ids"], body["secret"], body["otp"])
    results = batch.sign_batch_local(db(), services(), p, actor(), body["document_ids"], body["secret"])
    return {"results": [r.to_dict() for r in results]}


@bp.get("/signing-requests/<int:request_id>")
@bp.output(SigningRequestOut)
@bp.doc(summary="Trạng thái yêu cầu ký từ xa: pending | signed | rejected | expired | failed", security=SECURITY)
def get_signing_request(request_id: int):
    p = signed_in()
    return remote_signing.to_dict(remote_signing.get_request(db(), p, request_id))


@bp.delete("/signing-requests/<int:request_id>")
@bp.output(SigningRequestOut)
@bp.doc(summary="Hủy yêu cầu ký từ xa đang chờ xác nhận", security=SECURITY)
def cancel_signing_request(request_id: int):
    p = signed_in()
    return remote_signing.to_dict(remote_signing.cancel(db(), p, actor(), request_id))
