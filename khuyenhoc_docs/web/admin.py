"""Administration pages: organisations and users."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..accounts import NewUser, UserChanges
from ..errors import ValidationFailed
from ..organisations import FAMILIES, NewOrganisation, levels, tree
from ..workflow import admin
from .context import actor, db, require
from .forms import form_int, form_str
from .messages import message_for

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_NAMES = {"admin": "Quản trị", "clerk": "Văn thư", "chair": "Người ký (Chủ tịch/Bí thư)", "archivist": "Lưu trữ"}


@bp.get("/organisations")
@login_required
def organisations():
    require("admin.organisations")
    session = db()
    return render_template("admin/organisations.html", rows=tree(session), levels=levels(session),
                           families=FAMILIES, errors={}, form={})


@bp.post("/organisations")
@login_required
def create_org():
    require("admin.organisations")
    session = db()
    form = request.form
    try:
        org = admin.add_organisation(session, actor(), NewOrganisation(
            name=form_str(form, "name"), level_id=form_int(form, "level_id") or 0,
            family=form_str(form, "family"), abbreviation=form_str(form, "abbreviation"),
            parent_id=form_int(form, "parent_id"), header_name=form_str(form, "header_name"),
            parent_header=form_str(form, "parent_header"), area=form_str(form, "area"),
            place=form_str(form, "place"), email=form_str(form, "email"),
            postal_address=form_str(form, "postal_address", 500), code=form_str(form, "code", 20),
        ))
    except ValidationFailed as exc:
        flash(message_for(exc), "error")
        return render_template("admin/organisations.html", rows=tree(session), levels=levels(session),
                               families=FAMILIES, errors=exc.fields, form=form), 422
    flash(f"Đã thêm tổ chức “{org.name}”.", "success")
    return redirect(url_for("admin.organisations"))


@bp.get("/users")
@login_required
def users():
    require("admin.users")
    session = db()
    return render_template("admin/users.html", users=_all_users(session), rows=tree(session),
                           roles=ROLE_NAMES, errors={}, form={})


@bp.post("/users")
@login_required
def create_user_view():
    require("admin.users")
    session = db()
    form = request.form
    try:
        user = admin.add_user(session, actor(), NewUser(
            username=form_str(form, "username", 64), full_name=form_str(form, "full_name"),
            password=form.get("password", "")[:300], organisation_id=form_int(form, "organisation_id") or 0,
            roles=tuple(form.getlist("roles")), email=form_str(form, "email"),
            position=form_str(form, "position"),
        ))
    except ValidationFailed as exc:
        flash(message_for(exc), "error")
        return render_template("admin/users.html", users=_all_users(session), rows=tree(session),
                               roles=ROLE_NAMES, errors=exc.fields, form=form), 422
    flash(f"Đã tạo tài khoản “{user.username}”.", "success")
    return redirect(url_for("admin.users"))


def _all_users(session):
    return admin.all_users(session)


def _edit_page(session, user, errors: dict[str, str], form, status: int = 200):
    return render_template("admin/user_edit.html", u=user, rows=tree(session), roles=ROLE_NAMES, errors=errors,
                           form=form), status


@bp.get("/users/<int:user_id>")
@login_required
def edit_user(user_id: int):
    require("admin.users")
    session = db()
    return _edit_page(session, admin.get_user(session, user_id), {}, None)


@bp.post("/users/<int:user_id>")
@login_required
def update_user_view(user_id: int):
    require("admin.users")
    session = db()
    form = request.form
    try:
        user = admin.edit_user(session, actor(), user_id, UserChanges(
            full_name=form_str(form, "full_name"), organisation_id=form_int(form, "organisation_id") or 0,
            roles=tuple(form.getlist("roles")), email=form_str(form, "email"), position=form_str(form, "position"),
            active=form.get("active") == "1",
        ))
    except ValidationFailed as exc:
        flash(message_for(exc), "error")
        return _edit_page(session, admin.get_user(session, user_id), exc.fields, form, 422)
    flash(f"Đã lưu tài khoản “{user.username}”." + ("" if user.active else " Tài khoản đang bị khóa."), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@login_required
def reset_password_view(user_id: int):
    require("admin.users")
    session = db()
    try:
        user, own = admin.reset_password(session, actor(), user_id, request.form.get("password", "")[:300],
                                         request.form.get("password_confirm", "")[:300])
    except ValidationFailed as exc:
        flash(message_for(exc), "error")
        return _edit_page(session, admin.get_user(session, user_id), exc.fields, None, 422)
    if own:  # this browser's session ended with the others
        flash("Đã đặt lại mật khẩu của bạn; vui lòng đăng nhập lại.", "info")
        return redirect(url_for("auth.login"))
    flash(f"Đã đặt lại mật khẩu cho “{user.username}”; các phiên đăng nhập và mã truy cập cũ đã bị hủy.",
          "success")
    return redirect(url_for("admin.users"))
