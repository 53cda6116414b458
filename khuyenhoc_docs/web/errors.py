"""Error answers: JSON under /api, a Vietnamese page elsewhere. Nothing leaks a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..conversion.base import ConversionError, ConversionTimeout, ConverterUnavailable, InvalidDocument
from ..errors import DomainError
from ..storage.base import ObjectCorrupted, StoreUnavailable
from .messages import message_for

log = logging.getLogger(__name__)

MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Bạn cần đăng nhập.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc văn bản yêu cầu.",
    405: "Phương thức không được hỗ trợ.",
    409: "Dữ liệu đã thay đổi hoặc xung đột; vui lòng tải lại trang.",
    413: "Tệp hoặc dữ liệu gửi lên quá lớn.",
    415: "Định dạng dữ liệu không được hỗ trợ.",
    422: "Dữ liệu không hợp lệ.",
    429: "Quá nhiều yêu cầu. Vui lòng thử lại sau.",
    500: "Lỗi hệ thống. Vui lòng thử lại hoặc liên hệ quản trị viên.",
    503: "Dịch vụ tạm thời không sẵn sàng. Vui lòng thử lại sau.",
}

NAMELESS_PART = ("Dữ liệu gửi lên không hợp lệ: có phần dữ liệu (multipart) không có tên trường. "
                 "Mỗi trường và mỗi tệp phải có tên.")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(status: int, message: str | None = None, fields: dict | None = None):
    """Build the error response for this request."""
    message = message or MESSAGES.get(status, MESSAGES[400 if status < 500 else 500])
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        if fields:
            body["error"]["fields"] = fields
        resp = jsonify(body)
        resp.status_code = status
        if status == 401:
            resp.headers["WWW-Authenticate"] = 'Bearer realm="khuyenhoc_docs"'
        return resp
    return render_template("error.html", status=status, message=message, fields=fields or {}), status


def refuse_nameless_parts():
    """RFC 7578 names every multipart part. Werkzeug files a part without a usable name (none given,
    or a raw line break in it, which cuts the header) under the key None; code that reads field names
    then fails (a validation answer lists None next to str keys, and JSON cannot sort them), so such
    a body is refused before any view or input schema sees it."""
    if request.mimetype == "multipart/form-data" and (None in request.form or None in request.files):
        return respond(400, NAMELESS_PART)
    return None


def register(app: Flask) -> None:
    """Install the handlers on the app (and the check that turns away nameless multipart parts)."""
    register_api_errors(app)
    # First of all checks: Flask-WTF's CSRF check, also a before_request, reads every field name.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_nameless_parts)

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return respond(exc.status, message_for(exc), exc.fields)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return respond(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ (CSRF). Vui lòng tải lại trang.")

    @app.errorhandler(StoreUnavailable)
    def _store_down(exc: StoreUnavailable):
        log.error("object store unavailable: %s", exc)
        return respond(503, "Kho lưu trữ tạm thời không truy cập được. Không có dữ liệu nào bị ghi dở; vui lòng thử lại sau.")

    @app.errorhandler(ObjectCorrupted)
    def _corrupted(exc: ObjectCorrupted):
        log.error("object integrity failure: %s", exc)
        return respond(500, "Tệp lưu trữ không khớp mã băm SHA-256 đã ghi; tệp không được trả về. Đã ghi nhận lỗi.")

    @app.errorhandler(ConverterUnavailable)
    def _converter_down(exc: ConverterUnavailable):
        return respond(503, "Bộ chuyển đổi DOCX → PDF tạm thời không sẵn sàng. Vui lòng thử lại sau.")

    @app.errorhandler(ConversionTimeout)
    def _converter_timeout(exc: ConversionTimeout):
        return respond(503, "Chuyển đổi DOCX → PDF quá thời gian cho phép. Vui lòng thử lại.")

    @app.errorhandler(InvalidDocument)
    def _invalid_doc(exc: InvalidDocument):
        return respond(422, "Tệp DOCX không hợp lệ hoặc bị hỏng.")

    @app.errorhandler(ConversionError)
    def _conversion(exc: ConversionError):
        log.error("conversion failed: %s", exc)
        return respond(502, "Chuyển đổi DOCX → PDF thất bại.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        description = getattr(exc, "description", None)
        # Rate-limit and other extension messages are already Vietnamese where we set them.
        message = description if status == 429 and description and "Bạn" in str(description) else None
        return respond(status, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return respond(500)


def register_api_errors(app) -> None:
    """APIFlask raises its own HTTPError for input validation; give it our JSON shape."""

    @app.error_processor
    def _apiflask_error(error):
        status = error.status_code
        body = {"error": {"status": status, "message": MESSAGES.get(status, MESSAGES[400])}}
        if error.detail:
            body["error"]["fields"] = error.detail
        return body, status, error.headers
