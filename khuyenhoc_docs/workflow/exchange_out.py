"""edXML, sending side: packages for dispatches, their delivery, statuses coming back, recalls."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import audit, edxml
from ..access import Principal, ensure
from ..audit import Actor
from ..db import utcnow
from ..edxml.transport import TransportFailed, send
from ..errors import Conflict, NotFound, Problem, ValidationFailed
from ..models import ACKNOWLEDGED, FAILED, QUEUED, SENT, Dispatch, Document, ExchangeStatus, Organisation
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.pki import load_pkcs12
from ..storage.keys import validate_key
from . import objects

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
XML = "application/xml"
BUSINESS_KINDS = {"revoke": edxml.REVOKE, "update": edxml.UPDATE, "replace": edxml.REPLACE}


class TemporaryExchangeFailure(Exception):
    """The exchange endpoint is unreachable now; the job runner retries."""


def now_vn() -> datetime:
    return utcnow().astimezone(VN_TZ).replace(tzinfo=None)


def organ(org: Organisation) -> edxml.Organ:
    """An organisation as an edXML ``From``."""
    return edxml.Organ(organ_id=org.code, organ_name=org.name, organ_add=org.postal_address, email=org.email)


def split_number(doc_number: str) -> tuple[str, str]:
    """``05/CTPH-HKH-TĐ`` → (``05``, ``CTPH-HKH-TĐ``)."""
    number, _, notation = doc_number.partition("/")
    return number, notation


def _competence(authority: str) -> str:
    head = authority.split(" ", 1)[0].upper()
    return head if head in ("TM.", "KT.", "Q.", "TL.", "TUQ.") else ""


def header_for(doc: Document, recipients: list[edxml.Organ], pages: int) -> edxml.MessageHeader:
    """The MessageHeader of an issued document, from its register data and printed fields."""
    if not doc.lead_org.code or not edxml.valid_organ_code(doc.lead_org.code):
        raise ValidationFailed(code="edxml_lead_code_missing", params={"org_name": doc.lead_org.name})
    if not doc.doc_number or not doc.issue_date:
        raise Conflict(code="edxml_not_numbered")
    fields = doc.fields or {}
    party = fields.get("party_a") or {}
    number, notation = split_number(doc.doc_number)
    return edxml.MessageHeader(
        sender=organ(doc.lead_org), recipients=tuple(recipients), code_number=number, code_notation=notation,
        place=doc.lead_org.place or "", promulgation_date=doc.issue_date,
        type_name=str(fields.get("doc_type", "")).capitalize(), subject=doc.title,
        signer=edxml.Signer(_competence(str(party.get("authority_prefix", ""))), str(party.get("position", "")),
                            str(party.get("signer_name", ""))),
        to_places=tuple(str(r) for r in fields.get("recipients", [])),
        other=edxml.OtherInfo(page_amount=pages, promulgation_amount=len(fields.get("recipients", [])) + 1),
        response_for=_answered(doc))


def _answered(doc: Document) -> edxml.ResponseFor | None:
    """A reply ("Trả lời" on an incoming document) names the document it answers (MessageHeader ResponseFor)."""
    row = doc.answers_incoming
    if row is None:
        return None
    return edxml.ResponseFor(row.sender_code, row.doc_number, row.promulgation_date, row.edxml_document_id)


def open_org_key(session: Session, p: Principal, org: Organisation, secret: str) -> edxml.identity.Identity:
    """The organisation's own key (PKCS#12), opened with the passphrase its clerk typed."""
    from ..credentials import active_credential
    from ..edxml.identity import Identity

    ensure(p, "organisation.seal", org)
    cred = active_credential(session, org)
    if cred is None or cred.kind != "pkcs12" or cred.pkcs12 is None:
        raise ValidationFailed(code="edxml_no_pkcs12", params={"org_name": org.name})
    if not secret:
        raise ValidationFailed(code="edxml_passphrase_missing",
                               fields={"secret": Problem("field_required")})
    try:
        key, cert, chain = load_pkcs12(cred.pkcs12, secret)
    except SignatureCoreError as exc:
        raise ValidationFailed(exc.reason_vi, fields={"secret": exc.reason_vi}) from exc
    return Identity(key=key, cert=cert, chain=tuple(chain))


def prepare(session: Session, svc: Services, doc: Document, dispatches: list[Dispatch],
            ident: edxml.identity.Identity, business: edxml.Business | None = None) -> None:
    """Build, sign and store one package per edXML dispatch (in the caller's transaction)."""
    pdf = objects.read(svc.store, doc.pdf_object)  # type: ignore[arg-type]
    from ..evidence import page_count

    pages = page_count(pdf)
    number, _ = split_number(doc.doc_number or "")
    for d in dispatches:
        if not edxml.valid_organ_code(d.recipient.code):
            raise ValidationFailed(code="edxml_recipient_code_missing", params={"recipient_name": d.recipient.name})
        header = header_for(doc, [edxml.Organ(organ_id=d.recipient.code, organ_name=d.recipient.name)], pages)
        pkg = edxml.Package(
            header=header, traces=(edxml.Trace(doc.lead_org.code, now_vn()),), business=business or edxml.Business(),
            attachments=(edxml.Attachment("1", "application/pdf", f"{number or doc.id}.pdf", pdf,
                                          description=doc.title[:250]),))
        data = edxml.build_package(pkg, ident.key, ident.cert, ident.chain)
        key = validate_key(f"exchange/outgoing/{d.id:06d}/{utcnow():%Y%m%d-%H%M%S%f}.xml")
        d.package_object_id = objects.put(session, svc.store, key, data, content_type=XML).id
        d.edxml_document_id = header.document_id
    session.flush()


def deliver(session: Session, svc: Services, d: Dispatch) -> str:
    """Send a dispatch's stored package to the exchange endpoint (or the outbox). Commits."""
    from ..models import StoredObject

    row = session.get(StoredObject, d.package_object_id) if d.package_object_id else None
    if row is None:
        d.status, d.last_error = FAILED, str(Problem("edxml_no_package"))
        session.commit()
        return FAILED
    attempt = d.attempts + 1
    try:
        send(svc.transport_options, objects.read(svc.store, row), f"edxml-dispatch-{d.id}-{attempt}.xml")
    except TransportFailed as exc:
        d.attempts, d.status, d.last_error = attempt, FAILED, str(Problem("edxml_hub_unavailable"))
        session.commit()
        raise TemporaryExchangeFailure(str(exc)) from exc
    except ValueError as exc:
        d.attempts, d.status, d.last_error = attempt, FAILED, Problem("edxml_hub_refused", reason=exc)[:1000]
        session.commit()
        return FAILED
    # The receiver may already have answered (its 01/03 can arrive before this commit): never step
    # an acknowledged dispatch back to "sent".
    session.execute(update(Dispatch).where(Dispatch.id == d.id).values(
        attempts=Dispatch.attempts + 1, last_error="", sent_at=func.coalesce(Dispatch.sent_at, utcnow())))
    session.execute(update(Dispatch).where(Dispatch.id == d.id, Dispatch.status != ACKNOWLEDGED).values(status=SENT))
    session.commit()
    session.refresh(d)
    return d.status


def _as_utc(local: datetime) -> datetime:
    return local.replace(tzinfo=VN_TZ).astimezone(UTC)


def record_status(session: Session, msg: edxml.StatusMessage, actor: Actor) -> ExchangeStatus:
    """Apply a receiver's status to the dispatch it answers. Commits."""
    d = session.scalar(select(Dispatch).join(Dispatch.recipient).where(
        Dispatch.edxml_document_id == msg.response_for.document_id, Dispatch.channel == "edxml"))
    if d is None or d.recipient.code != msg.sender.organ_id:
        raise NotFound(code="edxml_status_unmatched")
    row = ExchangeStatus(direction="in", dispatch_id=d.id, status_code=msg.status_code,
                         description=msg.description[:2000], organ_id=msg.sender.organ_id,
                         staff=msg.staff.staff[:255], department=msg.staff.department[:255],
                         message_time=_as_utc(msg.timestamp))
    session.add(row)
    d.exchange_status = msg.status_code
    if msg.status_code in ("03", "04", "05", "06") and d.acknowledged_at is None:
        d.acknowledged_at, d.status = utcnow(), ACKNOWLEDGED  # registered by the receiver (Art. 21.2)
    elif msg.status_code in ("02", "999"):
        d.status, d.last_error = FAILED, f"{msg.label}: {msg.description}"[:1000]
    audit.record(session, actor, "edxml_status_in", "document", d.document_id, dispatch=d.id,
                 code=msg.status_code, organ=msg.sender.organ_id)
    session.commit()
    return row


def statuses_of(session: Session, dispatch_id: int) -> list[ExchangeStatus]:
    return list(session.scalars(select(ExchangeStatus).where(ExchangeStatus.dispatch_id == dispatch_id)
                                .order_by(ExchangeStatus.id)))


def statuses_by_dispatch(session: Session, dispatches: list[Dispatch]) -> dict[int, list[ExchangeStatus]]:
    """The receivers' statuses of each edXML dispatch in ``dispatches`` (one query)."""
    ids = [d.id for d in dispatches if d.channel == "edxml"]
    out: dict[int, list[ExchangeStatus]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(select(ExchangeStatus).where(ExchangeStatus.dispatch_id.in_(ids))
                                   .order_by(ExchangeStatus.id)):
            out[row.dispatch_id].append(row)  # type: ignore[index]
    return out


def dispatch_for(session: Session, p: Principal, dispatch_id: int, action: str = "document.view") -> Dispatch:
    """A dispatch of a document the principal may act on."""
    d = session.get(Dispatch, dispatch_id)
    if d is None:
        raise NotFound(code="dispatch_not_found")
    ensure(p, action, session.get(Document, d.document_id))
    return d


def package_of(session: Session, svc: Services, p: Principal, dispatch_id: int) -> bytes:
    """The edXML package a dispatch sent."""
    from ..models import StoredObject

    d = dispatch_for(session, p, dispatch_id)
    row = session.get(StoredObject, d.package_object_id) if d.package_object_id else None
    if row is None:
        raise NotFound(code="dispatch_not_edxml")
    return objects.read(svc.store, row)


def send_business(session: Session, svc: Services, p: Principal, actor: Actor, dispatch_id: int, kind: str,
                  reason: str, secret: str) -> Dispatch:
    """Ask the receiver to revoke, update or replace a sent document (business type 1/2/3). Commits."""
    d = dispatch_for(session, p, dispatch_id, "document.issue")
    if d.channel != "edxml" or not d.edxml_document_id:
        raise Conflict(code="edxml_business_not_sent")
    if kind not in BUSINESS_KINDS:
        raise ValidationFailed(code="edxml_business_kind", fields={"kind": kind[:40]})
    reason = " ".join(reason.split())
    if not reason or len(reason) > 2000:
        raise ValidationFailed(code="edxml_business_reason", fields={"reason": Problem("field_required")})
    doc = session.get(Document, d.document_id)
    assert doc is not None
    ident = open_org_key(session, p, doc.lead_org, secret)
    business = edxml.Business(doc_type=BUSINESS_KINDS[kind], reason=reason, document_id=d.edxml_document_id,
                              staff=edxml.Staff(staff=p.user.full_name, email=p.user.email or ""))
    prepare(session, svc, doc, [d], ident, business)
    d.status, d.last_error = QUEUED, ""
    audit.record(session, actor, f"edxml_{kind}", "document", doc.id, dispatch=d.id, reason=reason)
    session.commit()
    return d
