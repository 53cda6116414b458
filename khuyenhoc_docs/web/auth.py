"""Sign-in and sign-out for the browser UI."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_required, login_user, logout_user

from ..models import User
from ..workflow import signin
from .context import db
from .extensions import limiter, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    return user if user is not None and user.active else None


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
    login_user(user)
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


def _settings_limit() -> str:
    return current_app.config["KHD_SETTINGS"].login_limit
