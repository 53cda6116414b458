"""Certified electronic copies of final records (Decree 30 Art. 25–26, Appendix I).

A clerk or archivist of an organisation that holds the record signs, as that organisation, either a
"bản sao y" (the whole record, signed as an incremental update so the original signatures stay
valid) or a "trích sao" (a new PDF of the selected pages; the original signatures cannot survive the
extraction, which the copy's note says). Each copy takes the next number of the copying
organisation's copy register for the year (a counter row locked to commit, as the outgoing register).
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import audit, search_sync
from ..access import Principal, can, ensure
from ..audit import Actor
from ..credentials import active_credential, key_source
from ..db import utcnow
from ..errors import Conflict, NotFound, Problem, ValidationFailed
from ..models import COPY_KINDS, COPY_SAO_Y, CopyCounter, Document, DocumentCopy, Organisation
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.copy_stamp import copy_field_name, extract_pages, page_count, sign_copy
from ..signing.report_vi import VN_TZ
from ..storage.keys import copy_key
from ..succession import ensure_can_sign
from . import objects
from .archival import is_final
from .documents import get_document
from .signing import SigningRefused, check_secret

FORMS = {"sao_y": "SAO Y", "trich_sao": "TRÍCH SAO"}
KIND_LABELS = {"sao_y": "Bản sao y", "trich_sao": "Trích sao"}
TRICH_SAO_NOTE = ("Trích sao là một tệp PDF mới gồm các trang đã chọn: chữ ký số của bản gốc không còn kiểm tra "
                  "được trên bản trích sao; giá trị pháp lý do chữ ký số của cơ quan, tổ chức sao bảo đảm.")
SAO_Y_NOTE = "Bản sao y giữ nguyên các chữ ký số của bản gốc; chữ ký số của cơ quan, tổ chức sao được thêm vào sau."
MAX_PAGES = 2000


def _pages(kind: str, pages: Any, total: int) -> list[int]:
    """The copy's pages, 1-based: every page for sao_y; the chosen ones (unique, in order) for trich_sao."""
    if kind == COPY_SAO_Y:
        if pages and sorted(set(pages)) != list(range(1, total + 1)):
            raise ValidationFailed(fields={"pages": Problem("field_not_for_sao_y")}, code="copy_pages")
        return list(range(1, total + 1))
    if not isinstance(pages, list) or not pages:
        raise ValidationFailed(fields={"pages": Problem("field_required")},
                               code="copy_pages_empty")
    if len(pages) > MAX_PAGES or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= total
                                         for n in pages):
        raise ValidationFailed(params={"total": total},
                               fields={"pages": Problem("field_page_count", total=total)}, code="copy_pages_range")
    return sorted(set(pages))


def _allocate(session: Session, organisation_id: int, year: int) -> int:
    """The next number of the organisation's copy register; the counter row stays locked to commit."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(CopyCounter).values(organisation_id=organisation_id, year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["organisation_id", "year"]))
    session.execute(update(CopyCounter)
                    .where(CopyCounter.organisation_id == organisation_id, CopyCounter.year == year)
                    .values(last_number=CopyCounter.last_number + 1))
    number = session.scalar(select(CopyCounter.last_number)
                            .where(CopyCounter.organisation_id == organisation_id, CopyCounter.year == year)
                            .execution_options(populate_existing=True))
    assert number is not None
    return number


def create_copy(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, *, kind: str,
                pages: Any, secret: str) -> DocumentCopy:
    """Make, sign, number and store a certified copy of a final record; audited. Commits; nothing on refusal."""
    doc = get_document(session, p, doc_id)
    ensure(p, "document.copy", doc)
    if kind not in COPY_KINDS:
        raise ValidationFailed(fields={"kind": "sao_y | trich_sao"},
                               code="copy_kind")
    if not is_final(doc) or doc.pdf_object is None:
        raise Conflict(code="copy_not_final")
    org = session.get(Organisation, p.user.organisation_id)
    assert org is not None
    ensure_can_sign(org)  # a merged or dissolved organisation copies nothing more (409, saying why)
    check_secret(secret)
    cred = active_credential(session, org)
    if cred is None:
        raise ValidationFailed(code="copy_no_credential")
    original = objects.read(svc.store, doc.pdf_object)
    chosen = _pages(kind, pages, page_count(original))
    source = original if kind == COPY_SAO_Y else extract_pages(original, chosen)
    now = utcnow()
    try:
        with key_source(cred, secret, svc.trust_roots).open() as key:
            signed = sign_copy(source, key=key, cert_chain=svc.trust_roots, form=FORMS[kind],
                               organisation=org.header_name or org.name.upper(), at=now,
                               timestamper=svc.timestamper, validation_context=svc.lt_context(),
                               reason=f"{KIND_LABELS[kind]} văn bản số {doc.doc_number or doc.id}",
                               field_name=copy_field_name(source))
    except SignatureCoreError as exc:
        session.rollback()
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc
    year = now.astimezone(VN_TZ).year
    number = _allocate(session, org.id, year)  # after the slow signing: the lock is held only to commit
    row = objects.put(session, svc.store, copy_key(doc.id, org.id, year, number, "pdf"), signed,
                      content_type=objects.PDF,
                      metadata={"doc-number": doc.doc_number or "", "document-id": str(doc.id), "copy-kind": kind},
                      retain_until=now + timedelta(days=365 * svc.retention.years))
    copy = DocumentCopy(document_id=doc.id, organisation_id=org.id, year=year, number=number,
                        copy_number=f"{number:02d}/{year}/BS-{org.abbreviation}", kind=kind, pages=chosen,
                        object_id=row.id, sha256=hashlib.sha256(signed).hexdigest(), created_by_id=p.user.id,
                        signed_at=now)
    session.add(copy)
    session.flush()
    search_sync.index(session, doc)
    audit.record(session, actor, "certified_copy", "document", doc.id, copy_id=copy.id, copy_number=copy.copy_number,
                 kind=kind, pages=chosen, copying_organisation=org.name, doc_number=doc.doc_number,
                 sha256=copy.sha256)
    session.commit()
    return copy


def list_copies(session: Session, p: Principal, doc_id: int) -> list[DocumentCopy]:
    """The record's copies (any organisation's), newest first."""
    doc = get_document(session, p, doc_id)
    return list(session.scalars(select(DocumentCopy).where(DocumentCopy.document_id == doc.id)
                                .order_by(DocumentCopy.id.desc())))


def copy_file(session: Session, svc: Services, p: Principal, doc_id: int, copy_id: int) -> tuple[DocumentCopy, bytes]:
    """A copy's signed PDF for someone who may view the record."""
    doc = get_document(session, p, doc_id)
    copy = session.get(DocumentCopy, copy_id)
    if copy is None or copy.document_id != doc.id:
        raise NotFound(code="copy_not_found")
    return copy, objects.read(svc.store, copy.object)


def copy_json(copy: DocumentCopy, download_url: str) -> dict[str, Any]:
    return {"id": copy.id, "document_id": copy.document_id, "copy_number": copy.copy_number, "number": copy.number,
            "year": copy.year, "kind": copy.kind, "kind_label": KIND_LABELS[copy.kind], "pages": list(copy.pages),
            "organisation": copy.organisation.name, "signed_at": copy.signed_at.astimezone(VN_TZ).isoformat(),
            "sha256": copy.sha256, "note": SAO_Y_NOTE if copy.kind == COPY_SAO_Y else TRICH_SAO_NOTE,
            "download_url": download_url}


def match_copy(session: Session, pdf: bytes) -> DocumentCopy | None:
    """The registered copy ``pdf`` is byte for byte (an indexed lookup), if any."""
    digest = hashlib.sha256(pdf).hexdigest()
    return session.scalars(select(DocumentCopy).where(DocumentCopy.sha256 == digest)).first()


def copy_of(copy: DocumentCopy) -> dict[str, Any]:
    """The ``copy_of`` answer of the verify API."""
    return {"document_id": copy.document_id, "doc_number": copy.document.doc_number, "copy_number": copy.copy_number,
            "kind": copy.kind, "organisation": copy.organisation.name}


def copy_sentence(copy: DocumentCopy) -> str:
    """Opening sentence of the verification summary for a registered copy (Vietnamese)."""
    number = copy.document.doc_number or f"#{copy.document_id}"
    return (f"{KIND_LABELS[copy.kind]} của văn bản số {number}: bản sao số {copy.copy_number} do "
            f"{copy.organisation.name} lập ngày {copy.signed_at.astimezone(VN_TZ):%d/%m/%Y}.")


def may_copy(p: Principal, doc: Document) -> bool:
    """Show the "Tạo bản sao" form: the record is final and the principal may copy it."""
    if not (is_final(doc) and doc.pdf_object_id is not None and can(p, "document.copy", doc)):
        return False
    try:
        ensure_can_sign(p.user.organisation)  # a merged organisation's clerk gets no form
    except Conflict:
        return False
    return True


def copies_of(session: Session, doc: Document) -> list[DocumentCopy]:
    """Copies of a record (for its page), without an access check: the caller loaded ``doc`` through one."""
    return list(session.scalars(select(DocumentCopy).where(DocumentCopy.document_id == doc.id)
                                .order_by(DocumentCopy.id.desc())))
