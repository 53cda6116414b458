"""Home page per role."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..workflow import documents, sealing
from .context import db, principal

bp = Blueprint("home", __name__)


@bp.get("/")
def root():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("home.index"))


@bp.get("/home")
@login_required
def index():
    p = principal()
    assert p is not None
    session = db()
    sections = documents.queues(session, p)
    seal_queues = sealing.queues(session, p)
    sections.update(seal_queues.sections)
    return render_template("home.html", sections=sections, previews=seal_queues.previews)
