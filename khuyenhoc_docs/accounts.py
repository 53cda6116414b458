"""Users, passwords and API tokens (plain Python over a session)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import utcnow
from .errors import ValidationFailed
from .models import ROLES, ApiToken, Organisation, User, UserRole

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


def create_user(session: Session, data: NewUser) -> User:
    """Validate and add a user; raises ValidationFailed with per-field Vietnamese messages."""
    errors: dict[str, str] = {}
    username = data.username.strip().lower()
    if not username:
        errors["username"] = "Tên đăng nhập là bắt buộc."
    elif len(username) > MAX_USERNAME or not all(c.isalnum() or c in "._-" for c in username):
        errors["username"] = "Tên đăng nhập chỉ gồm chữ, số, dấu chấm, gạch ngang; tối đa 64 ký tự."
    elif session.scalar(select(User.id).where(User.username == username)):
        errors["username"] = "Tên đăng nhập đã tồn tại."
    if not data.full_name.strip():
        errors["full_name"] = "Họ và tên là bắt buộc."
    for name in ("full_name", "email", "position"):
        if len(getattr(data, name)) > MAX_TEXT:
            errors[name] = "Tối đa 255 ký tự."
    if len(data.password) < 8 or len(data.password) > 256:
        errors["password"] = "Mật khẩu phải có từ 8 đến 256 ký tự."
    if session.get(Organisation, data.organisation_id) is None:
        errors["organisation_id"] = "Tổ chức không tồn tại."
    unknown = [r for r in data.roles if r not in ROLES]
    if not data.roles or unknown:
        errors["roles"] = "Vai trò không hợp lệ: " + (", ".join(unknown) or "chưa chọn vai trò") + "."
    if errors:
        raise ValidationFailed("Dữ liệu người dùng không hợp lệ.", fields=errors)
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
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or row.revoked or row.expires_at <= (now or utcnow()) or not row.user.active:
        return None
    return row.user
