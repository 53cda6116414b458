"""Signing and declining by the chairs; validation reports of stored and uploaded PDFs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, search_sync
from ..access import Principal
from ..archive_index import match_upload, trailing_sentence
from ..audit import Actor
from ..credentials import LOCAL_KINDS, active_credential, key_source
from ..db import utcnow
from ..errors import Conflict, DomainError, NotFound, Problem, ValidationFailed
from ..images import signature_png
from ..models import (
    AWAITING,
    DECLINED,
    SIG_CANCELLED,
    SIG_DECLINED,
    SIG_PENDING,
    SIG_SIGNED,
    SIGNED,
    Document,
    DocumentVersion,
    Signature,
)
from ..services import Services
from ..signing import InvalidPdf, SignatureCoreError
from ..signing.appearance import StampInfo
from ..signing.keys import KeySource, SigningKey, check_certificate
from ..signing.report_vi import VN_TZ
from ..signing.signer import SignOptions, sign_document
from ..signing.validation import ValidationReport
from ..storage.keys import document_key
from ..succession import ensure_can_sign
from . import archival, objects
from .documents import get_document, lock_document
from .reservations import ensure_not_held

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

MAX_SECRET = 256


class SigningRefused(DomainError):
    """Wrong passphrase/PIN, unusable certificate, or a signing failure; nothing was stored."""

    status = 422


def _signatures(session: Session, doc_id: int) -> list[Signature]:
    return list(session.scalars(
        select(Signature).where(Signature.document_id == doc_id, Signature.status != SIG_CANCELLED)
        .order_by(Signature.order).execution_options(populate_existing=True)
    ))


def _mine(sigs: list[Signature], user_id: int) -> Signature | None:
    return next((s for s in sigs if s.signer_id == user_id and s.status == SIG_PENDING), None)


def _lock_pending(session: Session, doc_id: int, user_id: int, hold_check: bool = False,
                  except_request: int | None = None) -> tuple[Document, list[Signature], Signature]:
    """Lock the document, then re-read its signatures: the user's must still be pending.

    ``hold_check``: also refuse while a remote signature on it waits for a phone (reservations)."""
    locked = lock_document(session, doc_id)
    if locked is None:
        session.rollback()
        raise NotFound(code="document_not_found")
    sigs = _signatures(session, doc_id)
    mine = _mine(sigs, user_id)
    if locked.status != AWAITING or mine is None:
        session.rollback()
        raise Conflict(code="not_awaiting_your_signature")
    if hold_check:
        try:
            ensure_not_held(session, doc_id, user_id, except_request=except_request)
        except Conflict:
            session.rollback()
            raise
    return locked, sigs, mine


@dataclass(frozen=True)
class Placement:
    """What to sign, read under the lock: the current PDF, the empty field, the reason."""

    pdf: bytes
    field_name: str
    reason: str
    certify: bool
    #: the appearance; None: the signer's handwritten-signature image only (Decree 30 Appendix I)
    style: Any = None


def check_secret(secret: str) -> None:
    if not secret or len(secret) > MAX_SECRET:
        raise ValidationFailed(code="secret_missing", fields={"secret": Problem("field_required")})


def open_local_key(session: Session, svc: Services, p: Principal, secret: str) -> KeySource:
    """The user's PKCS#12/PKCS#11 key source for the passphrase/PIN typed now (never stored)."""
    check_secret(secret)
    ensure_can_sign(p.user.organisation)  # merged or dissolved: its people's credentials stop working
    cred = active_credential(session, p.user)
    if cred is None:
        raise ValidationFailed(code="credential_missing")
    if cred.kind not in LOCAL_KINDS:
        raise ValidationFailed(code="credential_is_remote")
    try:
        return key_source(cred, secret, svc.trust_roots)
    except SignatureCoreError as exc:
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc


def stamp_for(p: Principal, now: datetime) -> StampInfo:
    """Decree 30 Appendix I: the chair's handwritten-signature image only (uploaded, else the demo one);
    name, position and time live in the signature and its validation report, not on the page."""
    return StampInfo(full_name=p.user.full_name, position=p.user.position, organisation=p.user.organisation.name,
                     signed_at=now, signature_image=signature_png(p.user), image_only=True)


def sign_placement(session: Session, svc: Services, p: Principal, key: SigningKey,
                   lock: Callable[[], Placement], lt_context: ValidationContext | None = None
                   ) -> tuple[bytes, datetime]:
    """With an opened key whose certificate was checked: ``lock``, then sign what it names (B-LT).
    ``lt_context``: a batch's one context, so the chain's OCSP/CRL answers are fetched once for
    all its documents (default: a fresh one). Any refusal rolls the transaction back; nothing is stored."""
    now = utcnow()
    try:
        placement = lock()
        signed = sign_document(
            placement.pdf, field_name=placement.field_name, signer=key, cert_chain=svc.trust_roots,
            timestamper=svc.timestamper, certify=placement.certify, stamp=stamp_for(p, now),
            stamp_style=placement.style, reason=placement.reason,
            # checked when the key was opened, before the lock was taken
            options=SignOptions(check_certificate=False),
            validation_context=lt_context or svc.lt_context(),  # B-LT: chains and OCSP/CRL in the DSS
        )
    except SignatureCoreError as exc:
        session.rollback()
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc
    return signed, now


def apply_signature(session: Session, svc: Services, p: Principal, secret: str,
                    lock: Callable[[], Placement]) -> tuple[bytes, datetime]:
    """The one signing routine for chairs' documents and units' reports: (signed PDF, moment).

    Opens the user's key and checks its certificate once, then calls ``lock``: it locks the row
    being signed, re-reads its state (raising after a rollback when it changed) and says what
    to sign. The lock is held from reading the current PDF until the caller commits the signed
    one, so simultaneous signers in any process queue and never lose a signature. Any refusal
    rolls the transaction back; nothing is stored.
    """
    source = open_local_key(session, svc, p, secret)
    try:
        with source.open() as key:
            check_certificate(key.cert, expected_name=p.user.full_name, at=utcnow())
            return sign_placement(session, svc, p, key, lock)
    except SignatureCoreError as exc:
        session.rollback()
        # the code (e.g. "WrongPassphrase") lets the web layer word it; reason_vi is the fallback
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc


def signable(session: Session, p: Principal, doc_id: int) -> Document:
    """The document if ``p`` may sign it now (access.py "document.sign" and still awaiting)."""
    doc = get_document(session, p, doc_id, "document.sign")
    if doc.status != AWAITING:
        raise Conflict(code="not_awaiting_your_signature")
    return doc


def lock_for_signing(session: Session, doc_id: int, user_id: int, *,
                     except_request: int | None = None) -> tuple[Document, list[Signature], Signature]:
    """Lock the document; check it is the user's turn and no remote signature holds it."""
    locked, sigs, mine = _lock_pending(session, doc_id, user_id, hold_check=True, except_request=except_request)
    earlier = [s for s in sigs if s.order < mine.order and s.status != SIG_SIGNED]
    if locked.routing == "sequential" and earlier:
        session.rollback()
        raise Conflict(code="not_your_turn", params={"signer_name": earlier[0].signer.full_name})
    return locked, sigs, mine


def _document_lock(session: Session, svc: Services, doc_id: int, user_id: int,
                   state: dict[str, Any]) -> Callable[[], Placement]:
    def lock() -> Placement:
        locked, sigs, mine = lock_for_signing(session, doc_id, user_id)
        assert locked.pdf_object is not None
        state.update(locked=locked, sigs=sigs, mine=mine)
        return Placement(objects.read(svc.store, locked.pdf_object), mine.field_name,
                         "Ký văn bản (người có thẩm quyền)",
                         certify=not any(s.status == SIG_SIGNED for s in sigs))
    return lock


def sign(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, secret: str) -> Document:
    """Apply the chair's PAdES B-LT signature to their field; the second makes the document signed. Commits."""
    signable(session, p, doc_id)
    state: dict[str, Any] = {}
    signed_pdf, now = apply_signature(session, svc, p, secret, _document_lock(session, svc, doc_id, p.user.id, state))
    return record_signature(session, svc, actor, state["locked"], state["sigs"], state["mine"], signed_pdf,
                            not any(s.status == SIG_SIGNED for s in state["sigs"]), now)


def sign_with_key(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int,
                  key: SigningKey, lt_context: ValidationContext | None = None) -> Document:
    """Sign one document with a key opened (and its certificate checked) once for a whole batch."""
    state: dict[str, Any] = {}
    signed_pdf, now = sign_placement(session, svc, p, key, _document_lock(session, svc, doc_id, p.user.id, state),
                                     lt_context)
    return record_signature(session, svc, actor, state["locked"], state["sigs"], state["mine"], signed_pdf,
                            not any(s.status == SIG_SIGNED for s in state["sigs"]), now)


def record_signature(session: Session, svc: Services, actor: Actor, locked: Document, sigs: list[Signature],
                     mine: Signature, signed_pdf: bytes, certify: bool, now: datetime,
                     judged: tuple[bytes | None, ValidationReport] | None = None,
                     **audit_extra: Any) -> Document:
    """Store the newly signed PDF as the document's current one and commit (the lock is held).
    ``judged``: the final validation already done outside the lock (``archival.finalise``)."""
    done = sum(1 for s in sigs if s.status == SIG_SIGNED) + 1
    row = objects.put(session, svc.store, document_key(locked.id, locked.current_version, f"signed-{done}", "pdf"),
                      signed_pdf, content_type=objects.PDF,
                      metadata={"doc-number": locked.doc_number or "", "document-id": str(locked.id)})
    mine.status, mine.signed_at, mine.pdf_object_id = SIG_SIGNED, now, row.id
    mine.certification = certify
    locked.pdf_object_id = row.id
    if all(s.status == SIG_SIGNED for s in sigs):
        row = archival.finalise(session, svc, locked, row, signed_pdf, status=SIGNED, signatures=2,
                                judged=judged)
    search_sync.index(session, locked)
    audit.record(session, actor, "sign", "document", locked.id, field=mine.field_name, certification=certify,
                 sha256=row.sha256, status=locked.status, **audit_extra)
    session.commit()
    return locked


def decline(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, reason: str) -> Document:
    """Refuse to sign with a reason; the document goes back to the clerk and signatures restart."""
    get_document(session, p, doc_id, "document.decline")
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationFailed(code="decline_reason", fields={"reason": Problem("field_required")})
    locked, sigs, mine = _lock_pending(session, doc_id, p.user.id)
    mine.status, mine.reason = SIG_DECLINED, reason
    for s in sigs:
        if s.status == SIG_PENDING:
            s.status = SIG_CANCELLED
    locked.status = DECLINED
    search_sync.index(session, locked)
    audit.record(session, actor, "decline", "document", locked.id, reason=reason)
    session.commit()
    return locked


def verification(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int,
                 *, rerun: bool = False, version: int | None = None,
                 at: datetime | None = None) -> dict[str, Any]:
    """The validation report of the current PDF (kept, re-run on demand) or of a stored version's PDF,
    now or at ``at`` (a past or future validation time)."""
    doc = get_document(session, p, doc_id, "document.verify")
    if version is not None:
        row = session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == doc.id,
                                                           DocumentVersion.number == version))
        if row is None:
            raise NotFound(code="version_not_found")
        report = svc.validate(objects.read(svc.store, row.pdf_object), at=at)
        return {**report.to_dict(), "sha256": row.pdf_object.sha256, "version": version}
    if doc.pdf_object is None:
        raise ValidationFailed(code="document_no_pdf")
    if at is not None:  # a past or future validation time: computed, not kept
        report = svc.validate(objects.read(svc.store, doc.pdf_object), at=at)
        return {**report.to_dict(), "sha256": doc.pdf_object.sha256}
    if rerun or doc.validation is None or doc.validation.get("sha256") != doc.pdf_object.sha256:
        report = svc.validate(objects.read(svc.store, doc.pdf_object))
        doc.validation = {**report.to_dict(), "sha256": doc.pdf_object.sha256}
        doc.validated_at = utcnow()
        audit.record(session, actor, "verify", "document", doc.id, ok=report.ok)
        session.commit()
    return {**doc.validation, "validated_at": doc.validated_at.isoformat() if doc.validated_at else None}


def parse_validation_time(value: str | None) -> datetime | None:
    """``2031-01-01`` (00:00 Vietnam time) or an ISO 8601 date-time; empty means now."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationFailed(code="validation_time_invalid", fields={"at": Problem("field_format")}) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VN_TZ)
    return moment


def verify_against_archive(session: Session, svc: Services, pdf: bytes) -> dict[str, Any]:
    """Validation report of an uploaded PDF plus where it stands against the archive
    (``archive_match``); the summary opens with that, and names unsigned changes at the end."""
    from .copies import copy_of, copy_sentence, match_copy

    report = verify_upload(svc, pdf).to_dict()
    found = match_upload(session, pdf)
    trailing = trailing_sentence(pdf) if found.status != "identical" else ""
    report["archive_match"] = {k: v for k, v in found.to_dict().items() if v is not None}
    copy = match_copy(session, pdf)
    # A registered certified copy: its own signature comes after the record's, which is no tampering.
    opening = found.sentence()
    if copy is not None:
        report["copy_of"], opening, trailing = copy_of(copy), copy_sentence(copy), ""
    report["summary"] = " ".join(p for p in (opening, report["summary"], trailing) if p)
    return report


def verify_upload(svc: Services, pdf: bytes) -> ValidationReport:
    """Validate an uploaded PDF against the configured trust roots (nothing is stored)."""
    if not pdf:
        raise ValidationFailed(code="pdf_missing")
    try:
        return svc.validate(pdf)
    except InvalidPdf as exc:
        raise ValidationFailed(exc.reason_vi) from exc
