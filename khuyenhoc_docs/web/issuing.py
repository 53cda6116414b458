"""Browser pages for issuing: dispatches of a document, the recipient directory, the outgoing register."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from .. import audit, jobs, recipients
from ..access import can
from ..distribution.register_export import to_csv, to_xlsx
from ..errors import ValidationFailed
from ..models import CHANNELS, Dispatch
from ..register import register_rows
from ..workflow import distribution
from ..workflow.documents import get_document
from ..workflow.submission import today_vn
from .context import actor, db, require, services, signed_in
from .forms import form_int, form_str, is_id

bp = Blueprint("issuing", __name__)

CHANNEL_LABELS = {"email": "Thư điện tử (kèm PDF)", "link": "Liên kết tải về", "paper": "Bản giấy"}


@bp.get("/documents/<int:doc_id>/dispatches")
@login_required
def dispatches(doc_id: int):
    p = signed_in()
    session = db()
    doc = get_document(session, p, doc_id)
    rows = list(session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id).order_by(Dispatch.id)))
    svc = services()
    # Personal links are shown to the clerk who may hand them over (e.g. no email address on file).
    links = {d.id: distribution.ack_link(svc, d, svc.settings.base_url) for d in rows
             if d.channel == "link" and can(p, "document.hand_over_links", doc)}
    return render_template("issuing/dispatches.html", doc=doc, rows=rows, chosen=recipients.document_recipients(
        session, doc.id), channels=CHANNEL_LABELS, links=links)


@bp.post("/documents/<int:doc_id>/issue")
@login_required
def issue(doc_id: int):
    p = signed_in()
    channels = {}
    for key, value in request.form.items():
        if key.startswith("channel_") and is_id(key[8:]) and value in CHANNELS:
            channels[int(key[8:])] = value
    created = distribution.issue(db(), services(), p, actor(), doc_id, channels)
    jobs.enqueue_deliveries([d.id for d in created if d.status == "queued"])
    flash(f"Đã phát hành tới {len(created)} nơi nhận; thư đang được gửi.", "success")
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
    require("recipients.manage")
    session = db()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.form.get("action") == "list":
                ids = [int(v) for v in request.form.getlist("recipient_ids") if is_id(v)]
                lst = recipients.create_list(session, form_str(request.form, "list_name"), ids)
                message = f"Đã tạo danh sách “{lst.name}”."
            else:
                rec = recipients.create_recipient(session, recipients.NewRecipient(
                    name=form_str(request.form, "name"), email=form_str(request.form, "email"),
                    postal_address=form_str(request.form, "postal_address", 500)))
                message = f"Đã thêm “{rec.name}” vào danh bạ."
            session.commit()
            flash(message, "success")
            return redirect(url_for("issuing.directory"))
        except ValidationFailed as exc:
            session.rollback()
            flash(exc.message, "error")
            errors = exc.fields
    return render_template("issuing/recipients.html", rows=recipients.directory(session),
                           lists=recipients.lists(session), errors=errors), 422 if errors else 200


@bp.get("/register")
@login_required
def register_page():
    p = require("register.view")
    year = form_int(request.args, "year") or today_vn().year
    status = request.args.get("status") if request.args.get("status") in ("active", "void") else None
    query = (request.args.get("q") or "").strip()[:200]
    rows = register_rows(db(), p.scope, year, status=status, query=query)
    fmt = request.args.get("format")
    if fmt in ("csv", "xlsx"):
        return export(rows, year, p.user.organisation.name, fmt)
    return render_template("issuing/register.html", rows=rows, year=year, status=status or "", q=query)


def export(rows, year: int, organisation: str, fmt: str) -> Response:
    """The register as a download (Excel or CSV)."""
    session = db()
    audit.record(session, actor(), "export", "register", year, format=fmt, rows=len(rows))
    session.commit()
    if fmt == "xlsx":
        data = to_xlsx(rows, year=year, organisation=organisation)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, mimetype = to_csv(rows, year=year, organisation=organisation), "text/csv; charset=utf-8"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="so-van-ban-di-{year}.{fmt}"'})
