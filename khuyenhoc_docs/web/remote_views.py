"""Browser pages for remote signing: start (one or several documents), the waiting page with the
transaction code, a countdown and Cancel, and its status for the page's script."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from .. import jobs
from ..errors import DomainError
from ..workflow import remote_signing
from .context import actor, db, services, signed_in

bp = Blueprint("remote", __name__)


def start(doc_ids: list[int], back: str):
    """Start a request from a form; on the signer's own mistakes (PIN, certificate, service down)
    go back to ``back`` with the Vietnamese message, never an error page."""
    p = signed_in()
    try:
        req, results = remote_signing.start(db(), services(), p, actor(), doc_ids,
                                            request.form.get("secret", "")[:300], request.form.get("otp", "")[:300])
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        flash(exc.message, "error")
        return redirect(back), 303
    if req is None:
        flash("; ".join(r.message for r in results) or "Không có văn bản nào để ký.", "error")
        return redirect(back), 303
    jobs.enqueue_remote_tick(req.id)
    return redirect(url_for("remote.page", request_id=req.id)), 303


@bp.get("/signing-requests/<int:request_id>")
@login_required
def page(request_id: int):
    p = signed_in()
    req = remote_signing.get_request(db(), p, request_id)
    return render_template("signing/remote.html", req=req, data=remote_signing.to_dict(req))


@bp.get("/signing-requests/<int:request_id>/status")
@login_required
def status(request_id: int):
    p = signed_in()
    return jsonify(remote_signing.to_dict(remote_signing.get_request(db(), p, request_id)))


@bp.post("/signing-requests/<int:request_id>/cancel")
@login_required
def cancel(request_id: int):
    p = signed_in()
    remote_signing.cancel(db(), p, actor(), request_id)
    flash("Đã hủy yêu cầu ký.", "success")
    return redirect(url_for("remote.page", request_id=request_id))
