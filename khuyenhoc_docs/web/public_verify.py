"""/v/<code>: the public verification page a record's QR code points to (no login)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from ..workflow import public_verify
from .context import db, services
from .extensions import csrf, limiter

bp = Blueprint("public_verify", __name__, url_prefix="/v")


def _wants_json() -> bool:
    return request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json"


@bp.route("/<code>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("60 per minute", methods=["GET"])
@csrf.exempt  # read-only for the server: nothing is stored; rate- and size-limited instead
def record(code: str):
    session = db()
    doc = public_verify.record_by_code(session, code[:20])
    result = public_verify.public_facts(session, doc)
    if request.method == "POST":
        if (request.content_length or 0) > public_verify.MAX_PUBLIC_UPLOAD + 64 * 1024:
            return _too_large()
        upload = request.files.get("file")
        result = public_verify.verify_copy(session, services(), doc, upload.read() if upload else b"")
    if _wants_json():
        return jsonify(result)
    return render_template("public/verify_record.html", r=result)


def _too_large():
    if _wants_json():
        return jsonify({"error": {"status": 413, "message": "Tệp quá lớn (tối đa 10 MB)."}}), 413
    return render_template("public/verify_record.html", r=None, error="Tệp quá lớn (tối đa 10 MB)."), 413
