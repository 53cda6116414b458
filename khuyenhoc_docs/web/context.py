"""Per-request helpers: the database session, the services and the current principal."""
from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy.orm import Session

from ..access import Principal, ensure
from ..audit import Actor
from ..services import Services


def db() -> Session:
    """The request's session (one per request, closed at teardown)."""
    if "db" not in g:
        g.db = current_app.extensions["khd.sessions"]()
    return g.db


def services() -> Services:
    return current_app.extensions["khd.services"]


def principal() -> Principal | None:
    """The signed-in user with their organisational scope, cached for the request."""
    if not current_user or not current_user.is_authenticated:
        return None
    if "principal" not in g:
        g.principal = Principal.of(db(), current_user)
    return g.principal


def require(action: str, obj=None) -> Principal:
    """Ensure the current principal may do ``action``; returns it."""
    p = principal()
    ensure(p, action, obj)
    assert p is not None
    return p


def signed_in() -> Principal:
    """The current principal, for routes whose workflow function decides access on the object."""
    return require("account.active")


def actor() -> Actor:
    """The audit actor for this request."""
    user = current_user if current_user and current_user.is_authenticated else None
    return Actor(user=user, ip=request.remote_addr or "")


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
