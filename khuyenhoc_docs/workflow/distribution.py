"""Issuing signed documents to their recipients, delivery with retries, acknowledgements."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit, recipients, search_sync
from ..access import Principal, can, ensure, recipient_directory_owner, register_scope
from ..audit import Actor
from ..db import rowcount, utcnow
from ..distribution.mailer import Attachment, InvalidRecipient, MailDeliveryFailed, OutgoingMail
from ..distribution.register_export import RegisterRow, to_csv, to_xlsx
from ..distribution.tokens import TokenError, make_token, read_token
from ..errors import Conflict, DomainError, NotFound, Problem, ValidationFailed
from ..filenames import document_basename
from ..models import (
    ACKNOWLEDGED,
    CHANNELS,
    FAILED,
    ISSUED,
    QUEUED,
    SEALED,
    SENT,
    SIGNED,
    Dispatch,
    Document,
    Recipient,
    RecipientList,
)
from ..register import register_rows
from ..services import Services
from . import exchange_out, objects
from .documents import get_document, lock_document
from .reports import create_obligations

LINK_TTL = timedelta(days=60)


class AckLinkInvalid(DomainError):
    status = 404


class TemporaryDeliveryFailure(Exception):
    """Raised by ``deliver`` so the job runner retries later."""


def issue(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int,
          channels: dict[int, str] | None = None, secret: str = "") -> list[Dispatch]:
    """Create one dispatch per recipient of a signed, validated document (each recipient once). Commits.

    Recipients with an organisation code go by edXML unless told otherwise; their packages are
    signed with the lead organisation's key, opened with ``secret`` (its clerk's passphrase).
    """
    doc = get_document(session, p, doc_id, "document.issue")
    legacy = doc.status == SIGNED and not doc.seal_required  # numbered and signed before seals existed
    if doc.status not in (SEALED, ISSUED) and not legacy:
        raise Conflict(code="issue_not_sealed")
    if not (doc.validation and doc.validation.get("ok") and doc.pdf_object
            and doc.validation.get("sha256") == doc.pdf_object.sha256):
        raise Conflict(code="issue_validation_stale")
    chosen = recipients.document_recipients(session, doc.id)
    if not chosen:
        raise ValidationFailed(code="issue_no_recipients")
    channels = channels or {}
    unknown = [rid for rid in channels if rid not in {r.id for r in chosen}]
    if unknown or any(c not in CHANNELS for c in channels.values()):
        raise ValidationFailed(code="issue_channel_invalid")
    plan = {r.id: channels.get(r.id) or _default_channel(r) for r in chosen}
    if any(plan[r.id] == "edxml" and not r.code for r in chosen):
        raise ValidationFailed(code="issue_edxml_needs_code",
                               fields={"channels": Problem("field_channel_needs_code")})
    missing = [r.name for r in chosen if plan[r.id] == "email" and not r.email]
    if missing:
        raise ValidationFailed(code="issue_email_missing", params={"names": "; ".join(missing)},
                               fields={"channels": Problem("field_channel_needs_email")})
    locked = lock_document(session, doc.id)
    assert locked is not None
    existing = {d.recipient_id for d in session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id))}
    created = []
    for r in chosen:
        if r.id in existing:
            continue  # never twice by accident: resend is explicit
        # Paper goes by post, and a link for a recipient without email is handed over by the clerk:
        # both count as sent now; everything else waits for the mail job.
        by_hand = plan[r.id] == "paper" or (plan[r.id] == "link" and not r.email)
        d = Dispatch(document_id=doc.id, recipient_id=r.id, channel=plan[r.id], created_by_id=p.user.id,
                     status=SENT if by_hand else QUEUED)
        if d.status == SENT:
            d.sent_at = utcnow()
        session.add(d)
        created.append(d)
    session.flush()
    by_exchange = [d for d in created if d.channel == "edxml"]
    if by_exchange:
        exchange_out.prepare(session, svc, locked, by_exchange,
                             exchange_out.open_org_key(session, p, locked.lead_org, secret))
    locked.status = ISSUED
    session.flush()
    create_obligations(session, locked)  # yearly reports are owed from the issue on
    search_sync.index(session, locked)
    audit.record(session, actor, "issue", "document", doc.id, dispatches=len(created))
    session.commit()
    return created


def dispatches(session: Session, svc: Services, p: Principal, doc_id: int
               ) -> tuple[Document, list[Dispatch], list[Recipient], dict[int, str]]:
    """A document's dispatches, its chosen recipients, and the personal links the principal may hand over."""
    doc = get_document(session, p, doc_id)
    session.expire_all()  # delivery jobs commit in their own sessions
    rows = list(session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id).order_by(Dispatch.id)))
    links = {d.id: ack_link(svc, d, svc.settings.base_url) for d in rows
             if d.channel == "link" and can(p, "document.hand_over_links", doc)}
    sent_to = {d.recipient_id for d in rows}  # re-issuing offers only those not yet sent to
    remaining = [r for r in recipients.document_recipients(session, doc.id) if r.id not in sent_to]
    return doc, rows, remaining, links


def register(session: Session, p: Principal, year: int, *, status: str | None = None,
             query: str = "") -> list[RegisterRow]:
    """The outgoing register of the principal's organisations for a year."""
    ensure(p, "register.view")
    return register_rows(session, register_scope(p), year, status=status, query=query)


def export_register(session: Session, p: Principal, actor: Actor, year: int, fmt: str, *,
                    status: str | None = None, query: str = "") -> tuple[bytes, str, str]:
    """The register as (bytes, mimetype, file name) in xlsx or csv; the export is recorded. Commits."""
    rows = register(session, p, year, status=status, query=query)
    audit.record(session, actor, "export", "register", year, format=fmt, rows=len(rows))
    session.commit()
    organisation = p.user.organisation.name
    if fmt == "xlsx":
        data = to_xlsx(rows, year=year, organisation=organisation)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        data, mimetype = to_csv(rows, year=year, organisation=organisation), "text/csv; charset=utf-8"
    return data, mimetype, f"so-van-ban-di-{year}.{fmt}"


def recipient_directory(session: Session, p: Principal) -> tuple[list[Recipient], list[RecipientList], int | None]:
    """The entries and lists the principal manages, and whose directory they write to (None: shared)."""
    ensure(p, "recipients.manage")
    owner, everything = recipient_directory_owner(p)
    return (recipients.directory(session, owner, everything=everything),
            recipients.lists(session, owner, everything=everything), owner)


def add_recipient(session: Session, p: Principal, data: recipients.NewRecipient) -> Recipient:
    """Add an entry to the principal's directory (ValidationFailed: nothing written). Commits."""
    ensure(p, "recipients.manage")
    owner, _ = recipient_directory_owner(p)
    try:
        rec = recipients.create_recipient(session, data, owner)
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return rec


def add_recipient_list(session: Session, p: Principal, name: str, recipient_ids: list[int]) -> RecipientList:
    """Save a named list of entries the principal may use (ValidationFailed: nothing written). Commits."""
    ensure(p, "recipients.manage")
    owner, _ = recipient_directory_owner(p)
    try:
        lst = recipients.create_list(session, name, recipient_ids, owner)
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return lst


def _default_channel(r: Recipient) -> str:
    return "edxml" if r.code else "email" if r.email else "paper"


def ack_link(svc: Services, dispatch: Dispatch, base_url: str) -> str:
    """The recipient's personal, expiring link."""
    token = make_token(svc.link_secret, dispatch.id, utcnow() + LINK_TTL)
    return f"{base_url.rstrip('/')}/r/{token}"


def deliver(session: Session, svc: Services, dispatch_id: int, base_url: str) -> str:
    """Send one queued dispatch by email; records sent or failed-with-reason. Commits.

    Raises TemporaryDeliveryFailure after recording a temporary failure, so the caller retries.
    """
    d = session.get(Dispatch, dispatch_id)
    if d is None or d.status not in (QUEUED, FAILED) or d.channel == "paper":
        return d.status if d else "missing"
    if d.channel == "edxml":
        try:
            return exchange_out.deliver(session, svc, d)
        except exchange_out.TemporaryExchangeFailure as exc:
            raise TemporaryDeliveryFailure(str(exc)) from exc
    doc = session.get(Document, d.document_id)
    assert doc is not None and doc.pdf_object is not None
    link = ack_link(svc, d, base_url)
    text = (f"Kính gửi: {d.recipient.name}\n\n"
            f"{doc.lead_org.name} và {doc.partner_org.name} trân trọng gửi văn bản số {doc.doc_number}:\n"
            f"{doc.title}\n\nVăn bản điện tử có chữ ký số. Vui lòng xác nhận đã nhận tại:\n{link}\n")
    attachments: tuple[Attachment, ...] = ()
    if d.channel == "email":
        attachments = (Attachment(f"{document_basename(doc.doc_number, doc.id)}.pdf", "application/pdf",
                                  objects.read(svc.store, doc.pdf_object)),)
    mail = OutgoingMail(to=d.recipient.email, to_name=d.recipient.name,
                        subject=f"Văn bản số {doc.doc_number}: {doc.title}"[:250], text=text, attachments=attachments)
    d.attempts += 1
    try:
        d.message_id = svc.send_mail(mail)
    except (InvalidRecipient, MailDeliveryFailed) as exc:
        d.status, d.last_error = FAILED, exc.reason_vi[:1000]
        session.commit()
        if isinstance(exc, MailDeliveryFailed) and not exc.permanent:
            raise TemporaryDeliveryFailure(exc.reason_vi) from exc
        return FAILED
    d.status, d.sent_at, d.last_error = SENT, utcnow(), ""
    session.commit()
    return SENT


def resend(session: Session, p: Principal, actor: Actor, dispatch_id: int) -> Dispatch:
    """Queue one dispatch again (the caller enqueues delivery). Commits."""
    d = session.get(Dispatch, dispatch_id)
    if d is None:
        raise NotFound(code="dispatch_not_found")
    ensure(p, "document.issue", session.get(Document, d.document_id))
    if d.status == ACKNOWLEDGED:
        raise Conflict(code="resend_acknowledged")
    if d.channel == "paper":
        raise Conflict(code="resend_paper")
    d.status, d.last_error = QUEUED, ""
    audit.record(session, actor, "resend", "document", d.document_id, dispatch=d.id)
    session.commit()
    return d


def resend_unacknowledged(session: Session, p: Principal, actor: Actor, doc_id: int) -> list[Dispatch]:
    """Queue every electronic dispatch of a document that has not been acknowledged. Commits."""
    get_document(session, p, doc_id, "document.issue")
    rows = list(session.scalars(select(Dispatch).where(
        Dispatch.document_id == doc_id, Dispatch.status != ACKNOWLEDGED, Dispatch.channel != "paper")))
    for d in rows:
        d.status, d.last_error = QUEUED, ""
    audit.record(session, actor, "resend", "document", doc_id, dispatches=len(rows))
    session.commit()
    return rows


def dispatch_for_token(session: Session, svc: Services, token: str, now: datetime | None = None) -> Dispatch:
    """The dispatch named by an acknowledgement link (404 for forged, altered or expired links)."""
    try:
        dispatch_id = read_token(svc.link_secret, token, now or utcnow())
    except TokenError as exc:
        raise AckLinkInvalid(exc.reason_vi) from exc
    d = session.get(Dispatch, dispatch_id)
    if d is None:
        raise AckLinkInvalid(code="ack_link_invalid")
    return d


def dispatch_document(session: Session, d: Dispatch) -> Document:
    """The document a dispatch carries."""
    doc = session.get(Document, d.document_id)
    assert doc is not None
    return doc


def download_and_record(session: Session, svc: Services, d: Dispatch, ip: str) -> bytes:
    """The signed PDF for a recipient; the first download is recorded. Commits."""
    doc = session.get(Document, d.document_id)
    assert doc is not None and doc.pdf_object is not None
    data = objects.read(svc.store, doc.pdf_object)
    first = rowcount(session.execute(update(Dispatch).where(Dispatch.id == d.id, Dispatch.first_download_at.is_(None))
                                     .values(first_download_at=utcnow())))
    audit.record(session, Actor(None, ip), "recipient_download", "document", d.document_id, dispatch=d.id,
                 first=bool(first))
    session.commit()
    return data


def acknowledge(session: Session, d: Dispatch, ip: str) -> Dispatch:
    """Record "Đã nhận" (idempotent: the first confirmation time is kept). Commits."""
    if d.acknowledged_at is None:
        d.acknowledged_at = utcnow()
        d.status = ACKNOWLEDGED
        audit.record(session, Actor(None, ip), "acknowledge", "document", d.document_id, dispatch=d.id,
                     recipient=d.recipient.name)
        session.commit()
    return d
