"""Home page per role."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access import can, in_scope_clause
from ..models import AWAITING, DRAFT, SIGNED, Document, Signature
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
    sections: dict[str, list] = {}
    if can(p, "home.to_sign"):
        sections["to_sign"] = list(
            session.scalars(
                select(Document)
                .join(Signature, Signature.document_id == Document.id)
                .where(Signature.signer_id == p.user.id, Signature.status == "pending", Document.status == AWAITING)
                .order_by(Document.updated_at.desc())
            ).unique()
        )
    if can(p, "home.drafting"):
        in_scope = in_scope_clause(p)
        sections["drafts"] = list(
            session.scalars(select(Document).where(in_scope, Document.status.in_([DRAFT, "declined"]))
                            .order_by(Document.updated_at.desc()).limit(50))
        )
        sections["awaiting"] = list(
            session.scalars(select(Document).where(in_scope, Document.status == AWAITING)
                            .order_by(Document.updated_at.desc()).limit(50))
        )
        sections["to_issue"] = list(
            session.scalars(select(Document).where(in_scope, Document.status == SIGNED)
                            .order_by(Document.updated_at.desc()).limit(50))
        )
    return render_template("home.html", sections=sections)
