"""Template management (admin): list versions and placeholders, upload a new version."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..drafting.templates import TemplateKind
from ..errors import ValidationFailed
from ..workflow import admin, template_store
from .context import actor, db, require, services
from .messages import message_for

bp = Blueprint("templates_admin", __name__, url_prefix="/admin/templates")


@bp.get("/")
@login_required
def index():
    require("admin.templates")
    return render_template("admin/templates.html", versions=template_store.versions(db()), kinds=list(TemplateKind))


@bp.post("/")
@login_required
def upload():
    require("admin.templates")
    session = db()
    upload = request.files.get("file")
    kind = request.form.get("kind", "")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("Chưa chọn tệp mẫu (.docx).")
        tv = admin.upload_template(session, services(), actor(), kind=kind, data=upload.read(),
                                   filename=upload.filename)
    except ValidationFailed as exc:
        flash(message_for(exc), "error")
        return render_template("admin/templates.html", versions=template_store.versions(session),
                               kinds=list(TemplateKind)), 422
    flash(f"Đã tải lên phiên bản {tv.version} của mẫu “{tv.name}”.", "success")
    return redirect(url_for("templates_admin.index"))


@bp.get("/<int:tv_id>/download")
@login_required
def download(tv_id: int):
    require("template.list")
    data, mimetype, name = admin.template_file(db(), services(), tv_id)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
