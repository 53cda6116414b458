"""Admin page for an organisation's seal: its own certificate (PKCS#12 or PKCS#11), seal image and size."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import credentials, images
from ..errors import ValidationFailed
from ..workflow import admin
from .context import actor, db, require
from .forms import form_int, form_str
from .messages import message_for

bp = Blueprint("seal_admin", __name__, url_prefix="/admin/organisations")

MESSAGES = {"pkcs12": "Đã lưu tệp PKCS#12 của cơ quan (mật khẩu không được lưu).",
            "pkcs11": "Đã cấu hình thiết bị ký số PKCS#11 của cơ quan.", "image": "Đã lưu ảnh con dấu.",
            "size": "Đã lưu đường kính con dấu."}


@bp.route("/<int:org_id>/seal", methods=["GET", "POST"])
@login_required
def manage(org_id: int):
    require("credential.manage")
    session = db()
    org = admin.get_organisation(session, org_id)
    if request.method == "POST":
        action = request.form.get("action") or ""
        p12, image = request.files.get("p12"), request.files.get("image")
        try:
            admin.update_credential(
                session, actor(), org, action if action in MESSAGES else "",
                p12=p12.read() if p12 and action == "pkcs12" else b"",
                passphrase=request.form.get("passphrase", "")[:256],
                module=form_str(request.form, "module", 500), token=form_str(request.form, "token", 255),
                key_label=form_str(request.form, "key_label", 255),
                image=images.check_png(image.read() if image else b"", "Ảnh con dấu") if action == "image" else None,
                seal_size_mm=form_int(request.form, "seal_size_mm"))
        except ValidationFailed as exc:
            flash(message_for(exc), "error")
            return render_template("admin/org_seal.html", org=org,
                                   cred=credentials.active_credential(session, org)), 422
        flash(MESSAGES[action], "success")
        return redirect(url_for("seal_admin.manage", org_id=org.id))
    return render_template("admin/org_seal.html", org=org, cred=credentials.active_credential(session, org))


@bp.get("/<int:org_id>/seal.png")
@login_required
def seal_image(org_id: int):
    """The seal image in use (uploaded, else the demo specimen), for the admin's preview."""
    require("credential.manage")
    return images.seal_png(admin.get_organisation(db(), org_id)), 200, {"Content-Type": "image/png",
                                                                  "Cache-Control": "no-store"}
