"""Admin page for a chair's signing credential: own PKCS#12, PKCS#11 token, handwritten signature image."""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from PIL import Image, UnidentifiedImageError

from .. import audit, credentials
from ..errors import NotFound, ValidationFailed
from ..models import User
from .context import actor, db, require
from .forms import form_str

bp = Blueprint("credentials_admin", __name__, url_prefix="/admin/users")

MAX_IMAGE_BYTES = 512 * 1024


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng.")
    return user


def check_signature_image(data: bytes) -> bytes:
    """Accept a PNG with transparency, reasonably sized; anything else is refused."""
    if not data or len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed("Ảnh chữ ký phải là tệp PNG, tối đa 512 KB.")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            fmt, mode, size = img.format, img.mode, img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed("Tệp không phải ảnh PNG hợp lệ.") from exc
    if fmt != "PNG":
        raise ValidationFailed("Ảnh chữ ký phải là PNG (nền trong suốt).")
    if mode not in ("RGBA", "LA", "P") or max(size) > 2000 or min(size) < 20:
        raise ValidationFailed("Ảnh chữ ký cần nền trong suốt, kích thước từ 20 đến 2000 điểm ảnh.")
    return data


@bp.route("/<int:user_id>/credential", methods=["GET", "POST"])
@login_required
def manage(user_id: int):
    require("credential.manage")
    session = db()
    user = _user(user_id)
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "pkcs12":
                upload = request.files.get("p12")
                cred = credentials.upload_pkcs12(session, user, upload.read() if upload else b"",
                                                 request.form.get("passphrase", "")[:256])
                message = "Đã lưu tệp PKCS#12 (mật khẩu không được lưu)."
            elif action == "pkcs11":
                cred = credentials.register_pkcs11(
                    session, user, module=form_str(request.form, "module", 500),
                    token=form_str(request.form, "token", 255), key_label=form_str(request.form, "key_label", 255))
                message = "Đã cấu hình thiết bị ký số PKCS#11."
            elif action == "image":
                upload = request.files.get("image")
                user.signature_image = check_signature_image(upload.read() if upload else b"")
                cred, message = None, "Đã lưu ảnh chữ ký."
            else:
                raise ValidationFailed("Thao tác không hợp lệ.")
        except ValidationFailed as exc:
            session.rollback()
            flash(exc.message, "error")
            return render_template("admin/credential.html", user=user,
                                   cred=credentials.active_credential(session, user)), 422
        audit.record(session, actor(), "credential_update", "user", user.id, change=action,
                     kind=cred.kind if cred else "image")
        session.commit()
        flash(message, "success")
        return redirect(url_for("credentials_admin.manage", user_id=user.id))
    return render_template("admin/credential.html", user=user, cred=credentials.active_credential(session, user))
