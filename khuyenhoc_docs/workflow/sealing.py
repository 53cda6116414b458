"""Sealing: after both chairs have signed, each organisation's clerk applies its digital signature.

Decree 30 Art. 5.1, 15.3, 17: the lead organisation's clerk gives the number (lead's register, in
sealing order) and the issue date (Vietnam time), which fill the document's number/date fields in
the same revision as the lead's signature; then the partner's clerk applies the partner's. The
document is then ``sealed`` (final: retention lock and its B-LTA document timestamp) and may be issued.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, register, search_sync
from ..access import Principal, can, ensure, seal_side
from ..audit import Actor
from ..credentials import active_credential, key_source
from ..db import utcnow
from ..drafting.vn import format_date_words, format_doc_number
from ..errors import Conflict, Problem, ValidationFailed
from ..images import seal_png
from ..models import LEAD, PARTNER, SEAL_FIELDS, SEALED, SIGNED, Document, Organisation, Seal
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.appearance import StampInfo, image_stamp_style
from ..signing.form_fields import DATE_FIELD, NUMBER_FIELD, fill_text_field
from ..signing.keys import check_certificate
from ..signing.signer import SignOptions, sign_document
from ..storage.keys import document_key
from . import archival, drafting, objects
from .documents import get_document, lock_document
from .signing import MAX_SECRET, SigningRefused

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _seals(session: Session, doc_id: int) -> dict[str, Seal]:
    rows = session.scalars(select(Seal).where(Seal.document_id == doc_id).execution_options(populate_existing=True))
    return {s.role: s for s in rows}


def pending_role(session: Session, p: Principal, doc: Document) -> str | None:
    """The seal this clerk may apply now (lead first, then partner), or None."""
    role = seal_side(p, doc) if can(p, "document.seal", doc) else None
    if role is None or doc.status != SIGNED or not doc.seal_required:
        return None
    done = _seals(session, doc.id)
    if role in done or (role == PARTNER and LEAD not in done):
        return None
    return role


def _check_state(session: Session, doc: Document, role: str) -> None:
    done = _seals(session, doc.id)
    if doc.status != SIGNED or not doc.seal_required:
        raise Conflict(code="seal_not_ready")
    if role in done:
        raise Conflict(code="already_sealed")
    if role == PARTNER and LEAD not in done:
        raise Conflict(code="lead_seals_first")


def _abbrs(doc: Document) -> tuple[str, tuple[str, ...]]:
    fields = drafting.parse_fields(doc.kind, doc.fields, strict=False)
    return fields.type_abbr, tuple(fields.org_abbrs or (doc.lead_org.abbreviation, doc.partner_org.abbreviation))


def preview(session: Session, doc: Document, *, on: date | None = None) -> dict[str, str]:
    """The number and date the lead's clerk would give now (informative; sealing takes the lock)."""
    on = on or datetime.now(VN_TZ).date()
    type_abbr, abbrs = _abbrs(doc)
    counter = register.peek(session, doc.lead_org_id, on.year)
    return {"doc_number": format_doc_number(counter + 1, type_abbr, abbrs), "date": format_date_words(on)}


def _org_key(session: Session, svc: Services, org: Organisation, secret: str):
    """The organisation's key source for the passphrase/PIN its clerk typed (never stored)."""
    if not secret or len(secret) > MAX_SECRET:
        raise ValidationFailed(code="org_secret_missing",
                               fields={"secret": Problem("field_required")})
    cred = active_credential(session, org)
    if cred is None:
        raise ValidationFailed(params={"org_name": org.name},
                               code="no_org_credential")
    try:
        return cred, key_source(cred, secret, svc.trust_roots)
    except SignatureCoreError as exc:
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc


def seal(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, secret: str,
         *, on: date | None = None) -> Document:
    """Apply the clerk's organisation's digital signature (PAdES B-LT); the lead's also numbers and
    dates the document. Commits.

    The key is opened and its certificate checked first; then the document row is locked, then
    (lead) the register counter: concurrent sealers in any process queue, so numbers follow
    sealing order without gaps; any failure rolls back both and stores nothing.
    """
    doc = get_document(session, p, doc_id, "document.seal")
    role = seal_side(p, doc)
    assert role is not None  # "document.seal" allows only the two organisations' own clerks
    org: Organisation = doc.lead_org if role == LEAD else doc.partner_org
    ensure(p, "organisation.seal", org)
    _check_state(session, doc, role)
    cred, source = _org_key(session, svc, org, secret)
    now = utcnow()
    issue_date = on or now.astimezone(VN_TZ).date()
    alloc = None
    lt_context = svc.lt_context()  # the seal's and the document timestamp's: OCSP/CRL fetched once
    try:
        with source.open() as key:
            check_certificate(key.cert, expected_name=org.name, at=now)
            locked = lock_document(session, doc_id)
            assert locked is not None
            try:
                _check_state(session, locked, role)
            except Conflict:
                session.rollback()
                raise
            doc_number = locked.doc_number
            fill: Callable[[IncrementalPdfFileWriter], None] | None = None
            if role == LEAD:
                type_abbr, abbrs = _abbrs(locked)
                alloc = register.allocate(session, organisation_id=locked.lead_org_id, year=issue_date.year,
                                          type_abbr=type_abbr, org_abbrs=abbrs, on=issue_date)
                doc_number = alloc.doc_number
                number_text, date_text = doc_number.split("/", 1)[0], format_date_words(issue_date)

                def fill(writer: IncrementalPdfFileWriter) -> None:
                    fill_text_field(writer, NUMBER_FIELD, number_text)
                    fill_text_field(writer, DATE_FIELD, date_text)
            assert locked.pdf_object is not None
            signed_pdf = sign_document(
                objects.read(svc.store, locked.pdf_object), field_name=SEAL_FIELDS[role], signer=key,
                cert_chain=svc.trust_roots, timestamper=svc.timestamper, certify=False,
                stamp=StampInfo(full_name=org.name, position="", organisation=org.name, signed_at=now),
                stamp_style=image_stamp_style(seal_png(org)), before_signing=fill,
                reason=f"Chữ ký số của cơ quan, tổ chức: {org.name}, văn bản số {doc_number}",
                options=SignOptions(check_certificate=False),  # checked above, before the lock
                validation_context=lt_context,  # B-LT like the chairs' signatures
            )
    except SignatureCoreError as exc:
        session.rollback()
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc
    row = objects.put(session, svc.store, document_key(locked.id, locked.current_version, f"sealed-{role}", "pdf"),
                      signed_pdf, content_type=objects.PDF,
                      metadata={"doc-number": doc_number or "", "document-id": str(locked.id)})
    summary = (locked.fields or {}).get("summary", locked.title)
    if alloc is not None:
        register.record(session, alloc, document_id=locked.id, issue_date=issue_date, summary=summary)
        locked.doc_number, locked.issue_date = doc_number, issue_date
    else:
        register.record_partner(session, organisation_id=org.id, doc_number=locked.doc_number or "",
                                document_id=locked.id, issue_date=locked.issue_date or issue_date, summary=summary)
    session.add(Seal(document_id=locked.id, organisation_id=org.id, role=role, field_name=SEAL_FIELDS[role],
                     clerk_id=p.user.id, credential_id=cred.id, subject=cred.subject, sealed_at=now,
                     pdf_object_id=row.id))
    locked.pdf_object_id = row.id
    if role == PARTNER:
        row = archival.finalise(session, svc, locked, row, signed_pdf, status=SEALED, signatures=4,
                                lt_context=lt_context)
        if locked.status != SEALED:
            session.rollback()
            raise SigningRefused(code="sealed_invalid")
    search_sync.index(session, locked)
    audit.record(session, actor, "seal", "document", locked.id, role=role, organisation=org.name,
                 credential=cred.id, subject=cred.subject, doc_number=locked.doc_number, sha256=row.sha256,
                 status=locked.status)
    session.commit()
    return locked


def awaiting_seal(session: Session, p: Principal, role: str) -> list[Document]:
    """Documents waiting for this clerk's organisation: to number and seal (lead) or to seal (partner)."""
    if not can(p, "home.to_seal"):
        return []
    mine = (Document.lead_org_id == p.user.organisation_id if role == LEAD
            else Document.partner_org_id == p.user.organisation_id)
    docs = session.scalars(select(Document).where(Document.status == SIGNED, Document.seal_required.is_(True), mine)
                           .order_by(Document.updated_at))
    return [d for d in docs if pending_role(session, p, d) == role]


@dataclass(frozen=True)
class SealQueues:
    """The clerk's home lists "Chờ cấp số, đóng dấu" and "Chờ đóng dấu (bên phối hợp)"."""

    sections: dict[str, list[Document]] = field(default_factory=dict)
    previews: dict[int, dict[str, str]] = field(default_factory=dict)


def queues(session: Session, p: Principal) -> SealQueues:
    """The documents this clerk's organisation must seal now, with the lead's number/date previews."""
    if not can(p, "home.to_seal"):
        return SealQueues()
    lead, partner = awaiting_seal(session, p, LEAD), awaiting_seal(session, p, PARTNER)
    return SealQueues({"to_seal_lead": lead, "to_seal_partner": partner},
                      {d.id: preview(session, d) for d in lead})
