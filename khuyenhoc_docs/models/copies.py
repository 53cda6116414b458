"""Certified electronic copies ("bản sao y", "trích sao", Decree 30 Art. 25–26) and their register."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40
from .documents import Document, StoredObject
from .org import Organisation

COPY_SAO_Y, COPY_TRICH_SAO = "sao_y", "trich_sao"
COPY_KINDS = (COPY_SAO_Y, COPY_TRICH_SAO)


class CopyCounter(Base):
    """Last copy number of an organisation's copy register in a year; the row is the lock that
    keeps numbering gap-free across processes (as ``register_counters``)."""

    __tablename__ = "copy_counters"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class DocumentCopy(Base):
    """One entry of the copy register: the signed copy PDF made from a final record."""

    __tablename__ = "document_copies"
    __table_args__ = (UniqueConstraint("organisation_id", "year", "number"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the copying organisation
    year: Mapped[int]
    number: Mapped[int]
    copy_number: Mapped[str] = mapped_column(String(120))  # e.g. "03/2026/BS-HKH"
    kind: Mapped[str40]  # one of COPY_KINDS
    pages: Mapped[list] = mapped_column(JSON, default=list)  # 1-based; every page for sao_y
    object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # of the signed copy (verify recognises it)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime]
    created_at: Mapped[created_ts]

    document: Mapped[Document] = relationship()
    organisation: Mapped[Organisation] = relationship()
    object: Mapped[StoredObject] = relationship()
