"""Records from before the system (Decree 30 Art. 25): signed PDFs and digitised paper originals.

Both become ordinary archive records (status ``issued``) with their own number entered in the
register of their year (marked imported; the counter moves past it so the shared series never
repeats a number), a text layer for full-text search, and an audit event. A signed PDF is validated
at import and the report kept: one whose signatures fail is "unverified", with the reason, never
shown as valid. A scan becomes PDF/A with a Vietnamese OCR text layer.
The record's origin line (``legacy_status``) and stored reason are part of the record (content);
refusals are raised by code and worded in ``web/messages/``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from . import audit, search_sync
from .access import Principal, can, ensure
from .audit import Actor
from .db import utcnow
from .digitise import digitise, pdf_text
from .errors import Problem, ValidationFailed
from .models import ISSUED, Document, DocumentVersion, Organisation, RegisterCounter, RegisterEntry
from .services import Services
from .signing import InvalidPdf
from .storage.keys import document_key
from .workflow import objects

IMPORTED, DIGITISED = "imported", "digitised"
LEGACY_KIND = "legacy_record"
MAX_PDF_BYTES = 50 * 1024 * 1024
_NUMBER = re.compile(r"^(\d{1,6})/\S+$")


@dataclass(frozen=True)
class LegacyMetadata:
    """What the clerk reads off the original (Decree 30 metadata of an outgoing document)."""

    doc_number: str  # "12/CTPH-HKH-TĐ"
    issue_date: date | None
    title: str  # type and summary: "Chương trình phối hợp … năm 2016"
    organisation_ids: tuple[int, ...]  # issuing organisation(s); the first owns the register entry
    doc_type: str = ""
    signers: tuple[str, ...] = ()  # "Lâm Như Quỳnh (Phó Bí thư)"
    recipients: tuple[str, ...] = field(default_factory=tuple)


def _check(session: Session, p: Principal, meta: LegacyMetadata) -> tuple[list[Organisation], int]:
    errors: dict[str, str] = {}
    number = _NUMBER.match(meta.doc_number.strip())
    if not number or len(meta.doc_number) > 120:
        errors["doc_number"] = Problem("legacy_number_format")
    if meta.issue_date is None or meta.issue_date.year < 1945 or meta.issue_date > date.today() + timedelta(days=1):
        errors["issue_date"] = Problem("legacy_date_invalid")
    if not meta.title.strip() or len(meta.title) > 2000:
        errors["title"] = Problem("legacy_summary_required")
    found = [session.get(Organisation, i) for i in dict.fromkeys(meta.organisation_ids)]
    orgs = [o for o in found if o is not None]
    if not orgs or len(found) > 2 or len(orgs) != len(found):
        errors["organisation_ids"] = Problem("legacy_orgs_required")
    elif not can(p, "legacy.keep", orgs[0]):
        # The first organisation's register receives the entry: it must be one the importer keeps.
        errors["organisation_ids"] = (Problem("legacy_keeper_scope"))
    for name, items in (("signers", meta.signers), ("recipients", meta.recipients)):
        if len(items) > 50 or any(len(i) > 255 for i in items):
            errors[name] = Problem("legacy_lines_limit")
    if errors:
        raise ValidationFailed(code="legacy_invalid", fields=errors)
    assert number is not None and meta.issue_date is not None
    lead = orgs[0]
    taken = session.scalar(select(RegisterEntry.id).where(
        RegisterEntry.organisation_id == lead.id, RegisterEntry.year == meta.issue_date.year,
        or_(RegisterEntry.number == int(number.group(1)), RegisterEntry.doc_number == meta.doc_number.strip())))
    if taken:
        raise ValidationFailed(code="legacy_number_taken",
                               params={"number": meta.doc_number, "year": meta.issue_date.year, "org_name": lead.name},
                               fields={"doc_number": Problem("field_number_taken")})
    return orgs, int(number.group(1))


def _enter(session: Session, svc: Services, p: Principal, actor: Actor, meta: LegacyMetadata, *, origin: str,
           pdf: bytes, text: str, validation: dict[str, Any] | None, legacy: dict[str, Any]) -> Document:
    orgs, number = _check(session, p, meta)
    lead, partner = orgs[0], orgs[-1]
    assert meta.issue_date is not None
    fields = {"doc_type": meta.doc_type.strip(), "signers": list(meta.signers), "recipients": list(meta.recipients),
              "legacy": {**legacy, "origin": origin, "organisations": [o.name for o in orgs]}}
    doc = Document(kind=LEGACY_KIND, title=meta.title.strip(), status=ISSUED, fields=fields, origin=origin,
                   template_version_id=None, lead_org_id=lead.id, partner_org_id=partner.id,
                   doc_number=meta.doc_number.strip(), issue_date=meta.issue_date, current_version=1,
                   created_by_id=p.user.id, validation=validation, validated_at=utcnow() if validation else None)
    session.add(doc)
    session.flush()
    until = utcnow() + timedelta(days=365 * svc.retention.years)
    row = objects.put(session, svc.store, document_key(doc.id, 1, origin, "pdf"), pdf, content_type=objects.PDF,
                      metadata={"doc-number": doc.doc_number or "", "document-id": str(doc.id), "origin": origin},
                      retain_until=until)
    if validation is not None:
        doc.validation = {**validation, "sha256": row.sha256}
    doc.pdf_object_id = row.id
    session.add(DocumentVersion(document_id=doc.id, number=1, stage=origin, fields=fields, template_version_id=None,
                                docx_object_id=None, pdf_object_id=row.id, text=text[:1_000_000],
                                note="Nhập hồ sơ có trước hệ thống" if origin == IMPORTED else "Số hóa bản gốc giấy",
                                created_by_id=p.user.id))
    year = meta.issue_date.year
    session.add(RegisterEntry(organisation_id=lead.id, year=year, number=number, doc_number=doc.doc_number,
                              document_id=doc.id, issue_date=meta.issue_date, summary=doc.title[:2000], imported=True))
    _move_counter(session, lead.id, year, number)
    session.flush()
    search_sync.index(session, doc)
    audit.record(session, actor, "legacy_" + origin, "document", doc.id, doc_number=doc.doc_number, sha256=row.sha256,
                 verified=legacy.get("verified"), reason=legacy.get("reason", ""))
    return doc


def _move_counter(session: Session, org_id: int, year: int, number: int) -> None:
    """Paper and electronic documents share one series (Art. 15.3): new numbers continue after it."""
    from .register import _ensure_counter

    _ensure_counter(session, org_id, year)
    session.execute(update(RegisterCounter).where(
        RegisterCounter.organisation_id == org_id, RegisterCounter.year == year,
        RegisterCounter.last_number < number).values(last_number=number))


def import_signed_pdf(session: Session, svc: Services, p: Principal, actor: Actor, meta: LegacyMetadata,
                      pdf: bytes) -> Document:
    """Enter a signed PDF made before the system; its signatures are validated now and the result kept. Commits."""
    ensure(p, "legacy.import")
    if not pdf or len(pdf) > MAX_PDF_BYTES:
        raise ValidationFailed(code="legacy_pdf_size")
    _check(session, p, meta)
    try:
        report = svc.validate(pdf).to_dict()
    except InvalidPdf as exc:
        raise ValidationFailed(code="legacy_pdf_invalid", params={"reason": exc.reason_vi}) from exc
    verified = bool(report["ok"])
    legacy = {"verified": verified, "reason": "" if verified else report["summary"]}
    text = pdf_text(pdf)
    if not text:
        text = digitise([pdf]).text  # a scanned-then-signed PDF: OCR a copy for search, keep the original
    try:
        doc = _enter(session, svc, p, actor, meta, origin=IMPORTED, pdf=pdf, text=text, validation=report,
                     legacy=legacy)
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return doc


def digitise_paper(session: Session, svc: Services, p: Principal, actor: Actor, meta: LegacyMetadata,
                   scans: list[bytes]) -> Document:
    """Enter a scanned paper original as PDF/A with an OCR text layer. Commits.

    The digitised copy becomes a certified copy once the digitising organisation's clerk applies the
    organisation's digital signature (see ``certify_digitised``); until then it says so.
    """
    ensure(p, "legacy.import")
    if not scans or sum(len(s) for s in scans) > MAX_PDF_BYTES:
        raise ValidationFailed(code="legacy_scan_missing")
    _check(session, p, meta)  # before the slow OCR
    result = digitise(scans)
    legacy = {"verified": False, "certified": False, "pages": result.pages,
              "reason": "Bản số hóa chưa được tổ chức ký số xác nhận.",
              "digitised_by": p.user.organisation.name}
    try:
        doc = _enter(session, svc, p, actor, meta, origin=DIGITISED, pdf=result.pdf, text=result.text,
                     validation=None, legacy=legacy)
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return doc


def legacy_status(doc: Document) -> str | None:
    """A Vietnamese line for the record's page: where it came from and whether it is verified."""
    if doc.origin == "system":
        return None
    info = (doc.fields or {}).get("legacy", {})
    if doc.origin == IMPORTED:
        return ("Hồ sơ nhập từ trước khi có hệ thống; chữ ký số đã được kiểm tra hợp lệ khi nhập." if info.get("verified")
                else f"Hồ sơ nhập từ trước khi có hệ thống — CHƯA XÁC THỰC: {info.get('reason', '')}")
    return ("Bản số hóa từ bản gốc giấy" + (", đã được tổ chức ký số xác nhận." if info.get("certified")
                                             else " — chưa được tổ chức ký số xác nhận."))
