"""Signing in and out: password checks, browser sessions kept on the server, API tokens; audited."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..accounts import (
    authenticate,
    browser_session_user,
    end_browser_session,
    issue_token,
    revoke_token,
    set_password,
    start_browser_session,
    verify_password,
)
from ..audit import Actor
from ..errors import Problem, ValidationFailed
from ..models import User


def sign_in(session: Session, ip: str, username: str, password: str, **audit_extra: Any) -> User | None:
    """The user for a correct username and password (None otherwise); both outcomes are audited. Commits."""
    user = authenticate(session, username, password)
    if user is None:
        audit.record(session, Actor(None, ip), "login_failed", "user", None, username=username[:64], **audit_extra)
    else:
        audit.record(session, Actor(user, ip), "login", "user", user.id, **audit_extra)
    session.commit()
    return user


def api_token(session: Session, ip: str, username: str, password: str,
              ttl: timedelta) -> tuple[str, datetime] | None:
    """A bearer token and its expiry for a correct username and password (None otherwise). Commits."""
    user = authenticate(session, username, password)
    if user is None:
        audit.record(session, Actor(None, ip), "login_failed", "user", None, username=username[:64], via="api")
        session.commit()
        return None
    token, expires = issue_token(session, user, ttl)
    audit.record(session, Actor(user, ip), "login", "user", user.id, via="api")
    session.commit()
    return token, expires


def start_session(session: Session, user: User, ttl: timedelta) -> str:
    """Record a signed-in browser for ``user``; returns the token its cookie carries. Commits."""
    token = start_browser_session(session, user, ttl)
    session.commit()
    return token


def session_user(session: Session, user_id: int, token: str) -> User | None:
    """The active user of a live browser session (None: ended, expired, disabled or forged)."""
    return browser_session_user(session, user_id, token)


def sign_out(session: Session, actor: Actor, token: str) -> None:
    """End one browser session on the server (a replayed cookie then names nothing). Commits."""
    end_browser_session(session, token)
    if actor.user is not None:
        audit.record(session, actor, "logout", "user", actor.user.id)
    session.commit()


def revoke_api_token(session: Session, actor: Actor, token: str) -> None:
    """Revoke the bearer token a request came with (API sign-out). Commits."""
    revoke_token(session, token)
    if actor.user is not None:
        audit.record(session, actor, "logout", "user", actor.user.id, via="api")
    session.commit()


def change_password(session: Session, actor: Actor, user: User, current: str, new: str, confirm: str,
                    ttl: timedelta) -> dict[str, str]:
    """A user changes their own password: every session and token of theirs ends, and this browser gets
    a new session (``user.session_token``). Returns per-field errors (empty: done). Commits."""
    if not verify_password(user.password_hash, current):
        return {"current_password": Problem("current_password_wrong")}
    if new != confirm:
        return {"password_confirm": Problem("field_password_mismatch")}
    try:
        set_password(session, user, new)
    except ValidationFailed as exc:
        session.rollback()
        return exc.fields
    audit.record(session, actor, "password_change", "user", user.id)
    start_browser_session(session, user, ttl)
    session.commit()
    return {}
