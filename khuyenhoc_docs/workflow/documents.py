"""The documents room: load one document for an action, list, download, store a version, lock.

Every other workflow room (drafting, submission, signing, distribution, cascade, reports) reaches
documents through these functions; the browser pages and the JSON API call the same ones.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Integer, Row, Select, String, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from .. import audit
from ..access import (
    VISIBLE_DOCUMENTS,
    VISIBLE_OUTSIDE_PAIRS,
    VISIBLE_PAIRS,
    Principal,
    can,
    ensure,
    in_scope_clause,
    is_my_turn,
    listing_params,
    my_pending_signature,
)
from ..audit import Actor
from ..db import rowcount
from ..errors import NotFound, ValidationFailed
from ..filenames import document_basename
from ..models import (
    AWAITING,
    DECLINED,
    DRAFT,
    SEALED,
    SIG_CANCELLED,
    SIG_PENDING,
    SIGNED,
    STATUSES,
    AuditEvent,
    Dispatch,
    Document,
    DocumentCount,
    DocumentVersion,
    Organisation,
    Signature,
)
from ..orgtree import counterparts
from ..services import Services
from ..storage.keys import document_key
from . import objects

if TYPE_CHECKING:
    from ..signing.fields import FieldPlace
    from .drafting import Rendered


# A listing reads plain rows of what the API's list item and the list page show: the document's
# short columns and its two organisations' names, both joined in the one query. No ORM objects
# (identity map, eager-load options, ORM row loading), no field values, validation report or seal images.
_DOCS, _COUNTS = Document.__table__.c, DocumentCount.__table__.c
_LEAD, _PARTNER = Organisation.__table__.alias("lead"), Organisation.__table__.alias("partner")
LIST_COLUMNS = (_DOCS.id, _DOCS.kind, _DOCS.title, _DOCS.status, _DOCS.doc_number, _DOCS.record_code, _DOCS.issue_date,
                _DOCS.current_version, _DOCS.routing, _DOCS.lead_org_id, _DOCS.partner_org_id, _DOCS.parent_id,
                _DOCS.origin, _DOCS.created_at, _DOCS.updated_at, _LEAD.c.name.label("lead_org"),
                _PARTNER.c.name.label("partner_org"))
_LISTED = (Document.__table__.join(_LEAD, _LEAD.c.id == _DOCS.lead_org_id)
           .join(_PARTNER, _PARTNER.c.id == _DOCS.partner_org_id))
_STATUS, _LIKE = bindparam("status", type_=String), bindparam("like", type_=String)


@dataclass(frozen=True)
class DocumentPage:
    """One page of a document listing."""

    items: list[Row[Any]]  # LIST_COLUMNS, by name: row.title, row.lead_org… (then the listing's total)
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class DocumentDetails:
    """Everything the document page shows besides the document itself."""

    versions: list[DocumentVersion]
    signatures: list[Signature]
    dispatches: list[Dispatch]
    history: list[AuditEvent]
    meta: dict[str, Any] | None


def get_document(session: Session, p: Principal, doc_id: int, action: str = "document.view") -> Document:
    """Load a document the principal may act on (404 when missing, 403 when not allowed)."""
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(code="document_not_found")
    ensure(p, action, doc)
    return doc


def open_document(session: Session, p: Principal, actor: Actor, doc_id: int, **audit_extra: Any) -> Document:
    """A document the principal may view; the view is recorded in the audit trail. Commits."""
    doc = get_document(session, p, doc_id)
    audit.record(session, actor, "view", "document", doc.id, **audit_extra)
    session.commit()
    return doc


def audit_trail(session: Session, p: Principal, doc_id: int) -> list[AuditEvent]:
    """Every audit event of a document the principal may audit, oldest first."""
    doc = get_document(session, p, doc_id, "document.audit")
    return audit.events_for(session, "document", doc.id)


def details(session: Session, svc: Services, doc: Document) -> DocumentDetails:
    """Versions (newest first), live signatures, dispatches, the last 30 audit events, PDF metadata."""
    from ..evidence import metadata  # pyHanko: imported where a document page needs it, not by lists

    pdf = objects.read(svc.store, doc.pdf_object) if doc.doc_number and doc.pdf_object else None
    return DocumentDetails(
        versions=versions(session, doc, newest_first=True),
        signatures=[s for s in doc.signatures if s.status != SIG_CANCELLED],
        dispatches=list(session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id))),
        history=audit.events_for(session, "document", doc.id)[-30:],
        meta=metadata(doc, pdf) if pdf is not None else None,
    )


def sign_place(svc: Services, p: Principal, doc: Document, pdf: bytes | None = None) -> FieldPlace | None:
    """Where the viewing chair signs, when it is their turn: the preview opens (and frames) it there."""
    from ..signing.fields import find_field

    mine = my_pending_signature(p, doc)
    if mine is None or doc.pdf_object is None or not can(p, "document.sign_now", doc):
        return None
    return find_field(pdf if pdf is not None else objects.read(svc.store, doc.pdf_object), mine.field_name)


def queues(session: Session, p: Principal) -> dict[str, list[Document]]:
    """The home page's work queues: to sign (chairs); drafts, awaiting, to issue (clerks).
    The clerks' sealing queues come from ``sealing.queues``."""
    out: dict[str, list[Document]] = {}
    if can(p, "home.to_sign"):
        out["to_sign"] = list(session.scalars(
            select(Document).join(Signature, Signature.document_id == Document.id)
            .where(Signature.signer_id == p.user.id, Signature.status == SIG_PENDING, Document.status == AWAITING)
            .order_by(Document.updated_at.desc())).unique())
        # Sequential routing: a document whose earlier signer has not signed yet is only "coming up".
        pending = out.pop("to_sign")
        out["to_sign"] = [d for d in pending if is_my_turn(p, d)]
        out["upcoming"] = [d for d in pending if not is_my_turn(p, d)]
    if can(p, "home.drafting"):
        # documents signed before seals existed (seal_required false) may still be issued once signed
        ready = or_(Document.status == SEALED, and_(Document.status == SIGNED, Document.seal_required.is_(False)))
        for name, where in (("drafts", Document.status.in_((DRAFT, DECLINED))), ("awaiting", Document.status == AWAITING),
                            ("to_issue", ready)):
            out[name] = list(session.scalars(
                select(Document).where(in_scope_clause(p), where).order_by(Document.updated_at.desc()).limit(50)))
    return out


def partner_choices(session: Session, p: Principal) -> list[Organisation]:
    """The draft form's partner choices: the counterparts of the user's organisation (the same level
    and area, the other family), the only partners drafting accepts."""
    return counterparts(session, p.user.organisation)


def list_documents(session: Session, p: Principal, *, status: str | None = None, text: str = "",
                   page: int = 1, per_page: int = 25, order: str = "changed") -> DocumentPage:
    """The documents the principal may see, filtered by status and title/number.

    ``order``: "changed" (latest change first, the pages) or "created" (newest first, the API).
    """
    ensure(p, "document.list")
    params: dict[str, Any] = {}
    access = listing_params(p)
    if access is not None:
        params.update(access)
    if status in STATUSES:
        params["status"] = status
    text = text.strip()[:200]
    if text:
        params["like"] = f"%{text.replace('%', '').replace('_', '')}%"
    page = max(1, page)
    params.update(limit=per_page, offset=(page - 1) * per_page)
    count, listed = _list_statements(access is not None, "status" in params, "like" in params, order == "created")
    # One query whatever the page's size: the page (LIST_COLUMNS) with the total beside each row;
    # a page past the end has no row to carry it, so then the total is asked alone.
    # Core statements on the connection: the ORM's execution adds as much again for plain rows.
    conn = session.connection()
    items = conn.execute(listed, params).all()
    total = int(items[0].total if items else conn.execute(count, params).scalar() or 0)
    return DocumentPage(list(items), total, page, per_page)


@functools.cache
def _list_statements(restricted: bool, by_status: bool, by_text: bool, newest: bool) -> tuple[Select[Any], Select[Any]]:
    """The total's and the page's statements of one kind of listing, built once per process (the
    values come as parameters: building a statement cost about as much as running it).

    The total: without a title/number filter, summed from the triggers' counters of the pairs in
    scope plus the documents signed outside it (migration i16l_document_counts), a cost that does not
    grow with the number of documents (stepping the scope index was ~3-5 ms at 10,000); a title
    filter is no counter's, so then the documents are counted, on the scope index."""
    conditions: list[ColumnElement[bool]] = [VISIBLE_DOCUMENTS] if restricted else []
    if by_status:
        conditions.append(_DOCS.status == _STATUS)
    if by_text:
        conditions.append(or_(_DOCS.title.ilike(_LIKE), _DOCS.doc_number.ilike(_LIKE)))
        count = select(func.count(_DOCS.id)).where(*conditions)
    else:
        counted = select(func.coalesce(func.sum(_COUNTS.n), 0))
        if restricted:
            counted = counted.where(VISIBLE_PAIRS)
        if by_status:
            counted = counted.where(_COUNTS.status == _STATUS)
        count = counted
        if restricted:
            outside = select(func.count(_DOCS.id)).where(VISIBLE_OUTSIDE_PAIRS, *conditions[1:])
            count = select(counted.scalar_subquery() + outside.scalar_subquery())
    key = _DOCS.id.desc() if newest else _DOCS.updated_at.desc()
    # The total as an uncorrelated subquery of the page (computed once): the scope's recursive
    # CTE then runs once per request, not once per statement (a province clerk with 300 units
    # in scope: ~0.4 ms each; the list 1.11 -> 0.71 ms of SQL).
    # correlate(None): a count over documents must not turn into a per-row subquery of the page's.
    total = count.correlate(None).scalar_subquery().label("total")
    listed = (select(*LIST_COLUMNS, total).select_from(_LISTED).where(*conditions)
              .order_by(key).limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))
    return count, listed


def versions(session: Session, doc: Document, *, newest_first: bool = False) -> list[DocumentVersion]:
    """Every stored version of a document."""
    order = DocumentVersion.number.desc() if newest_first else DocumentVersion.number
    return list(session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
                                .order_by(order)))


def download(session: Session, svc: Services, doc: Document, fmt: str,
             version_no: int | None) -> tuple[bytes, str, str]:
    """The bytes of a document file: the current PDF (with signatures) or a version's DOCX/PDF."""
    if fmt not in ("pdf", "docx"):
        raise ValidationFailed(code="download_format")
    base = f"van-ban-{doc.id}"
    if version_no is None:
        if fmt == "pdf":
            if doc.pdf_object is None:
                raise NotFound(code="document_no_pdf")
            return objects.read(svc.store, doc.pdf_object), objects.PDF, f"{base}.pdf"
        version_no = doc.current_version
    version = session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                                           DocumentVersion.number == version_no))
    if version is None:
        raise NotFound(code="version_not_found")
    row = version.pdf_object if fmt == "pdf" else version.docx_object
    if row is None:
        raise NotFound(code="legacy_no_docx")
    mimetype = objects.PDF if fmt == "pdf" else row.content_type
    return objects.read(svc.store, row), mimetype, f"{base}-v{version_no}.{fmt}"


def fetch_file(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, fmt: str,
               version_no: int | None, **audit_extra: Any) -> tuple[bytes, str, str]:
    """A file of a document the principal may view; the download is recorded. Commits."""
    doc = get_document(session, p, doc_id)
    data, mimetype, name = download(session, svc, doc, fmt, version_no)
    audit.record(session, actor, "download", "document", doc.id, format=fmt, **audit_extra)
    session.commit()
    return data, mimetype, name


def export_evidence(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int) -> tuple[bytes, str]:
    """The evidence ZIP of a document and its file name; the export is recorded. Commits."""
    from ..evidence import build_evidence

    doc = get_document(session, p, doc_id, "document.export")
    audit.record(session, actor, "export", "document", doc.id, what="evidence.zip")
    session.commit()
    name = document_basename(doc.doc_number, doc.id)  # a file name: never a path
    return build_evidence(session, svc, doc), f"chung-cu-{name}.zip"


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
    if rowcount(res) == 0:
        return None
    return session.get(Document, document_id, populate_existing=True)
