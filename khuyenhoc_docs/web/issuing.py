"""Browser pages for issuing: dispatches of a document, the recipient directory, the outgoing register."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import edxml, jobs, recipients
from ..errors import ValidationFailed
from ..models import CHANNELS, ENTRY_STATUSES, QUEUED
from ..vntime import today_vn
from ..workflow import distribution, exchange_out
from .context import actor, db, require, services, signed_in
from .downloads import register_download
from .forms import form_int, form_str, is_id
from .messages import message_for

bp = Blueprint("issuing", __name__)

CHANNEL_LABELS = {"email": "Thư điện tử (kèm PDF)", "link": "Liên kết tải về", "paper": "Bản giấy",
                  "edxml": "Liên thông (edXML)"}


@bp.get("/documents/<int:doc_id>/dispatches")
@login_required
def dispatches(doc_id: int):
    doc, rows, chosen, links = distribution.dispatches(db(), services(), signed_in(), doc_id)
    return render_template("issuing/dispatches.html", doc=doc, rows=rows, chosen=chosen, channels=CHANNEL_LABELS,
                           links=links,
                           status_codes=edxml.STATUS_CODES, exchange=exchange_out.statuses_by_dispatch(db(), rows))


@bp.post("/documents/<int:doc_id>/issue")
@login_required
def issue(doc_id: int):
    p = signed_in()
    channels = {}
    for key, value in request.form.items():
        if key.startswith("channel_") and is_id(key[8:]) and value in CHANNELS:
            channels[int(key[8:])] = value
    created = distribution.issue(db(), services(), p, actor(), doc_id, channels,
                                 form_str(request.form, "secret", 256))
    jobs.enqueue_deliveries([d.id for d in created if d.status == QUEUED])
    if created:
        flash(f"Đã phát hành tới {len(created)} nơi nhận; thư đang được gửi.", "success")
    else:
        flash("Không còn nơi nhận nào chưa được gửi; dùng “Gửi lại” cho nơi nhận cần gửi lại.", "info")
    return redirect(url_for("issuing.dispatches", doc_id=doc_id))


@bp.post("/dispatches/<int:dispatch_id>/resend")
@login_required
def resend(dispatch_id: int):
    p = signed_in()
    d = distribution.resend(db(), p, actor(), dispatch_id)
    jobs.enqueue_deliveries([d.id])
    flash(f"Đã gửi lại tới {d.recipient.name}.", "success")
    return redirect(url_for("issuing.dispatches", doc_id=d.document_id))


@bp.post("/documents/<int:doc_id>/resend")
@login_required
def resend_all(doc_id: int):
    p = signed_in()
    rows = distribution.resend_unacknowledged(db(), p, actor(), doc_id)
    jobs.enqueue_deliveries([d.id for d in rows])
    flash(f"Đã gửi lại tới {len(rows)} nơi nhận chưa xác nhận.", "success")
    return redirect(url_for("issuing.dispatches", doc_id=doc_id))


@bp.route("/recipients", methods=["GET", "POST"])
@login_required
def directory():
    # A clerk writes to their organisation's directory; an admin keeps the shared (read-only) list.
    p = require("recipients.manage")
    session = db()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.form.get("action") == "list":
                ids = [int(v) for v in request.form.getlist("recipient_ids") if is_id(v)]
                lst = distribution.add_recipient_list(session, p, form_str(request.form, "list_name"), ids)
                message = f"Đã tạo danh sách “{lst.name}”."
            else:
                rec = distribution.add_recipient(session, p, recipients.NewRecipient(
                    name=form_str(request.form, "name"), email=form_str(request.form, "email"),
                    postal_address=form_str(request.form, "postal_address", 500),
                    code=form_str(request.form, "code", 20)))
                message = f"Đã thêm “{rec.name}” vào danh bạ."
            flash(message, "success")
            return redirect(url_for("issuing.directory"))
        except ValidationFailed as exc:
            flash(message_for(exc), "error")
            errors = exc.fields
    rows, lists, owner = distribution.recipient_directory(session, p)
    return render_template("issuing/recipients.html", rows=rows, lists=lists, errors=errors,
                           owner=owner), 422 if errors else 200


@bp.get("/register")
@login_required
def register_page():
    p = require("register.view")
    year = form_int(request.args, "year") or today_vn().year
    status = request.args.get("status") if request.args.get("status") in ENTRY_STATUSES else None
    query = (request.args.get("q") or "").strip()[:200]
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return register_download(*distribution.export_register(db(), p, actor(), year, fmt, status=status,
                                                               query=query))
    rows = distribution.register(db(), p, year, status=status, query=query)
    return render_template("issuing/register.html", rows=rows, year=year, status=status or "", q=query)
