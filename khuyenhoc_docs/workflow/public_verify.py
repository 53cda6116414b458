"""Public verification for recipients (no login): a record found by its code, and an uploaded
copy compared with it. Only number, date, organisations, signers and the archive match are
ever returned: nothing of the body, recipients or accounts.
The verdict sentence is part of the answer (content); refusals carry codes (``web/messages/``)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..archive_index import match_upload
from ..errors import NotFound, ValidationFailed
from ..models import Document, Signature
from ..services import Services
from ..signing import InvalidPdf
from ..signing.record_code import normalise_code
from .archival import is_final
from .copies import copy_of, copy_sentence, match_copy

MAX_PUBLIC_UPLOAD = 10 * 1024 * 1024


def record_by_code(session: Session, code: str) -> Document:
    """A final record by its public code; anything else is "not found" (no hint either way)."""
    canonical = normalise_code(code or "")
    doc = session.scalar(select(Document).where(Document.record_code == canonical)) if canonical else None
    if doc is None or not is_final(doc):
        raise NotFound(code="record_code_unknown")
    return doc


def public_facts(session: Session, doc: Document) -> dict[str, Any]:
    signers = session.scalars(select(Signature).where(Signature.document_id == doc.id, Signature.status == "signed")
                              .order_by(Signature.order))
    return {
        "record_code": doc.record_code,
        "doc_number": doc.doc_number,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else None,
        "organisations": [doc.lead_org.name, doc.partner_org.name],
        "signers": [{"full_name": s.signer.full_name, "position": s.signer.position} for s in signers],
    }


def verify_copy(session: Session, svc: Services, doc: Document, pdf: bytes) -> dict[str, Any]:
    """Compare an uploaded copy with this record only (a match with another record is not disclosed)."""
    if not pdf:
        raise ValidationFailed(code="pdf_missing")
    if len(pdf) > MAX_PUBLIC_UPLOAD:
        raise ValidationFailed(code="verify_upload_too_large")
    try:
        report = svc.validate(pdf)
    except InvalidPdf as exc:
        raise ValidationFailed(exc.reason_vi) from exc
    found = match_upload(session, pdf)
    if found.document_id != doc.id:
        found = type(found)("unknown")
    match = {k: v for k, v in found.to_dict().items() if v is not None and k not in ("document_id",)}
    sentence = found.sentence() if found.status != "unknown" else \
        "Tệp này không trùng với bản lưu trữ của văn bản này."
    extra: dict[str, Any] = {}
    copy = match_copy(session, pdf)
    if copy is not None and copy.document_id == doc.id:  # a certified copy of this record
        extra["copy_of"] = {k: v for k, v in copy_of(copy).items() if k != "document_id"}
        sentence = copy_sentence(copy)
    return {**public_facts(session, doc), **extra, "archive_match": match, "signatures_valid": report.ok,
            "summary": f"{sentence} {'Các chữ ký số hợp lệ.' if report.ok else 'Có chữ ký số không hợp lệ.'}",
            "copy_signers": [s.signer_cn for s in report.signatures if s.signer_cn]}
