"""Templates, documents, their versions, stored objects and signature tasks."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40, str255, utcnow
from .org import Organisation
from .users import User

if TYPE_CHECKING:  # exchange.py imports this module
    from .exchange import IncomingDocument

# Document life cycle; see khuyenhoc_docs/workflow for the transitions.
# "signed": both chairs have signed; "sealed": both organisations' clerks have applied the
# organisation's digital signature (the lead's clerk numbers and dates it first).
DRAFT, AWAITING, SIGNED, SEALED, DECLINED, WITHDRAWN, ISSUED = (
    "draft", "awaiting_signatures", "signed", "sealed", "declined", "withdrawn", "issued",
)
STATUSES = (DRAFT, AWAITING, SIGNED, SEALED, DECLINED, WITHDRAWN, ISSUED)
LEAD, PARTNER = "lead", "partner"
SEAL_FIELDS = {LEAD: "seal_lead", PARTNER: "seal_partner"}

# A chair's signature task on one submitted version.
SIG_PENDING, SIG_SIGNED, SIG_DECLINED, SIG_CANCELLED = "pending", "signed", "declined", "cancelled"
SIGNATURE_STATUSES = (SIG_PENDING, SIG_SIGNED, SIG_DECLINED, SIG_CANCELLED)


class StoredObject(Base):
    """One object version in the object store, with the hash taken at write time."""

    __tablename__ = "stored_objects"
    __table_args__ = (UniqueConstraint("key", "version_id"),)

    id: Mapped[intpk]
    key: Mapped[str] = mapped_column(String(512))
    version_id: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(120))
    retain_until: Mapped[datetime | None]
    legal_hold: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_ts]


class TemplateVersion(Base):
    """An uploaded version of a .docx template of one kind; documents pin the version."""

    __tablename__ = "template_versions"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[intpk]
    kind: Mapped[str40]
    version: Mapped[int]
    name: Mapped[str255]
    filename: Mapped[str255]
    placeholders: Mapped[list] = mapped_column(JSON, default=list)
    object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]

    object: Mapped[StoredObject] = relationship(lazy="joined")


class Document(Base):
    """A programme or agreement through its whole life: draft → signatures → issued."""

    __tablename__ = "documents"
    # Listings: counting what a principal sees reads this narrow index instead of every row
    # (10,000 documents: ~1 ms instead of ~15 ms); the pages' "latest change first" walks updated_at.
    __table_args__ = (Index("ix_documents_scope", "lead_org_id", "partner_org_id", "status"),
                      Index("ix_documents_updated_at", "updated_at"))

    id: Mapped[intpk]
    kind: Mapped[str40]
    title: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str40] = mapped_column(default=DRAFT, index=True)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # None for records from before the system (imported or digitised): they were made elsewhere.
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("template_versions.id"))
    # "system" (drafted here), "imported" (a signed PDF from before), "digitised" (a scanned paper original)
    origin: Mapped[str40] = mapped_column(default="system", server_default="system")
    lead_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    partner_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # Received documents it answers to: implements ("Triển khai") or replies to ("Trả lời").
    basis_incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    answers_incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_documents.id"), index=True)
    routing: Mapped[str40] = mapped_column(default="any")  # "any" | "sequential"
    doc_number: Mapped[str | None] = mapped_column(String(120))
    # short public code printed with a QR on page 1 (public verification page /v/<code>)
    record_code: Mapped[str | None] = mapped_column(String(9), unique=True)
    issue_date: Mapped[date | None]
    current_version: Mapped[int] = mapped_column(default=0)
    pdf_object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))
    # Bumped by every state change; its UPDATE is also the cross-process lock (see workflow.locking).
    lock_version: Mapped[int] = mapped_column(Integer, default=0)
    # False only for documents numbered and signed before organisation seals existed (migration):
    # they may be issued once signed.
    seal_required: Mapped[bool] = mapped_column(default=True)
    validation: Mapped[dict | None] = mapped_column(JSON)
    validated_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lead_org: Mapped[Organisation] = relationship(foreign_keys=[lead_org_id], lazy="joined")
    partner_org: Mapped[Organisation] = relationship(foreign_keys=[partner_org_id], lazy="joined")
    template_version: Mapped[TemplateVersion | None] = relationship()
    pdf_object: Mapped[StoredObject | None] = relationship(foreign_keys=[pdf_object_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="document", order_by="Signature.id"
    )
    seals: Mapped[list[Seal]] = relationship(back_populates="document", order_by="Seal.id")
    basis_incoming: Mapped[IncomingDocument | None] = relationship(foreign_keys=[basis_incoming_id])
    answers_incoming: Mapped[IncomingDocument | None] = relationship(foreign_keys=[answers_incoming_id])


class DocumentCount(Base):
    """How many documents a (lead, partner, status) has: the sum of ``n`` over its rows. Kept by
    database triggers on ``documents`` (migration i16l_document_counts), so a listing totals what a
    principal sees from a few counters instead of stepping every document (issue 16). SQLite keeps
    one row per key; PostgreSQL's triggers take a row no other transaction holds (SKIP LOCKED) or
    add one, so writers never wait on each other here. Never written by the app."""

    __tablename__ = "document_counts"
    __table_args__ = (Index("ix_document_counts_key", "lead_org_id", "partner_org_id", "status"),)

    id: Mapped[intpk]
    lead_org_id: Mapped[int]
    partner_org_id: Mapped[int]
    status: Mapped[str40]
    n: Mapped[int]


class DocumentVersion(Base):
    """An immutable version: the fields, the DOCX and the PDF made from them."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int]
    stage: Mapped[str40] = mapped_column(default="draft")  # "draft" | "submitted"
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    template_version_id: Mapped[int | None] = mapped_column(ForeignKey("template_versions.id"))
    docx_object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))  # None: legacy PDF
    pdf_object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]

    document: Mapped[Document] = relationship(back_populates="versions")
    docx_object: Mapped[StoredObject | None] = relationship(foreign_keys=[docx_object_id], lazy="joined")
    pdf_object: Mapped[StoredObject] = relationship(foreign_keys=[pdf_object_id], lazy="joined")
    created_by: Mapped[User] = relationship(lazy="joined")


class Signature(Base):
    """One chair's signature task on one submitted version."""

    __tablename__ = "signatures"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    field_name: Mapped[str40]
    order: Mapped[int]
    status: Mapped[str40] = mapped_column(default=SIG_PENDING)  # one of SIGNATURE_STATUSES
    certification: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(2000), default="")
    pdf_object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))

    document: Mapped[Document] = relationship(back_populates="signatures")
    signer: Mapped[User] = relationship(lazy="joined")
    version: Mapped[DocumentVersion] = relationship()


class Seal(Base):
    """An organisation's digital signature on a document, applied by one of its clerks."""

    __tablename__ = "document_seals"
    __table_args__ = (UniqueConstraint("document_id", "role"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    role: Mapped[str40]  # "lead" (numbers and dates the document) | "partner"
    field_name: Mapped[str40]
    clerk_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_credentials.id"))
    subject: Mapped[str] = mapped_column(String(500), default="")
    sealed_at: Mapped[datetime]
    pdf_object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))

    document: Mapped[Document] = relationship(back_populates="seals")
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    clerk: Mapped[User] = relationship(lazy="joined")
