"""Append-only, hash-chained audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, intpk, str40, str255


class AuditEvent(Base):
    """One action; ``hash`` covers the event's content and the previous event's hash."""

    __tablename__ = "audit_events"

    id: Mapped[intpk]
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str255] = mapped_column(default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str40] = mapped_column(index=True)
    object_type: Mapped[str40] = mapped_column(default="")
    object_id: Mapped[int | None] = mapped_column(index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row holding the chain's tip; updating it serialises appends across processes."""

    __tablename__ = "audit_head"

    id: Mapped[intpk]
    last_event_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
