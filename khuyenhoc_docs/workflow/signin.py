"""Signing in: password checks for the browser and API tokens, each attempt audited."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from .. import audit
from ..accounts import authenticate, issue_token
from ..audit import Actor
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
