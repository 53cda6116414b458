"""The documents room: load one document for an action, list, download, store a version, lock.

Every other workflow room (drafting, submission, signing, distribution, cascade, reports) reaches
documents through these functions; the browser pages and the JSON API call the same ones.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..access import Principal, ensure, visible_documents_clause
from ..errors import NotFound, ValidationFailed
from ..models import STATUSES, Document, DocumentVersion
from ..services import Services
from ..storage.keys import document_key
from . import objects

if TYPE_CHECKING:
    from .drafting import Rendered


@dataclass(frozen=True)
class DocumentPage:
    """One page of a document listing."""

    items: list[Document]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def get_document(session: Session, p: Principal, doc_id: int, action: str = "document.view") -> Document:
    """Load a document the principal may act on (404 when missing, 403 when not allowed)."""
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound("Không tìm thấy văn bản.")
    ensure(p, action, doc)
    return doc


def list_documents(session: Session, p: Principal, *, status: str | None = None, text: str = "",
                   page: int = 1, per_page: int = 25, order: str = "changed") -> DocumentPage:
    """The documents the principal may see, filtered by status and title/number.

    ``order``: "changed" (latest change first, the pages) or "created" (newest first, the API).
    """
    ensure(p, "document.list")
    stmt = select(Document)
    visible = visible_documents_clause(p)
    if visible is not None:
        stmt = stmt.where(visible)
    if status in STATUSES:
        stmt = stmt.where(Document.status == status)
    text = text.strip()[:200]
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Document.title.ilike(like), Document.doc_number.ilike(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    key = Document.id.desc() if order == "created" else Document.updated_at.desc()
    items = session.scalars(stmt.order_by(key)
                            .offset((page - 1) * per_page).limit(per_page)).all()
    return DocumentPage(list(items), total, page, per_page)


def versions(session: Session, doc: Document, *, newest_first: bool = False) -> list[DocumentVersion]:
    """Every stored version of a document."""
    order = DocumentVersion.number.desc() if newest_first else DocumentVersion.number
    return list(session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
                                .order_by(order)))


def download(session: Session, svc: Services, doc: Document, fmt: str,
             version_no: int | None) -> tuple[bytes, str, str]:
    """The bytes of a document file: the current PDF (with signatures) or a version's DOCX/PDF."""
    if fmt not in ("pdf", "docx"):
        raise ValidationFailed("Định dạng tệp không hợp lệ (pdf hoặc docx).")
    base = f"van-ban-{doc.id}"
    if version_no is None:
        if fmt == "pdf":
            if doc.pdf_object is None:
                raise NotFound("Văn bản chưa có tệp PDF.")
            return objects.read(svc.store, doc.pdf_object), objects.PDF, f"{base}.pdf"
        version_no = doc.current_version
    version = session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                                           DocumentVersion.number == version_no))
    if version is None:
        raise NotFound("Không có phiên bản này.")
    row = version.pdf_object if fmt == "pdf" else version.docx_object
    mimetype = objects.PDF if fmt == "pdf" else row.content_type
    return objects.read(svc.store, row), mimetype, f"{base}-v{version_no}.{fmt}"


def store_version(session: Session, svc: Services, doc: Document, rendered: Rendered, *, user_id: int,
                  stage: str, note: str = "", metadata: dict[str, str] | None = None) -> DocumentVersion:
    """Write the version's two files and its row (objects first, rows in the caller's transaction)."""
    number = (session.scalar(select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == doc.id))
              or 0) + 1
    meta = {"document-id": str(doc.id), "version": str(number), **(metadata or {})}
    docx_row = objects.put(session, svc.store, document_key(doc.id, number, stage, "docx"), rendered.docx,
                           content_type=objects.DOCX, metadata=meta)
    pdf_row = objects.put(session, svc.store, document_key(doc.id, number, stage, "pdf"), rendered.pdf,
                          content_type=objects.PDF, metadata=meta)
    version = DocumentVersion(
        document_id=doc.id, number=number, stage=stage, fields=rendered.fields.to_dict(),
        template_version_id=doc.template_version_id, docx_object_id=docx_row.id, pdf_object_id=pdf_row.id,
        text=rendered.text, note=note[:500], created_by_id=user_id,
    )
    session.add(version)
    doc.current_version = number
    doc.pdf_object_id = pdf_row.id
    doc.fields = rendered.fields.to_dict()
    doc.title = rendered.fields.summary[:2000]
    session.flush()
    return version


def lock_document(session: Session, document_id: int) -> Document | None:
    """Serialise state changes of one document across processes.

    The UPDATE is the transaction's first write: PostgreSQL holds the row lock and SQLite the
    database write lock until commit, so a second signer (any process) waits and then sees
    the first signer's committed state.
    """
    res = session.execute(
        update(Document).where(Document.id == document_id).values(lock_version=Document.lock_version + 1)
    )
    if res.rowcount == 0:
        return None
    return session.get(Document, document_id, populate_existing=True)
