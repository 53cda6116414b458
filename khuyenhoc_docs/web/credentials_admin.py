"""Admin page for a chair's signing credential: own PKCS#12, PKCS#11 token, handwritten signature image."""
from __future__ import annotations

import os

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import credentials, images
from ..errors import ValidationFailed
from ..models import User
from ..workflow import admin, remote_signing
from .context import actor, db, require, services
from .forms import form_str
from .messages import message_for

bp = Blueprint("credentials_admin", __name__, url_prefix="/admin/users")


def _user(user_id: int) -> User:
    return admin.get_user(db(), user_id)


def check_signature_image(data: bytes) -> bytes:
    """Accept a PNG with transparency, reasonably sized; anything else is refused."""
    return images.check_png(data, "Ảnh chữ ký")


@bp.route("/<int:user_id>/credential", methods=["GET", "POST"])
@login_required
def manage(user_id: int):
    require("credential.manage")
    session = db()
    user = _user(user_id)
    if request.method == "POST":
        action = request.form.get("action") or ""
        messages = {"pkcs12": "Đã lưu tệp PKCS#12 (mật khẩu không được lưu).",
                    "pkcs11": "Đã cấu hình thiết bị ký số PKCS#11.", "image": "Đã lưu ảnh chữ ký."}
        try:
            if action in credentials.REMOTE_KINDS:
                flash(remote_signing.configure_account(
                    session, services(), actor(), user, action, url=form_str(request.form, "url", 500),
                    client_id=form_str(request.form, "client_id", 255),
                    client_secret=request.form.get("client_secret", "")[:500],
                    account=form_str(request.form, "account", 255)), "success")
                return redirect(url_for("credentials_admin.manage", user_id=user.id))
            p12, image = request.files.get("p12"), request.files.get("image")
            admin.update_credential(
                session, actor(), user, action if action in messages else "",
                p12=p12.read() if p12 and action == "pkcs12" else b"",
                passphrase=request.form.get("passphrase", "")[:256],
                module=form_str(request.form, "module", 500), token=form_str(request.form, "token", 255),
                key_label=form_str(request.form, "key_label", 255),
                image=check_signature_image(image.read() if image else b"") if action == "image" else None)
        except ValidationFailed as exc:
            flash(message_for(exc), "error")
            return render_template("admin/credential.html", user=user, labels=credentials.KIND_LABELS,
                                   defaults=services().settings, pkcs11_modules=_modules(),
                                   cred=credentials.active_credential(session, user)), 422
        flash(messages[action], "success")
        return redirect(url_for("credentials_admin.manage", user_id=user.id))
    return render_template("admin/credential.html", user=user, cred=credentials.active_credential(session, user),
                           labels=credentials.KIND_LABELS, defaults=services().settings,
                           pkcs11_modules=_modules())


def _modules() -> list[str]:
    """Allowed modules installed on this machine (offered in the form)."""
    return [m for m in services().settings.pkcs11_modules if os.path.exists(m)]
