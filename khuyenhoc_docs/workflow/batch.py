"""Batch signing: one passphrase/PIN opens the chair's key once for many documents.

Each document is checked on its own (access.py "document.sign", turn, state) and signed in its own
short transaction, so one refusal never stops the batch and a failure stores nothing for that
document. Remote credentials go through ``remote_signing.start`` instead (one authorisation)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal
from ..audit import Actor
from ..db import utcnow
from ..errors import DomainError, Forbidden, Problem, ValidationFailed
from ..models import AWAITING, Document, Signature
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.keys import check_certificate
from .signing import SigningRefused, open_local_key, sign_with_key, signable

MAX_BATCH = 500


@dataclass(frozen=True)
class BatchResult:
    """One line of a batch answer; status: signed | refused | failed | pending."""

    document_id: int
    status: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


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


def sign_batch_local(session: Session, svc: Services, p: Principal, actor: Actor,
                     document_ids: list[int], secret: str) -> list[BatchResult]:
    """Sign every listed document the chair may sign with their PKCS#12/PKCS#11 key, opened once."""
    ids = check_ids(document_ids)
    source = open_local_key(session, svc, p, secret)  # wrong passphrase: the whole batch is refused
    ok, refused = split_signable(session, p, ids)
    results = {r.document_id: r for r in refused}
    if ok:
        try:
            with source.open() as key:
                check_certificate(key.cert, expected_name=p.user.full_name, at=utcnow())
                # one chain, one signer: its OCSP/CRL answers (and the TSA's) are fetched once
                # for the batch and embedded in every document's DSS
                lt_context = svc.lt_context()
                for doc_id in ok:
                    try:
                        doc = sign_with_key(session, svc, p, actor, doc_id, key, lt_context)
                        results[doc_id] = BatchResult(doc_id, "signed", _signed_message(doc.status))
                    except DomainError as exc:
                        session.rollback()
                        status = "refused" if exc.status in (403, 404, 409) else "failed"
                        results[doc_id] = BatchResult(doc_id, status, refusal_text(exc))
        except SignatureCoreError as exc:
            session.rollback()
            raise SigningRefused(exc.reason_vi) from exc
    return [results[i] for i in ids]


def _signed_message(status: str) -> str:
    return "Đã ký; văn bản đã đủ chữ ký." if status == "signed" else "Đã ký; chờ chữ ký còn lại."
