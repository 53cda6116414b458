"""Admin import of organisations and people from CSV: upload → preview → import."""
from __future__ import annotations

import base64
import binascii

from flask import Blueprint, flash, render_template, request
from flask_login import login_required

from .. import orgimport
from ..errors import NotFound, ValidationFailed
from ..workflow import orgs
from .context import actor, db, require

bp = Blueprint("org_import", __name__, url_prefix="/admin/import")

KINDS = {
    "organisations": ("Tổ chức", "name,abbreviation,level,parent,family,counterpart,code"),
    "users": ("Người dùng", "username,full_name,position,organisation,role,email"),
}


@bp.get("/")
@login_required
def index():
    require("admin.organisations")
    return render_template("admin/import.html", kinds=KINDS, kind=None, plan=None, payload="", filename="",
                           passwords={})


@bp.post("/<kind>")
@login_required
def run(kind: str):
    """Without ``payload``: preview the uploaded file. With it (from the preview page): import."""
    require("admin.organisations")
    require("admin.users")
    if kind not in KINDS:
        raise NotFound("Không có loại dữ liệu này.")
    session = db()
    payload = request.form.get("payload", "")
    if payload:
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed("Dữ liệu xem trước bị hỏng; hãy tải tệp lên lại.") from None
    else:
        upload = request.files.get("file")
        data = upload.read() if upload is not None and upload.filename else b""
        filename = (upload.filename or "") if upload is not None else ""
        if not data:
            return _page(kind, orgimport.ImportPlan(errors=[orgimport.LineError(0, "Chưa chọn tệp CSV.")]), "", {}, 422)
    if not payload:
        plan = orgs.preview_import(session, kind, data)
        return _page(kind, plan, base64.b64encode(data).decode() if plan.ok else "", {}, 200 if plan.ok else 422,
                     filename=filename)
    plan, passwords = orgs.run_import(session, actor(), kind, data, filename=request.form.get("filename", ""))
    if not plan.ok:  # the tree changed since the preview
        return _page(kind, plan, "", {}, 422)
    flash(f"Đã nhập {KINDS[kind][0].lower()}: {plan.summary()}.", "success")
    return _page(kind, plan, "", passwords, 200, done=True)


def _page(kind: str, plan: orgimport.ImportPlan, payload: str, passwords: dict[str, str], status: int, done: bool = False,
          filename: str = ""):
    if plan.errors:
        flash("Tệp CSV có lỗi; chưa nhập gì.", "error")
    return render_template("admin/import.html", kinds=KINDS, kind=kind, plan=plan, payload=payload,
                           filename=filename[:255], passwords=passwords, done=done), status
