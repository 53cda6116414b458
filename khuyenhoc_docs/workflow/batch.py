"""Batch signing: one passphrase/PIN opens the chair's key once for many documents.

Each document is checked on its own (access.py "document.sign", turn, state) and stored in its own
short transaction, so one refusal never stops the batch and a failure stores nothing for that
document. Remote credentials go through ``remote_signing.start`` instead (one authorisation).

Optimistic, so that signing and validating overlap: a document's PDF is read under its lock, the
lock is released, the PDF is signed and (when this signature completes it) validated outside any
lock, in a second process while the next document is signed; then a short transaction locks the
document again, re-checks the turn and stores the signature only if the document's current PDF is
still the one that was signed (compare-and-set on ``pdf_object_id``, right across processes). A
document that changed meanwhile is reported as failed and nothing of it is written."""
from __future__ import annotations

from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal
from ..audit import Actor
from ..db import utcnow
from ..errors import Conflict, DomainError, Forbidden, Problem, ValidationFailed
from ..models import AWAITING, SIG_SIGNED, SIGNED, Document, Signature
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.keys import SigningKey, check_certificate
from . import archival
from .signing import (
    Placement,
    SigningRefused,
    _document_lock,
    lock_for_signing,
    open_local_key,
    record_signature,
    sign_placement,
    signable,
)

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

    from ..signing.validation import ValidationReport
    from ..signing.validation_pool import ValidationPool

MAX_BATCH = 500
#: a batch of at least this many documents validates the ones it completes in a second process
POOL_MIN = 4


@dataclass(frozen=True)
class BatchResult:
    """One line of a batch answer; status: signed | refused | failed | pending."""

    document_id: int
    status: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Signed:
    """A document signed outside its lock, waiting for its short storing transaction."""

    doc_id: int
    pdf_object_id: int  # the PDF that was signed: stored only if it is still the current one
    certify: bool
    completes: bool  # this signature is the last one: validated before it counts
    signed: bytes
    now: datetime
    stamped: bytes | None = None  # the final record's document timestamp (B-LTA), if any
    report: Future[ValidationReport] | None = None


def awaiting_my_signature(session: Session, p: Principal) -> list[Document]:
    """Documents whose field for ``p`` is pending (the batch page's list), oldest first."""
    return list(session.scalars(
        select(Document).join(Signature, Signature.document_id == Document.id)
        .where(Signature.signer_id == p.user.id, Signature.status == "pending", Document.status == AWAITING)
        .order_by(Document.id)
    ).unique())


def refusal_text(exc: DomainError) -> str:
    """A per-document refusal in words: a plain access refusal says the chair has nothing to sign there."""
    if exc.code == "forbidden" or exc.status == 403:
        return Forbidden(code="batch_nothing_to_sign").message
    return exc.message


def check_ids(document_ids: list[int]) -> list[int]:
    """The distinct ids in request order; refuses an empty or oversized batch."""
    ids = list(dict.fromkeys(int(i) for i in document_ids))
    if not ids:
        raise ValidationFailed(code="batch_empty", fields={"document_ids": Problem("field_required")})
    if len(ids) > MAX_BATCH:
        raise ValidationFailed(code="batch_too_many", params={"max_batch": MAX_BATCH},
                               fields={"document_ids": Problem("field_too_many")})
    return ids


def split_signable(session: Session, p: Principal, ids: list[int]) -> tuple[list[int], list[BatchResult]]:
    """(ids the chair may sign now, a refusal per other id) — decided one by one."""
    ok: list[int] = []
    refused: list[BatchResult] = []
    for doc_id in ids:
        try:
            signable(session, p, doc_id)
            ok.append(doc_id)
        except DomainError as exc:
            refused.append(BatchResult(doc_id, "refused", refusal_text(exc)))
    session.rollback()  # nothing written; release the read snapshot before signing
    return ok, refused


class _Batch:
    """The signing loop of one batch: sign document k+1 while document k is validated."""

    def __init__(self, session: Session, svc: Services, p: Principal, actor: Actor, key: SigningKey,
                 lt_context: ValidationContext, pool_wanted: bool) -> None:
        self.session, self.svc, self.p, self.actor, self.key = session, svc, p, actor, key
        self.lt_context = lt_context
        self.pool_wanted = pool_wanted
        self.pool: ValidationPool | None = None

    def sign(self, doc_id: int) -> _Signed:
        """Read the document's PDF under its lock, release the lock, sign (and start validating)."""
        state: dict[str, Any] = {}
        snap: dict[str, Any] = {}
        read = _document_lock(self.session, self.svc, doc_id, self.p.user.id, state)

        def snapshot() -> Placement:
            placement = read()
            locked, sigs, mine = state["locked"], state["sigs"], state["mine"]
            snap.update(pdf_object_id=locked.pdf_object_id, final=archival.is_final(locked, SIGNED),
                        certify=placement.certify,
                        completes=all(s.status == SIG_SIGNED for s in sigs if s is not mine))
            self.session.rollback()  # the lock is released; ``store`` checks the PDF is unchanged
            return placement

        signed_pdf, now = sign_placement(self.session, self.svc, self.p, self.key, snapshot, self.lt_context)
        item = _Signed(doc_id, snap["pdf_object_id"], certify=snap["certify"],
                       completes=snap["completes"],
                       signed=signed_pdf, now=now)
        if item.completes:
            if snap["final"]:  # a record final once signed (no seals): its B-LTA timestamp first
                item.stamped = archival.document_timestamp(self.svc, state["locked"], signed_pdf, self.lt_context)
            if self.pool_wanted and self.pool is None:
                from ..signing.validation_pool import ValidationPool

                self.pool = ValidationPool(self.svc.trust_roots, self.svc.settings.revocation_online)
            if self.pool is not None:
                item.report = self.pool.submit(item.stamped or signed_pdf)
        return item

    def store(self, item: _Signed) -> Document:
        """The short transaction: lock, re-check, compare-and-set, store and commit."""
        judged = None
        if item.completes:  # validated before the lock is taken (and before the signature counts)
            checked = item.stamped or item.signed
            report = (self.pool.result(item.report, checked) if self.pool is not None and item.report is not None
                      else self.svc.validate(checked))
            judged = archival.judge(self.svc, item.signed, item.stamped, report, signatures=2)
        locked, sigs, mine = lock_for_signing(self.session, item.doc_id, self.p.user.id)
        # the same PDF means the same signatures; the flags are checked too, should a change keep the PDF
        completes = all(s.status == SIG_SIGNED for s in sigs if s is not mine)
        certify = not any(s.status == SIG_SIGNED for s in sigs)
        if (locked.pdf_object_id, completes, certify) != (item.pdf_object_id, item.completes, item.certify):
            self.session.rollback()
            raise DocumentChanged(code="batch_document_changed")
        return record_signature(self.session, self.svc, self.actor, locked, sigs, mine, item.signed, item.certify,
                                item.now, judged=judged)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()


class DocumentChanged(Conflict):
    """The document changed between reading its PDF and storing the signature: nothing was stored."""


def sign_batch_local(session: Session, svc: Services, p: Principal, actor: Actor,
                     document_ids: list[int], secret: str) -> list[BatchResult]:
    """Sign every listed document the chair may sign with their PKCS#12/PKCS#11 key, opened once."""
    ids = check_ids(document_ids)
    source = open_local_key(session, svc, p, secret)  # wrong passphrase: the whole batch is refused
    ok, refused = split_signable(session, p, ids)
    results = {r.document_id: r for r in refused}

    def fail(doc_id: int, exc: DomainError) -> None:
        session.rollback()
        status = "refused" if exc.status in (403, 404, 409) and not isinstance(exc, DocumentChanged) else "failed"
        results[doc_id] = BatchResult(doc_id, status, refusal_text(exc))

    if ok:
        try:
            with source.open() as key:
                check_certificate(key.cert, expected_name=p.user.full_name, at=utcnow())
                # one chain, one signer: its OCSP/CRL answers (and the TSA's) are fetched once
                # for the batch and embedded in every document's DSS
                run = _Batch(session, svc, p, actor, key, svc.lt_context(), pool_wanted=len(ok) >= POOL_MIN)
                try:
                    waiting: _Signed | None = None
                    for doc_id in [*ok, None]:
                        current = None
                        if doc_id is not None:
                            try:
                                current = run.sign(doc_id)
                            except DomainError as exc:
                                fail(doc_id, exc)
                        if waiting is not None:  # stored while ``current`` is validated in the pool
                            try:
                                doc = run.store(waiting)
                                results[waiting.doc_id] = BatchResult(waiting.doc_id, "signed",
                                                                      _signed_message(doc.status))
                            except DomainError as exc:
                                fail(waiting.doc_id, exc)
                        waiting = current
                finally:
                    run.close()
        except SignatureCoreError as exc:
            session.rollback()
            raise SigningRefused(exc.reason_vi) from exc
    return [results[i] for i in ids]


def _signed_message(status: str) -> str:
    return "Đã ký; văn bản đã đủ chữ ký." if status == "signed" else "Đã ký; chờ chữ ký còn lại."
