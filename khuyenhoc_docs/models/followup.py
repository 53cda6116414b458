"""Follow-up of a programme: background jobs, cascaded unit programmes, yearly report obligations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40, str255
from .documents import Document, StoredObject
from .org import Organisation

JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED = "queued", "running", "done", "failed"
JOB_STATUSES = (JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED)


class BackgroundJob(Base):
    """A long-running task the user can follow (progress = done / total)."""

    __tablename__ = "background_jobs"

    id: Mapped[intpk]
    kind: Mapped[str40]
    status: Mapped[str40] = mapped_column(default=JOB_QUEUED)  # one of JOB_STATUSES
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(String(2000), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]
    finished_at: Mapped[datetime | None]


class CascadeChild(Base):
    """The unit programme generated from a parent programme; unique per unit so reruns never duplicate."""

    __tablename__ = "cascade_children"
    __table_args__ = (UniqueConstraint("parent_document_id", "unit_org_id"),)

    id: Mapped[intpk]
    parent_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))

    unit: Mapped[Organisation] = relationship(lazy="joined")
    document: Mapped[Document] = relationship(foreign_keys=[document_id], lazy="joined")


class ReportObligation(Base):
    """A unit's yearly report on a programme, due on the programme's deadline (e.g. 15/11)."""

    __tablename__ = "report_obligations"
    __table_args__ = (UniqueConstraint("programme_id", "unit_org_id", "year"),)

    id: Mapped[intpk]
    programme_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    unit_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int]
    due_date: Mapped[date]
    submitted_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False)
    object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))
    filename: Mapped[str255] = mapped_column(default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reminder_sent_at: Mapped[datetime | None]
    overdue_sent_at: Mapped[datetime | None]
    # The unit chair's signature on a PDF report (Decree 30: top right of page 1, no image).
    signed_object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None]

    unit: Mapped[Organisation] = relationship(lazy="joined")
    object: Mapped[StoredObject | None] = relationship(foreign_keys=[object_id])
    signed_object: Mapped[StoredObject | None] = relationship(foreign_keys=[signed_object_id])

    @property
    def pdf_filename(self) -> str:
        """The report's file name as a PDF: a DOCX report is signed (and then downloaded) as one."""
        name = self.filename or f"bao-cao-{self.year}-{self.id}"
        stem, dot, ext = name.rpartition(".")
        return f"{stem if dot and ext.lower() in ('pdf', 'docx') else name}.pdf"
