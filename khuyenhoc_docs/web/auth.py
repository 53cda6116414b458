"""Sign-in and sign-out for the browser UI."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..models import User
from ..workflow import signin
from .context import actor, db, signed_in
from .extensions import ADDRESS_LIMITED, address_limit, limiter, login_address_key, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session cookie ("id.token") while that browser session lives on the server."""
    user_id, _, token = session_id.partition(".")
    if not user_id.isascii() or not user_id.isdigit() or len(user_id) > 10:
        return None
    return signin.session_user(db(), int(user_id), token)


def _login_key() -> str:
    # Throttle per address and per account, so one client cannot try many passwords.
    username = (request.form.get("username") or "").strip().lower()[:64]
    return f"{request.remote_addr}|{username}"


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _settings_limit(), key_func=_login_key, methods=["POST"],
               error_message="Bạn đã thử đăng nhập quá nhiều lần. Vui lòng thử lại sau ít phút.")
@limiter.shared_limit(address_limit, scope="login-address", key_func=login_address_key,
                      methods=["POST"], error_message=ADDRESS_LIMITED)
def login():
    if request.method == "GET":
        return render_template("login.html")
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    if not username or not password or len(username) > 64 or len(password) > 256:
        flash("Vui lòng nhập tên đăng nhập và mật khẩu.", "error")
        return render_template("login.html", username=username[:64]), 400
    session_db = db()
    user = signin.sign_in(session_db, request.remote_addr or "", username, password)
    if user is None:
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "error")
        return render_template("login.html", username=username), 401
    session.clear()  # new session id at sign-in (no fixation)
    signin.start_session(session_db, user, current_app.permanent_session_lifetime)
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    # Server-side: a copy of this cookie replayed later names a session that no longer exists.
    signin.sign_out(db(), actor(), current_user.session_token)
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


def _settings_limit() -> str:
    return current_app.config["KHD_SETTINGS"].login_limit


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """A user changes their own password; every other session and API token of theirs ends."""
    signed_in()
    user = current_user._get_current_object()  # the object itself: login_user below keeps it in g
    if request.method == "GET":
        return render_template("account_password.html", errors={})
    errors = signin.change_password(
        db(), actor(), user, request.form.get("current_password", "")[:300],
        request.form.get("password", "")[:300], request.form.get("password_confirm", "")[:300],
        current_app.permanent_session_lifetime)
    if errors:
        flash("Chưa đổi được mật khẩu.", "error")
        return render_template("account_password.html", errors=errors), 422
    session.clear()
    login_user(user)  # the new session token set by change_password
    flash("Đã đổi mật khẩu; các phiên đăng nhập và mã truy cập khác đã bị hủy.", "success")
    return redirect(url_for("home.index"))
