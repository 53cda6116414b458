"""The outgoing register (sổ đăng ký văn bản đi): numbers per organisation per year."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40
from .org import Organisation

# A register entry's number is active, or void once its document is withdrawn.
ENTRY_ACTIVE, ENTRY_VOID = "active", "void"
ENTRY_STATUSES = (ENTRY_ACTIVE, ENTRY_VOID)


class RegisterCounter(Base):
    """Last number used; the row is the lock that keeps numbering gap-free across processes."""

    __tablename__ = "register_counters"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class RegisterEntry(Base):
    """One number of the register; a withdrawn document's entry stays, marked void."""

    __tablename__ = "register_entries"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year", "number"),
        UniqueConstraint("organisation_id", "year", "doc_number"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int]
    # None on a partner's entry: it records the joint document under the lead's number.
    number: Mapped[int | None]
    role: Mapped[str40] = mapped_column(default="lead")  # "lead" | "partner"
    doc_number: Mapped[str] = mapped_column(String(120))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    issue_date: Mapped[date]
    summary: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str40] = mapped_column(default=ENTRY_ACTIVE)  # one of ENTRY_STATUSES
    # A record from before the system entered with its own number (Decree 30 Art. 25).
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    void_reason: Mapped[str] = mapped_column(String(2000), default="")
    voided_at: Mapped[datetime | None]
    created_at: Mapped[created_ts]

    organisation: Mapped[Organisation] = relationship()
