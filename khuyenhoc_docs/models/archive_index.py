"""Hashes of every revision of every stored record PDF: the index behind "verify against the archive"."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, intpk
from .documents import Document, StoredObject


class RevisionHash(Base):
    """sha256 of a stored PDF's bytes up to the end of one revision (%%EOF)."""

    __tablename__ = "revision_hashes"

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"), index=True)
    version: Mapped[int]  # the document version the PDF belongs to
    revision: Mapped[int]  # 1-based incremental-update revision
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    signatures: Mapped[int]  # signatures and document timestamps completed up to here
    final: Mapped[bool] = mapped_column(default=False)  # this revision ends the stored object

    document: Mapped[Document] = relationship(lazy="joined")
    object: Mapped[StoredObject] = relationship()
