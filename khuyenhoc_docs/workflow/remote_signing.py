"""Signing through a remote signing service: start (web request), tick (background worker), cancel.

start: the documents are prepared one by one on their current revision, each under the document
lock for a moment only (a ``SigningRequestItem`` keeps the placeholder PDF and what must be
signed); then the service is asked — CSC: credentials/authorize with the PIN/OTP typed once for
all hashes; confirm-in-app: one sign request listing every hash. No lock and no web worker is held
while the signer looks at their phone: the worker's ``tick`` polls, and once signatures arrive
each is checked and embedded under the document lock (see reservations: nobody else signs a held
document meanwhile, and the base revision is re-checked anyway)."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.orm import Session

from .. import audit
from ..access import Principal, ensure
from ..audit import Actor
from ..credentials import REMOTE_KINDS, active_credential, register_remote
from ..db import utcnow
from ..errors import DomainError, NotFound, Problem, ServiceUnavailable, ValidationFailed
from ..models import SigningCredential, SigningRequest, SigningRequestItem
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.external import PreparedSignature, finish_external, prepare_external
from ..signing.keys import check_certificate
from ..signing.remote import AsyncConfirmClient, CscAuthorization, CscClient, ProviderUnreachable, RemoteEndpoint
from ..succession import ensure_can_sign
from . import objects
from .batch import BatchResult, check_ids, refusal_text, split_signable
from .signing import SigningRefused, lock_for_signing, record_signature, stamp_for

MAX_PIN = 256
# A request's and its items' ``message`` is stored text (the worker writes it): the words of these
# codes (web/messages/) at the time.
MESSAGES = {"rejected": "remote_rejected", "expired": "remote_expired", "cancelled": "remote_cancelled",
            "waiting": "remote_waiting"}


def endpoint_for(svc: Services, cred: SigningCredential) -> RemoteEndpoint:
    """The credential's provider settings; empty fields fall back to the KHD_* defaults."""
    s = svc.settings
    url, cid, secret = ((s.csc_url, s.csc_client_id, s.csc_client_secret) if cred.kind == "csc"
                        else (s.async_sign_url, s.async_sign_client_id, s.async_sign_client_secret))
    stored = svc.secret_box.open(cred.client_secret_enc)
    endpoint = RemoteEndpoint(url=cred.provider_url or url, client_id=cred.client_id or cid,
                              client_secret=stored or secret, account=cred.account, timeout=s.remote_timeout)
    if not endpoint.url or not endpoint.account:
        raise ValidationFailed(code="remote_account_incomplete")
    return endpoint


def client_for(svc: Services, cred: SigningCredential) -> CscClient | AsyncConfirmClient:
    endpoint = endpoint_for(svc, cred)
    return CscClient(endpoint) if cred.kind == "csc" else AsyncConfirmClient(endpoint)


def fetch_certificates(svc: Services, cred: SigningCredential) -> list[x509.Certificate]:
    """The signer's certificate (first) and chain, from the service; raised errors are DomainErrors."""
    try:
        client = client_for(svc, cred)
        if isinstance(client, CscClient):
            info = client.certificates()
            certs = [info.signing_cert, *info.chain]
        else:
            certs = client.certificates()
    except ProviderUnreachable as exc:
        raise ServiceUnavailable(exc.reason_vi) from exc
    except SignatureCoreError as exc:
        raise SigningRefused(exc.reason_vi) from exc
    return [x509.load_der_x509_certificate(c.dump()) for c in certs]


def pem_bundle(certs: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(Encoding.PEM).decode() for c in certs)


def _description(items: list[SigningRequestItem]) -> str:
    numbers = ", ".join(i.document.doc_number or f"#{i.document_id}" for i in items[:10])
    if len(items) == 1:
        doc = items[0].document
        # chairs sign before the clerk numbers the document (at sealing): usually no number yet
        return (f"Ký văn bản số {doc.doc_number}: {doc.title}" if doc.doc_number else f"Ký văn bản: {doc.title}")[:500]
    return f"Ký {len(items)} văn bản: {numbers}{'…' if len(items) > 10 else ''}"[:500]


def start(session: Session, svc: Services, p: Principal, actor: Actor, document_ids: list[int],
          secret: str = "", otp: str = "") -> tuple[SigningRequest | None, list[BatchResult]]:
    """Prepare the documents and send one authorisation request for all of them.

    Returns the pending request (None when nothing could be prepared) and a result per document
    (``pending`` or why it was refused). Wrong PIN / unusable certificate / service down: raises,
    and nothing is signed."""
    ids = check_ids(document_ids)
    ensure_can_sign(p.user.organisation)  # merged or dissolved: its people's credentials stop working
    cred = active_credential(session, p.user)
    if cred is None or cred.kind not in REMOTE_KINDS:
        raise ValidationFailed(code="remote_account_missing")
    if cred.kind == "csc" and (not secret or len(secret) > MAX_PIN or len(otp) > MAX_PIN):
        raise ValidationFailed(code="remote_pin_missing", fields={"secret": Problem("field_required")})
    ok, refused = split_signable(session, p, ids)
    results = {r.document_id: r for r in refused}
    if not ok:
        return None, [results[i] for i in ids]
    certs = fetch_certificates(svc, cred)  # before any lock: this is a network call
    now = utcnow()
    try:
        check_certificate(certs[0], expected_name=p.user.full_name, at=now)
    except SignatureCoreError as exc:
        raise SigningRefused(exc.reason_vi) from exc
    cred.cert_pem = pem_bundle(certs)
    req = SigningRequest(user_id=p.user.id, credential_id=cred.id, kind=cred.kind, transaction_id=uuid.uuid4().hex,
                         expires_at=now + timedelta(minutes=svc.settings.remote_expiry_minutes),
                         message=str(Problem(MESSAGES["waiting"])))
    session.add(req)
    session.commit()
    items = []
    for doc_id in ok:
        try:
            items.append(_prepare_item(session, svc, p, req, doc_id, certs, now))
            results[doc_id] = BatchResult(doc_id, "pending", Problem(MESSAGES["waiting"]))
        except DomainError as exc:
            session.rollback()
            results[doc_id] = BatchResult(doc_id, "refused" if exc.status in (403, 404, 409) else "failed",
                                          refusal_text(exc))
    if not items:
        _close(session, req, "failed", Problem("remote_nothing_prepared"))
        return None, [results[i] for i in ids]
    try:
        _send(session, svc, cred, req, items, secret, otp)
    except SignatureCoreError as exc:
        _close(session, req, "failed", exc.reason_vi)
        if isinstance(exc, ProviderUnreachable):
            raise ServiceUnavailable(exc.reason_vi) from exc
        raise SigningRefused(exc.reason_vi) from exc
    audit.record(session, actor, "remote_sign_request", "signing_request", req.id, kind=req.kind,
           documents=[i.document_id for i in items])
    session.commit()
    return req, [results[i] for i in ids]


def _prepare_item(session: Session, svc: Services, p: Principal, req: SigningRequest, doc_id: int,
                  certs: list[x509.Certificate], now) -> SigningRequestItem:
    """Under the document lock: prepare the signature on the current revision, keep it, commit."""
    locked, sigs, mine = lock_for_signing(session, doc_id, p.user.id)
    assert locked.pdf_object is not None
    certify = not any(s.status == "signed" for s in sigs)
    try:
        prep = prepare_external(objects.read(svc.store, locked.pdf_object), field_name=mine.field_name,
                                cert=certs[0], chain=[*certs[1:], *svc.trust_roots],
                                timestamper=svc.timestamper, certify=certify, stamp=stamp_for(p, now),
                                reason="Ký văn bản (người có thẩm quyền)")
    except SignatureCoreError as exc:
        session.rollback()
        raise SigningRefused(exc.reason_vi) from exc
    item = SigningRequestItem(request_id=req.id, document_id=doc_id, signature_id=mine.id,
                              base_object_id=locked.pdf_object_id, prepared_pdf=prep.prepared_pdf,
                              region_start=prep.region_start, region_end=prep.region_end,
                              document_digest=prep.document_digest, tbs=prep.tbs, certify=certify, signed_at=now,
                              message=str(Problem(MESSAGES["waiting"])))
    session.add(item)
    session.commit()  # releases the document lock; the item now holds the document (reservations)
    return item


def _prepared(item: SigningRequestItem) -> PreparedSignature:
    assert item.prepared_pdf is not None
    return PreparedSignature(prepared_pdf=item.prepared_pdf, region_start=item.region_start,
                             region_end=item.region_end, document_digest=item.document_digest, tbs=item.tbs)


def _send(session: Session, svc: Services, cred: SigningCredential, req: SigningRequest,
          items: list[SigningRequestItem], secret: str, otp: str) -> None:
    client = client_for(svc, cred)
    hashes = [_prepared(i).tbs_hash for i in items]
    if isinstance(client, CscClient):
        auth = client.authorize(hashes, pin=secret, otp=otp, description=_description(items))
        req.sad_enc = svc.secret_box.seal(json.dumps({"sads": list(auth.sads), "batch": auth.batch}))
    else:
        req.tran_code = client.sign(req.transaction_id, _description(items),
                                    [(str(i.id), h) for i, h in zip(items, hashes, strict=True)])
    session.commit()


def _close(session: Session, req: SigningRequest, status: str, message: str) -> None:
    """End a request; its still-pending items end with it (releasing their documents)."""
    req.status, req.message, req.sad_enc = status, message[:2000], None
    for item in req.items:
        if item.status == "pending":
            item.status, item.message = ("failed" if status == "signed" else status), message[:2000]
        item.prepared_pdf = None
    session.commit()


def tick(session: Session, svc: Services, request_id: int) -> str:
    """One worker step: ask the service, embed what arrived; returns the request's status."""
    req = session.get(SigningRequest, request_id, populate_existing=True)
    if req is None or req.status != "pending":
        return req.status if req else "failed"
    cred = req.credential
    pending = [i for i in req.items if i.status == "pending"]
    try:
        client = client_for(svc, cred)
        if isinstance(client, CscClient):
            box = json.loads(svc.secret_box.open(req.sad_enc or ""))
            raws = client.sign([i.tbs for i in pending], CscAuthorization(tuple(box["sads"]), box["batch"]))
            signatures = {i.id: raw for i, raw in zip(pending, raws, strict=True)}  # a short answer is a failure
        else:
            status = client.status(req.transaction_id)
            if status.state == "pending":
                if utcnow() > req.expires_at:
                    _close(session, req, "expired", Problem(MESSAGES["expired"]))
                return req.status
            if status.state in ("rejected", "expired"):
                _close(session, req, status.state, Problem(MESSAGES[status.state]))
                return req.status
            signatures = {i.id: status.signatures[str(i.id)] for i in pending if str(i.id) in status.signatures}
    except ProviderUnreachable as exc:
        if utcnow() > req.expires_at:  # keep retrying while the request lives
            _close(session, req, "failed", exc.reason_vi)
        return req.status
    except (SignatureCoreError, DomainError, ValueError, KeyError) as exc:
        message = getattr(exc, "reason_vi", None) or getattr(exc, "message", None) or Problem("remote_service_error")
        _close(session, req, "failed", message)
        return req.status
    for item in pending:
        _finish_item(session, svc, req, item, signatures.get(item.id))
    done = sum(1 for i in req.items if i.status == "signed")
    if done:
        _close(session, req, "signed", Problem("remote_signed_count", done=done, total=len(req.items)))
    else:
        _close(session, req, "failed", next((i.message for i in req.items if i.message), Problem("remote_not_signed")))
    return req.status


def _finish_item(session: Session, svc: Services, req: SigningRequest, item: SigningRequestItem,
                 raw: bytes | None) -> None:
    """Embed one signature under the document lock; any problem leaves the document untouched."""
    item_id, req_id = item.id, req.id
    if raw is None:
        item.status, item.message = "failed", str(Problem("remote_no_signature"))
        session.commit()
        return
    try:
        locked, sigs, mine = lock_for_signing(session, item.document_id, req.user_id, except_request=req.id)
        fresh = session.get(SigningRequestItem, item_id, populate_existing=True)
        assert fresh is not None
        item = fresh
        if item.status != "pending":  # another worker finished it meanwhile
            session.rollback()
            return
        if mine.id != item.signature_id or locked.pdf_object_id != item.base_object_id:
            raise SigningRefused(code="remote_document_changed")
        certs = x509.load_pem_x509_certificates(req.credential.cert_pem.encode())
        signed_pdf = finish_external(_prepared(item), raw, cert=certs[0], chain=[*certs[1:], *svc.trust_roots],
                                     timestamper=svc.timestamper)
        item.status, item.message = "signed", str(Problem("remote_item_signed"))
        record_signature(session, svc, Actor(req.user, "remote-signing"), locked, sigs, mine, signed_pdf,
                         item.certify, item.signed_at, via=req.kind, signing_request=req_id)
    except (DomainError, SignatureCoreError) as exc:
        session.rollback()
        failed = session.get(SigningRequestItem, item_id, populate_existing=True)
        assert failed is not None
        if failed.status == "pending":
            failed.status = "failed"
            failed.message = str(getattr(exc, "message", None) or getattr(exc, "reason_vi", ""))[:2000]
            session.commit()


def get_request(session: Session, p: Principal, request_id: int) -> SigningRequest:
    req = session.get(SigningRequest, request_id, populate_existing=True)
    if req is None:
        raise NotFound(code="signing_request_not_found")
    ensure(p, "signing_request.view", req)
    return req


def cancel(session: Session, p: Principal, actor: Actor, request_id: int) -> SigningRequest:
    """The signer gives up waiting: the request ends (rejected) and its documents are free again."""
    req = get_request(session, p, request_id)
    ensure(p, "signing_request.cancel", req)
    if req.status == "pending":
        _close(session, req, "rejected", Problem(MESSAGES["cancelled"]))
        audit.record(session, actor, "remote_sign_cancel", "signing_request", req.id)
        session.commit()
    return req


def to_dict(req: SigningRequest) -> dict:
    """The API shape of a request (status, message, per-document results)."""
    return {
        "signing_request_id": req.id, "status": req.status, "message": req.message, "kind": req.kind,
        "transaction_id": req.transaction_id, "tran_code": req.tran_code,
        "expires_at": req.expires_at.isoformat(), "created_at": req.created_at.isoformat(),
        "results": [{"document_id": i.document_id, "status": i.status, "message": i.message} for i in req.items],
    }



def uses_remote(session: Session, p: Principal) -> bool:
    """Does the chair's active credential live at a remote signing service?"""
    cred = active_credential(session, p.user)
    return cred is not None and cred.kind in REMOTE_KINDS


def remote_kind(session: Session, p: Principal) -> str | None:
    """"csc" / "async_confirm" when the chair signs remotely (the UI asks for PIN/OTP or nothing)."""
    cred = active_credential(session, p.user)
    return cred.kind if cred is not None and cred.kind in REMOTE_KINDS else None


def configure_account(session: Session, svc: Services, actor: Actor, user, kind: str, *, url: str, client_id: str,
                      client_secret: str, account: str) -> str:
    """Admin: point ``user`` at a remote signing account, then ask the service for its certificate
    so a wrong setting shows at once. Commits; returns the Vietnamese outcome."""
    try:
        cred = register_remote(session, user, kind=kind, url=url, client_id=client_id, client_secret=client_secret,
                               account=account, seal=svc.secret_box.seal,
                               keep_secret_from=active_credential(session, user))
    except ValidationFailed:
        session.rollback()
        raise
    try:
        certs = fetch_certificates(svc, cred)
        cred.cert_pem = pem_bundle(certs)
        cred.subject = certs[0].subject.rfc4514_string()[:500]
        cred.not_after = certs[0].not_valid_after_utc
        message = Problem("remote_saved", subject=cred.subject)
    except DomainError as exc:
        message = Problem("remote_saved_unchecked", reason=exc.message)
    audit.record(session, actor, "credential_update", "user", user.id, change=kind, kind=kind)
    session.commit()
    return message
