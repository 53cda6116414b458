"""Hộp thư đi: the local outbox that replaces SMTP when ``KHD_SMTP_HOST`` is empty."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from ..distribution import outbox
from ..errors import NotFound
from .context import require, services
from .downloads import file_response

bp = Blueprint("outbox", __name__, url_prefix="/outbox")


@bp.get("/")
@login_required
def index():
    require("outbox.view")
    svc = services()
    return render_template("outbox/index.html", messages=outbox.messages(svc.outbox_dir),
                           uses_outbox=svc.uses_outbox)


@bp.get("/<message_id>")
@login_required
def show(message_id: str):
    require("outbox.view")
    msg = outbox.message(services().outbox_dir, message_id)
    if msg is None:
        raise NotFound("Không tìm thấy thư trong hộp thư đi.")
    return render_template("outbox/show.html", msg=msg)


@bp.get("/<message_id>/attachments/<int:index>")
@login_required
def attachment(message_id: str, index: int):
    require("outbox.view")
    found = outbox.attachment(services().outbox_dir, message_id, index)
    if found is None:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    data, content_type, filename = found
    return file_response(data, content_type, filename)
