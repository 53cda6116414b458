"""Accounts, roles, API tokens and signing credentials."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, aware_ts, created_ts, intpk, str40, str120, str255
from .org import Organisation

ROLES = ("admin", "clerk", "chair", "archivist")


class User(Base):
    """A person who logs in; belongs to one organisation."""

    __tablename__ = "users"

    id: Mapped[intpk]
    username: Mapped[str120] = mapped_column(unique=True)
    full_name: Mapped[str255]
    email: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[str] = mapped_column(String(255), default="")  # e.g. "CHỦ TỊCH"
    password_hash: Mapped[str255]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_ts]
    # Handwritten signature (blue, transparent PNG) shown in the signature stamp.
    # Deferred: every request loads its user (and the organisation, joined); the images are only
    # needed when a signature or seal is drawn or an admin shows them.
    signature_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    # Flask-Login protocol, kept here so the web layer needs no wrapper class.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    # The browser session this object was loaded for (set at sign-in and by web/auth.load_user).
    session_token: str = ""

    def get_id(self) -> str:
        # Flask-Login keeps this in the session cookie: "id.token", checked against BrowserSession rows.
        return f"{self.id}.{self.session_token}"


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str40]

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(Base):
    """Bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_ts]
    expires_at: Mapped[aware_ts]
    revoked: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(lazy="joined")


class BrowserSession(Base):
    """A signed-in browser: the cookie names it, so sign-out, disabling and password changes end it on the
    server (a replayed cookie finds no row). Only the token's SHA-256 is stored."""

    __tablename__ = "browser_sessions"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_ts]
    expires_at: Mapped[aware_ts]


class SigningCredential(Base):
    """A chair's key: a PKCS#12 (encrypted by its passphrase, never stored), a PKCS#11 token, or an
    account at a remote signing service (CSC API or confirm-in-app; its secret encrypted at rest)."""

    __tablename__ = "signing_credentials"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str40]  # "pkcs12" | "pkcs11" | "csc" | "async_confirm"
    pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary)
    pkcs11_module: Mapped[str] = mapped_column(String(500), default="")
    pkcs11_token: Mapped[str] = mapped_column(String(255), default="")
    pkcs11_key: Mapped[str] = mapped_column(String(255), default="")
    # Remote services: empty URL/client id/secret fall back to the KHD_* defaults of the kind.
    provider_url: Mapped[str] = mapped_column(String(500), default="")
    client_id: Mapped[str] = mapped_column(String(255), default="")
    client_secret_enc: Mapped[str] = mapped_column(Text, default="")
    account: Mapped[str] = mapped_column(String(255), default="")  # CSC credential id / provider user id
    cert_pem: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(500), default="")
    not_after: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_ts]

    user: Mapped[User] = relationship()
