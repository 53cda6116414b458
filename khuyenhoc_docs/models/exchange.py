"""edXML exchange: the incoming register (sổ đăng ký văn bản đến) and status messages."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40, str255
from .documents import StoredObject
from .org import Organisation

# Incoming document states (the last edXML status code is kept beside them).
RECEIVED, RECALL_REQUESTED, RECALLED, REPLACED = "received", "recall_requested", "recalled", "replaced"


class IncomingCounter(Base):
    """Last arrival number of an organisation's incoming register in a year (the row is the lock)."""

    __tablename__ = "incoming_counters"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class IncomingDocument(Base):
    """A document received from another document system, entered in the incoming register."""

    __tablename__ = "incoming_documents"
    __table_args__ = (
        UniqueConstraint("organisation_id", "edxml_document_id"),
        UniqueConstraint("organisation_id", "year", "arrival_number"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    year: Mapped[int]
    arrival_number: Mapped[int]
    received_at: Mapped[created_ts]
    edxml_document_id: Mapped[str] = mapped_column(String(300))
    sender_code: Mapped[str40]
    sender_name: Mapped[str255]
    code_number: Mapped[str40]
    code_notation: Mapped[str] = mapped_column(String(120))
    promulgation_date: Mapped[date]
    place: Mapped[str255] = mapped_column(default="")
    type_name: Mapped[str255] = mapped_column(default="")
    subject: Mapped[str] = mapped_column(Text)
    signer_competence: Mapped[str40] = mapped_column(default="")
    signer_position: Mapped[str255] = mapped_column(default="")
    signer_name: Mapped[str255] = mapped_column(default="")
    due_date: Mapped[date | None]
    to_places: Mapped[list] = mapped_column(JSON, default=list)
    page_amount: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    pdf_object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))
    package_object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))
    validation: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str40] = mapped_column(default=RECEIVED)
    last_status_code: Mapped[str] = mapped_column(String(8), default="")
    business_reason: Mapped[str] = mapped_column(String(2000), default="")
    # A recall/update/replace the sender asked for, waiting for the clerk's 15 (agree) or 16 (refuse).
    pending_business: Mapped[str] = mapped_column(String(2), default="")
    pending_package_object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    pdf_object: Mapped[StoredObject] = relationship(foreign_keys=[pdf_object_id])
    package_object: Mapped[StoredObject] = relationship(foreign_keys=[package_object_id])

    @property
    def doc_number(self) -> str:
        return f"{self.code_number}/{self.code_notation}"


class ExchangeStatus(Base):
    """One edXML status message, sent ("out") for an incoming document or received ("in") for a dispatch."""

    __tablename__ = "exchange_statuses"

    id: Mapped[intpk]
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"), index=True)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    status_code: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(String(2000), default="")
    organ_id: Mapped[str40] = mapped_column(default="")
    staff: Mapped[str255] = mapped_column(default="")
    department: Mapped[str255] = mapped_column(default="")
    message_time: Mapped[datetime]
    delivery: Mapped[str40] = mapped_column(default="")  # "" | "sent" | "failed: …" for outgoing ones
    recorded_at: Mapped[created_ts]
