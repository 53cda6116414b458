"""Submission for signature (every signature field and the number/date fields) and withdrawal."""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, register, search_sync
from ..access import Principal
from ..audit import Actor
from ..drafting.fields import ProgrammeFields
from ..drafting.vn import DATE_BLANK_LEN, NUMBER_BLANK_LEN
from ..errors import Conflict, Problem, ValidationFailed
from ..images import signature_png
from ..models import (
    AWAITING,
    DECLINED,
    DRAFT,
    LEAD,
    PARTNER,
    SEAL_FIELDS,
    SEALED,
    SIG_CANCELLED,
    SIG_PENDING,
    SIGNED,
    WITHDRAWN,
    Document,
    DocumentVersion,
    Signature,
    User,
    UserRole,
)
from ..services import Services
from ..signing import SignatureBlockNotFound
from ..signing.copy_stamp import copy_field_box
from ..signing.fields import SignatureBlock, image_box, locate_signature_boxes, prepare_fields, seal_box
from ..signing.form_fields import locate_blanks
from ..signing.page_text import PdfPages
from ..signing.record_code import new_record_code, public_url, stamp_record_code
from ..succession import ensure_can_number
from . import drafting, objects
from .documents import get_document, lock_document, store_version

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIELD_A, FIELD_B = "sig_a", "sig_b"  # party_a's and party_b's blocks


def today_vn() -> date:
    """The calendar date in Vietnam: numbering years and issue dates follow it."""
    return datetime.now(VN_TZ).date()


def _chair_for(session: Session, organisation_ids: tuple[int, int], signer_name: str) -> User:
    """The chair account of either organisation whose full name is the printed signer name."""
    chairs = list(session.scalars(
        select(User).join(UserRole).where(User.organisation_id.in_(organisation_ids), UserRole.role == "chair",
                                          User.active.is_(True))
    ))
    wanted = signer_name.strip().casefold()
    for chair in chairs:
        if chair.full_name.strip().casefold() == wanted:
            return chair
    raise ValidationFailed(
        code="chair_account_missing", params={"signer_name": signer_name},
        fields={"signer_name": signer_name},
    )


def signature_blocks(fields: ProgrammeFields) -> list[SignatureBlock]:
    """The two blocks to locate in the PDF: (field, position line, name)."""
    return [
        SignatureBlock(FIELD_A, fields.party_a.position, fields.party_a.signer_name),
        SignatureBlock(FIELD_B, fields.party_b.position, fields.party_b.signer_name),
    ]


def _aspect(png: bytes) -> float:
    with Image.open(io.BytesIO(png)) as img:
        return img.width / img.height


def _layout(session: Session, doc: Document, pdf: bytes, fields: ProgrammeFields,
            chairs: tuple[User, User], record_code: str, url: str) -> bytes:
    """Every field the document will ever need, before the first signature: the chairs' signature
    images, the two seals over their left thirds, and the number and date text fields.

    The record code and its QR go on page 1 first, so every signature covers them. The blocks and
    blanks are located on the converted text before that: stamping only appends to page 1 (the QR
    in the bottom margin, away from both), and pdfplumber would otherwise turn each of the QR's
    several hundred modules into an object of its own (a third of the locating time)."""
    pages = PdfPages(pdf)  # parsed once for both; page 1 and the last page(s) read once each
    try:
        gaps = locate_signature_boxes(pdf, signature_blocks(fields), pages=pages)
        blanks = locate_blanks(pdf, number_len=NUMBER_BLANK_LEN, date_len=DATE_BLANK_LEN, pages=pages)
    except SignatureBlockNotFound as exc:
        raise ValidationFailed(exc.reason_vi) from exc
    pdf = stamp_record_code(pdf, record_code, url)
    boxes = [image_box(gap, _aspect(signature_png(chair))) for gap, chair in zip(gaps, chairs, strict=True)]
    # each organisation's seal goes over its own chair's signature (by account), else by column
    by_org = {chair.organisation_id: box for chair, box in zip(chairs, boxes[:2], strict=True)}
    for role, org in ((LEAD, doc.lead_org), (PARTNER, doc.partner_org)):
        under = by_org.get(org.id, boxes[0] if role == LEAD else boxes[1])
        boxes.append(seal_box(under, SEAL_FIELDS[role], org.seal_size_mm * 72 / 25.4))
    boxes.append(copy_field_box(pdf))  # the empty copy field: see copy_field_box
    return prepare_fields(pdf, boxes, blanks)


def _submitted_pdf(session: Session, svc: Services, p: Principal, doc: Document, fields: ProgrammeFields,
                   chairs: tuple[User, User]) -> DocumentVersion:
    """The version the chairs sign: the stored draft PDF (no new conversion) with every field added.

    A document sent back after a refusal and not edited since is signed again on the same version.
    """
    latest = session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)
                            .order_by(DocumentVersion.number.desc()).limit(1))
    if latest is not None and latest.stage == "submitted":
        return latest
    assert doc.template_version is not None  # only records from before the system have none, and they are final
    if latest is None or latest.docx_object is None:  # nothing stored to reuse (a scanned original has no DOCX)
        rendered = drafting.render(svc, doc.template_version, fields)
    else:
        rendered = drafting.Rendered(fields, objects.read(svc.store, latest.docx_object),
                                     objects.read(svc.store, latest.pdf_object), latest.text)
    if doc.record_code is None:
        doc.record_code = new_record_code()
    url = public_url(svc.settings.base_url, doc.record_code)
    try:
        prepared = _layout(session, doc, rendered.pdf, fields, chairs, doc.record_code, url)
    except ValidationFailed:
        if latest is None:
            raise
        # a draft rendered before blanks existed (dots instead): render it once more
        rendered = drafting.render(svc, doc.template_version, fields)
        prepared = _layout(session, doc, rendered.pdf, fields, chairs, doc.record_code, url)
    return store_version(session, svc, doc, replace(rendered, pdf=prepared), user_id=p.user.id,
                                  stage="submitted", note="Trình ký")


def submit(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int) -> Document:
    """Route the document to both chairs. It takes no number: the lead's clerk numbers it at sealing.

    The stored draft PDF gets every signature field and the number/date text fields; any failure
    rolls back and leaves the document as it was.
    """
    doc = get_document(session, p, doc_id, "document.submit")
    if doc.status not in (DRAFT, DECLINED):
        raise Conflict(code="submit_not_draft")
    # numbered at sealing by the lead's register: a merged or dissolved one could never number it
    ensure_can_number(doc.lead_org)
    fields = drafting.parse_fields(doc.kind, doc.fields, strict=True)
    orgs = (doc.lead_org_id, doc.partner_org_id)
    chair_a = _chair_for(session, orgs, fields.party_a.signer_name)
    chair_b = _chair_for(session, orgs, fields.party_b.signer_name)
    if chair_a.id == chair_b.id:
        raise ValidationFailed(code="signers_must_differ")
    if not fields.org_abbrs:
        fields = replace(fields, org_abbrs=(doc.lead_org.abbreviation, doc.partner_org.abbreviation))

    locked = lock_document(session, doc_id)
    if locked is None or locked.status not in (DRAFT, DECLINED):
        session.rollback()
        raise Conflict(code="submit_concurrent")
    try:
        version = _submitted_pdf(session, svc, p, locked, fields, (chair_a, chair_b))
    except ValidationFailed:
        session.rollback()
        raise
    locked.pdf_object_id = version.pdf_object_id
    for sig in session.scalars(select(Signature).where(Signature.document_id == locked.id,
                                                       Signature.status == SIG_PENDING)):
        sig.status = SIG_CANCELLED
    for order, (chair, field) in enumerate(((chair_a, FIELD_A), (chair_b, FIELD_B)), start=1):
        session.add(Signature(document_id=locked.id, version_id=version.id, signer_id=chair.id,
                              field_name=field, order=order))
    locked.status = AWAITING
    search_sync.index(session, locked)
    audit.record(session, actor, "submit", "document", locked.id, version=version.number,
                 signers=[chair_a.username, chair_b.username])
    session.commit()
    return locked


def withdraw(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, reason: str) -> Document:
    """Withdraw a submitted, signed or sealed (not yet issued) document; a number it took becomes void."""
    doc = get_document(session, p, doc_id, "document.withdraw")
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationFailed(code="withdraw_reason", fields={"reason": Problem("field_required")})
    locked = lock_document(session, doc_id)
    if locked is None or locked.status not in (AWAITING, SIGNED, SEALED, DECLINED):
        session.rollback()
        raise Conflict(code="withdraw_state")
    voided = register.void(session, doc.id, reason)
    for sig in session.scalars(select(Signature).where(Signature.document_id == doc.id, Signature.status == SIG_PENDING)):
        sig.status = SIG_CANCELLED
    locked.status = WITHDRAWN
    search_sync.index(session, locked)
    audit.record(session, actor, "withdraw", "document", doc.id, reason=reason,
                 voided=[e.doc_number for e in voided])
    session.commit()
    return locked
