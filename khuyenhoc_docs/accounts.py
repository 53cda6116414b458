"""Users, passwords and API tokens (plain Python over a session)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session, joinedload, lazyload

from .db import utcnow
from .errors import Problem, ValidationFailed
from .models import ROLES, ApiToken, BrowserSession, Organisation, User, UserRole

_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps response times equal.
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")

MAX_USERNAME = 64
MAX_TEXT = 255


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when the password matches the stored hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    return user


@dataclass(frozen=True)
class NewUser:
    """What an admin types to create an account."""

    username: str
    full_name: str
    password: str
    organisation_id: int
    roles: tuple[str, ...]
    email: str = ""
    position: str = ""


def _password_error(password: str) -> str | None:
    if len(password) < 8 or len(password) > 256:
        return Problem("password_length")
    return None


def _profile_errors(session: Session, full_name: str, email: str, position: str, organisation_id: int,
                    roles: tuple[str, ...]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not full_name.strip():
        errors["full_name"] = Problem("user_name_required")
    for name, value in (("full_name", full_name), ("email", email), ("position", position)):
        if len(value) > MAX_TEXT:
            errors[name] = Problem("text_max_255")
    if email.strip() and (email.count("@") != 1 or any(c in email for c in " \r\n,;<>")):
        errors["email"] = Problem("email_invalid")
    if session.get(Organisation, organisation_id) is None:
        errors["organisation_id"] = Problem("organisation_unknown")
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        errors["roles"] = Problem("roles_invalid", roles=", ".join(unknown)) if unknown else Problem("roles_missing")
    return errors


def create_user(session: Session, data: NewUser) -> User:
    """Validate and add a user; raises ValidationFailed with per-field Vietnamese messages."""
    errors: dict[str, str] = {}
    username = data.username.strip().lower()
    if not username:
        errors["username"] = Problem("username_required")
    elif len(username) > MAX_USERNAME or not all(c.isalnum() or c in "._-" for c in username):
        errors["username"] = Problem("username_format")
    elif session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = Problem("username_taken")
    errors.update(_profile_errors(session, data.full_name, data.email, data.position, data.organisation_id,
                                  data.roles))
    if (bad := _password_error(data.password)):
        errors["password"] = bad
    if errors:
        raise ValidationFailed(code="user_invalid", fields=errors)
    user = User(
        username=username,
        full_name=data.full_name.strip(),
        email=data.email.strip(),
        position=data.position.strip(),
        password_hash=hash_password(data.password),
        organisation_id=data.organisation_id,
        role_rows=[UserRole(role=r) for r in dict.fromkeys(data.roles)],
    )
    session.add(user)
    session.flush()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Asked on every request, so built once (building a statement costs about as much as running it):
# the user of a live token with the roles joined (they would otherwise be a second, select-in
# query), and likewise the user of a live browser session. The token's conditions are checked in
# SQL, so only the user is loaded, and its organisation (joined by default) is left to load when an
# API request uses it: a list or a page of JSON does not.
_TOKEN_USER = (select(User).join(ApiToken, ApiToken.user_id == User.id)
               .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked.is_(False),
                      ApiToken.expires_at > bindparam("now"))
               .options(joinedload(User.role_rows), lazyload(User.organisation)))
_SESSION_USER = (select(User).join(BrowserSession, BrowserSession.user_id == User.id)
                 .where(BrowserSession.token_hash == bindparam("digest"), BrowserSession.user_id == bindparam("user_id"),
                        BrowserSession.expires_at > bindparam("now"))
                 .options(joinedload(User.role_rows)))


def issue_token(session: Session, user: User, ttl: timedelta) -> tuple[str, datetime]:
    """A new bearer token for ``user``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    expires = utcnow() + ttl
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires))
    session.flush()
    return token, expires


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user owning an unexpired, unrevoked token."""
    if not token or len(token) > 200:
        return None
    user = session.scalars(_TOKEN_USER, {"digest": _token_digest(token), "now": now or utcnow()}).unique().first()
    return user if user is not None and user.active else None


@dataclass(frozen=True)
class UserChanges:
    """What an admin may change on an existing account (the username stays)."""

    full_name: str
    organisation_id: int
    roles: tuple[str, ...]
    email: str = ""
    position: str = ""
    active: bool = True


def start_browser_session(session: Session, user: User, ttl: timedelta) -> str:
    """Record a new signed-in browser for ``user``; returns the token its cookie carries."""
    now = utcnow()
    session.execute(delete(BrowserSession).where(BrowserSession.user_id == user.id, BrowserSession.expires_at <= now))
    token = secrets.token_urlsafe(24)
    session.add(BrowserSession(user_id=user.id, token_hash=_token_digest(token), expires_at=now + ttl))
    session.flush()
    user.session_token = token
    return token


def browser_session_user(session: Session, user_id: int, token: str) -> User | None:
    """The active user of a live browser session, or None (ended, expired, disabled or forged)."""
    if not token or len(token) > 100:
        return None
    user = session.scalars(_SESSION_USER, {"digest": _token_digest(token), "user_id": user_id,
                                           "now": utcnow()}).unique().first()
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def end_browser_session(session: Session, token: str) -> None:
    """Sign one browser out on the server: its cookie, even replayed, names nothing any more."""
    session.execute(delete(BrowserSession).where(BrowserSession.token_hash == _token_digest(token or "")))
    session.flush()


def end_sessions(session: Session, user: User, *, tokens: bool) -> None:
    """End every browser session of ``user`` (and, with ``tokens``, every API token) now."""
    session.execute(delete(BrowserSession).where(BrowserSession.user_id == user.id))
    if tokens:
        session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                        .values(revoked=True))
    session.flush()


def update_user(session: Session, user: User, data: UserChanges, *, by: User | None = None) -> dict[str, object]:
    """Apply an admin's edit; returns what changed (for the audit trail). Disabling ends all sessions."""
    errors = _profile_errors(session, data.full_name, data.email, data.position, data.organisation_id, data.roles)
    if by is not None and by.id == user.id and (not data.active or "admin" not in data.roles):
        errors["active"] = Problem("user_self_lockout")
    if errors:
        raise ValidationFailed(code="user_invalid", fields=errors)
    before = {"full_name": user.full_name, "email": user.email, "position": user.position,
              "organisation_id": user.organisation_id, "roles": sorted(user.roles), "active": user.active}
    user.full_name, user.email, user.position = data.full_name.strip(), data.email.strip(), data.position.strip()
    user.organisation_id = data.organisation_id
    roles = list(dict.fromkeys(data.roles))
    if sorted(roles) != before["roles"]:
        # Keep unchanged rows: replacing the list would insert before deleting (unique user_id, role).
        for row in [r for r in user.role_rows if r.role not in roles]:
            user.role_rows.remove(row)
        session.flush()
        user.role_rows.extend(UserRole(role=r) for r in roles if r not in {x.role for x in user.role_rows})
    user.active = data.active
    after = {"full_name": user.full_name, "email": user.email, "position": user.position,
             "organisation_id": user.organisation_id, "roles": sorted(roles), "active": user.active}
    changed = {k: after[k] for k in after if after[k] != before[k]}
    if not data.active and before["active"] or "roles" in changed or "organisation_id" in changed:
        # A disabled account, or one whose rights changed, must not keep what it had: sessions
        # and tokens end at once.
        end_sessions(session, user, tokens=True)
    session.flush()
    return changed


def set_password(session: Session, user: User, password: str) -> None:
    """Set a new password (admin reset); every session and token of the user ends."""
    if (bad := _password_error(password)):
        raise ValidationFailed(code="password_invalid", fields={"password": bad})
    user.password_hash = hash_password(password)
    end_sessions(session, user, tokens=True)


def revoke_token(session: Session, token: str) -> bool:
    """Revoke one bearer token (sign-out from the API); False when it is unknown."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None:
        return False
    row.revoked = True
    session.flush()
    return True
