"""Template management (admin): list versions and placeholders, upload a new version."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import audit
from ..drafting.templates import TemplateKind
from ..errors import NotFound, ValidationFailed
from ..models import TemplateVersion
from ..workflow import template_store
from ..workflow.objects import read
from .context import actor, db, require, services

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
        tv = template_store.add_version(session, services(), kind=kind, data=upload.read(),
                                        filename=upload.filename, user_id=actor().user.id)
    except ValidationFailed as exc:
        session.rollback()
        flash(exc.message, "error")
        return render_template("admin/templates.html", versions=template_store.versions(session),
                               kinds=list(TemplateKind)), 422
    audit.record(session, actor(), "template_upload", "template", tv.id, kind=tv.kind, version=tv.version)
    session.commit()
    flash(f"Đã tải lên phiên bản {tv.version} của mẫu “{tv.name}”.", "success")
    return redirect(url_for("templates_admin.index"))


@bp.get("/<int:tv_id>/download")
@login_required
def download(tv_id: int):
    require("template.list")
    tv = db().get(TemplateVersion, tv_id)
    if tv is None:
        raise NotFound("Không tìm thấy mẫu văn bản.")
    return Response(read(services().store, tv.object), mimetype=tv.object.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{tv.kind}-v{tv.version}.docx"'})
