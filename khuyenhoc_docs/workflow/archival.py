"""Long-term archiving of final records (PAdES B-LTA): the first document timestamp when a
record becomes final, and refreshes before the newest timestamp's TSA certificate expires.

Each new timestamped PDF is a new version of the record's ``archive`` object; the earlier,
retention-locked versions stay untouched."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..db import utcnow
from ..models import ISSUED, SEALED, SIGNED, Document, StoredObject
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.ltv import add_document_timestamp, timestamp_chain
from ..signing.validation import ValidationReport
from ..storage.keys import document_key
from . import objects
from .documents import lock_document

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

log = logging.getLogger(__name__)


def is_final(doc: Document, status: str | None = None) -> bool:
    """The one place that decides when a record is final and gets its document timestamp.

    The organisations' seals make it final (``sealed``, later ``issued``); a document signed
    before seals existed (``seal_required`` false, see migration i12_sealing) was final once signed.
    ``status``: judge the status the document is about to take instead of its current one."""
    status = status or doc.status
    return status in (SEALED, ISSUED) or (status == SIGNED and not doc.seal_required)


def _retain_until(svc: Services) -> datetime:
    return utcnow() + timedelta(days=365 * svc.retention.years)


def _store(session: Session, svc: Services, doc: Document, pdf: bytes) -> StoredObject:
    return objects.put(session, svc.store, document_key(doc.id, max(doc.current_version, 1), "archive", "pdf"),
                       pdf, content_type=objects.PDF, retain_until=_retain_until(svc),
                       metadata={"doc-number": doc.doc_number or "", "document-id": str(doc.id)})


def document_timestamp(svc: Services, doc: Document, pdf: bytes,
                       lt_context: ValidationContext | None = None) -> bytes | None:
    """The PDF with the record's first document timestamp (B-LTA), not stored yet.

    ``lt_context``: the one the request's signature used (its OCSP/CRL answers are reused).
    Returns None (and logs) when the TSA cannot be reached: the signatures stand, and the
    archive job adds the missing timestamp on its next run."""
    try:
        return add_document_timestamp(pdf, svc.timestamper, lt_context or svc.lt_context())
    except SignatureCoreError as exc:
        log.warning("document %s: no document timestamp yet: %s", doc.id, exc)
        return None


def store_final(session: Session, svc: Services, doc: Document, stamped: bytes) -> StoredObject:
    """Store a timestamped final PDF (retention-locked) as the record's current PDF."""
    row = _store(session, svc, doc, stamped)
    doc.pdf_object_id = row.id
    return row


def passes(report: ValidationReport, signatures: int) -> bool:
    """A report that lets a stage complete: valid, with exactly ``signatures`` signatures."""
    return report.ok and len(report.signatures) == signatures


def judge(svc: Services, pdf: bytes, stamped: bytes | None, report: ValidationReport,
          signatures: int) -> tuple[bytes | None, ValidationReport]:
    """(stamped PDF to keep, its report) from the report of ``stamped`` (or of ``pdf`` when None):
    a stamped PDF that does not pass is dropped and the unstamped PDF validated alone."""
    if stamped is not None and not passes(report, signatures):
        return None, svc.validate(pdf)
    return stamped, report


def finalise(session: Session, svc: Services, doc: Document, row: StoredObject, pdf: bytes, *,
             status: str, signatures: int, lt_context: ValidationContext | None = None,
             judged: tuple[bytes | None, ValidationReport] | None = None) -> StoredObject:
    """Validate a PDF that completes a stage; only a passing report (valid, exactly ``signatures``
    signatures) moves the document to ``status`` and retention-locks ``row``.

    A final record also gets its document timestamp (B-LTA), stored as the current PDF. The timestamp
    is added first and the stamped PDF validated once (its report judges the earlier signatures too);
    should the stamped PDF not pass, the stamp is dropped and the unstamped PDF judged alone.
    ``judged``: (stamped PDF or None, report) already computed by ``judge`` outside the lock (batch)."""
    if judged is None:
        stamped = document_timestamp(svc, doc, pdf, lt_context) if is_final(doc, status) else None
        judged = judge(svc, pdf, stamped, svc.validate(stamped if stamped is not None else pdf), signatures)
    stamped, report = judged
    if passes(report, signatures):
        doc.status = status
        until = _retain_until(svc)
        svc.store.set_retention(row.key, row.version_id, until)
        row.retain_until = until
        if stamped is not None:
            row = store_final(session, svc, doc, stamped)
    doc.validation, doc.validated_at = {**report.to_dict(), "sha256": row.sha256}, utcnow()
    return row


def timestamp_final(session: Session, svc: Services, doc: Document, pdf: bytes) -> tuple[StoredObject, bytes] | None:
    """Add the record's first document timestamp (B-LTA) and store it as the current PDF
    (None when the TSA cannot be reached, see ``document_timestamp``)."""
    stamped = document_timestamp(svc, doc, pdf)
    if stamped is None:
        return None
    return store_final(session, svc, doc, stamped), stamped


@dataclass
class RefreshResult:
    checked: int = 0
    added: list[int] = field(default_factory=list)  # document ids
    failed: dict[int, str] = field(default_factory=dict)


def _due(pdf: bytes, horizon: datetime) -> bool:
    chain = timestamp_chain(pdf)
    if not any(t.kind == "document" for t in chain):
        return True  # final but never archived (the TSA was down when it became final)
    return max(t.tsa_not_after for t in chain) <= horizon


def refresh(session: Session, svc: Services, actor: Actor, *, horizon_days: int,
            now: datetime | None = None) -> RefreshResult:
    """Re-timestamp every final record whose protection ends within ``horizon_days``.

    Idempotent: a new timestamp is kept only if its TSA certificate outlives the newest one
    already in the file, so a second run right after the first adds nothing."""
    now = now or datetime.now(UTC)
    horizon = now + timedelta(days=horizon_days)
    result = RefreshResult()
    ids = list(session.scalars(select(Document.id).where(Document.pdf_object_id.is_not(None))
                               .order_by(Document.id)))
    for doc_id in ids:
        doc = session.get(Document, doc_id)
        if doc is None or not is_final(doc) or doc.pdf_object is None:
            continue
        result.checked += 1
        pdf = objects.read(svc.store, doc.pdf_object)
        if not _due(pdf, horizon):
            continue
        locked = lock_document(session, doc_id)
        if locked is None or locked.pdf_object is None or locked.pdf_object.sha256 != doc.pdf_object.sha256:
            session.rollback()  # changed meanwhile: the next run looks again
            continue
        before = timestamp_chain(pdf)
        try:
            stamped = add_document_timestamp(pdf, svc.archive_timestamper, svc.lt_context())
        except SignatureCoreError as exc:
            session.rollback()
            result.failed[doc_id] = exc.reason_vi
            continue
        newest = timestamp_chain(stamped)[-1]
        if any(t.kind == "document" for t in before) and newest.tsa_not_after <= max(t.tsa_not_after for t in before):
            session.rollback()
            log.warning("document %s: the archive TSA's certificate would not extend the protection", doc_id)
            continue
        previous = locked.pdf_object.sha256
        row = _store(session, svc, locked, stamped)
        locked.pdf_object_id = row.id
        locked.validation = None  # re-validated on the next view
        audit.record(session, actor, "archive_timestamp", "document", doc_id, sha256=row.sha256,
                     previous_sha256=previous, tsa=newest.tsa, tsa_not_after=newest.tsa_not_after.isoformat())
        session.commit()
        result.added.append(doc_id)
    return result
