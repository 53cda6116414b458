"""Browser pages for signing: sign and decline, the validation report, PDF upload check."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..errors import DomainError, ValidationFailed
from ..models import SEALED, SIGNED
from ..workflow import documents, remote_signing, sealing, signing
from . import remote_views
from .context import actor, db, require, services, signed_in
from .messages import message_for

bp = Blueprint("signing", __name__)


@bp.post("/documents/<int:doc_id>/sign")
@login_required
def sign(doc_id: int):
    p = signed_in()
    if remote_signing.uses_remote(db(), p):
        signing.signable(db(), p, doc_id)
        return remote_views.start([doc_id], url_for("documents.show", doc_id=doc_id))
    try:
        doc = signing.sign(db(), services(), p, actor(), doc_id, request.form.get("secret", "")[:300])
    except DomainError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise  # only the signer's own mistakes (passphrase, certificate, turn) go back to the page
        flash(message_for(exc), "error")
        return redirect(url_for("documents.show", doc_id=doc_id)), 303
    if doc.status == SIGNED:
        flash("Đã ký. Văn bản đã đủ hai chữ ký số hợp lệ; chờ văn thư cấp số và đóng dấu.", "success")
    else:
        flash("Đã ký. Văn bản đang chờ chữ ký còn lại.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/seal")
@login_required
def seal(doc_id: int):
    p = signed_in()
    try:
        doc = sealing.seal(db(), services(), p, actor(), doc_id, request.form.get("secret", "")[:300])
    except DomainError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise  # only the clerk's own mistakes (passphrase, state) go back to the page
        flash(message_for(exc), "error")
        return redirect(url_for("documents.show", doc_id=doc_id)), 303
    if doc.status == SEALED:
        flash(f"Đã đóng dấu. Văn bản số {doc.doc_number} đã đủ chữ ký số của hai cơ quan, sẵn sàng phát hành.",
              "success")
    else:
        flash(f"Đã cấp số {doc.doc_number} và đóng dấu; chờ văn thư bên phối hợp đóng dấu.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.post("/documents/<int:doc_id>/decline")
@login_required
def decline(doc_id: int):
    p = signed_in()
    signing.decline(db(), services(), p, actor(), doc_id, request.form.get("reason", "")[:2001])
    flash("Đã từ chối ký; văn bản được trả lại văn thư.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.get("/documents/<int:doc_id>/verification")
@login_required
def verification(doc_id: int):
    p = signed_in()
    session = db()
    report = signing.verification(session, services(), p, actor(), doc_id, rerun=bool(request.args.get("rerun")),
                                  at=signing.parse_validation_time(request.args.get("at", "")[:40]))
    return render_template("signing/report.html", report=report, doc=documents.get_document(session, p, doc_id))


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify_upload():
    require("verify.upload")
    if request.method == "GET":
        return render_template("signing/verify.html", report=None)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    try:
        report = signing.verify_against_archive(db(), services(), data)
    except ValidationFailed as exc:
        # The form again, the reason beside the file field (not a bare error page).
        flash("Không kiểm tra được tệp tải lên; xem lý do bên dưới.", "error")
        return render_template("signing/verify.html", report=None, error=exc.message), 422
    return render_template("signing/verify.html", report=report, filename=upload.filename if upload else "")
