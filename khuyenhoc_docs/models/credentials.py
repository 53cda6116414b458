"""Organisations' own signing credentials (the "chữ ký số của cơ quan, tổ chức", Decree 30 Art. 5.1)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40
from .org import Organisation


class OrganisationCredential(Base):
    """An organisation's key: a PKCS#12 (encrypted by its passphrase, never stored) or a PKCS#11 token.

    Only that organisation's clerks may use it (access rule ``organisation.seal``); one is active.
    """

    __tablename__ = "organisation_credentials"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str40]  # "pkcs12" | "pkcs11"
    pkcs12: Mapped[bytes | None] = mapped_column(LargeBinary)
    pkcs11_module: Mapped[str] = mapped_column(String(500), default="")
    pkcs11_token: Mapped[str] = mapped_column(String(255), default="")
    pkcs11_key: Mapped[str] = mapped_column(String(255), default="")
    cert_pem: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(500), default="")
    not_after: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_ts]

    organisation: Mapped[Organisation] = relationship()
