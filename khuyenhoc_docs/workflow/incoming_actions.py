"""Acting on a received document by drafting: programmes that implement it ("Triển khai", a cascade job,
see ``cascade.start_incoming_cascade``) and replies to its sender ("Trả lời"), both linked to it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, recipients
from ..access import Principal, visible_documents_clause
from ..audit import Actor
from ..drafting.templates import TemplateKind
from ..drafting.vn import format_short_date
from ..edxml.model import valid_organ_code
from ..errors import Conflict, DomainError
from ..models import RECALLED, Document, IncomingDocument, Organisation, Recipient
from ..orgtree import counterpart
from ..services import Services
from . import drafting
from .cascade import incoming_source, units_for
from .exchange_in import get_incoming
from .prefill import initial_fields

# A reply is a công văn (Decree 30: "V/v …" under the number, "Kính gửi:", "Phúc đáp văn bản số …").
REPLY_KIND = TemplateKind.OFFICIAL_LETTER.value


def cascade_units(session: Session, row: IncomingDocument) -> list[Organisation]:
    """The units below the receiving organisation that "Triển khai" can draft for."""
    return units_for(session, incoming_source(session, row))


def _linked(session: Session, p: Principal, column, incoming_id: int) -> list[Document]:
    stmt = select(Document).where(column == incoming_id)
    visible = visible_documents_clause(p)
    if visible is not None:
        stmt = stmt.where(visible)
    return list(session.scalars(stmt.order_by(Document.id)))


def implementing(session: Session, p: Principal, incoming_id: int) -> list[Document]:
    """Drafts and records made to implement the incoming document, those the principal may see."""
    return _linked(session, p, Document.basis_incoming_id, incoming_id)


def replies(session: Session, p: Principal, incoming_id: int) -> list[Document]:
    """Replies to the incoming document's sender, those the principal may see."""
    return _linked(session, p, Document.answers_incoming_id, incoming_id)


def reply_opening(row: IncomingDocument) -> str:
    """ "Phúc đáp văn bản số 40/…, ngày 19/9/2026 của <nơi gửi> về việc …" """
    subject = row.subject[:1].lower() + row.subject[1:]
    return (f"Phúc đáp văn bản số {row.doc_number}, ngày {format_short_date(row.promulgation_date)} "
            f"của {row.sender_name} về việc {subject}")


def reply_speakers(org: Organisation, partner: Organisation | None) -> str:
    """Who answers in the opening sentence: the two organisations of the joint reply, the receiver first."""
    return f"{org.name} và {partner.name}" if partner is not None else org.name


def _sender_entry(session: Session, actor: Actor, row: IncomingDocument) -> Recipient:
    """The sender in the receiving organisation's directory, with its code (so issuing offers edXML back):
    the entry with that code, else the organisation's own entry of that name (given the code), else a new one."""
    entries = recipients.directory(session, row.organisation_id)
    code = row.sender_code if valid_organ_code(row.sender_code) else ""
    entry = next((r for r in entries if code and r.code == code), None) or next(
        (r for r in entries if r.owner_org_id == row.organisation_id and r.name == row.sender_name.strip()), None)
    if entry is None:
        entry = recipients.create_recipient(session, recipients.NewRecipient(name=row.sender_name, code=code),
                                            row.organisation_id)
        audit.record(session, actor, "recipient_create", "recipient", entry.id, name=entry.name, code=code)
    elif code and not entry.code:
        entry.code = code
        audit.record(session, actor, "recipient_update", "recipient", entry.id, code=code)
    return entry


def reply(session: Session, svc: Services, p: Principal, actor: Actor, incoming_id: int,
          recipient_ids: list[int] | None = None) -> Document:
    """"Trả lời": a draft of the receiving organisation citing the incoming document, addressed to its sender
    (first in Nơi nhận, then ``recipient_ids``), linked to it; then the usual draft → sign → seal → issue.
    Commits; nothing is written when it fails."""
    row = get_incoming(session, p, incoming_id, "incoming.reply")
    if row.status == RECALLED:
        raise Conflict(code="incoming_recalled_no_answer")
    org = row.organisation
    partner = counterpart(session, org)
    try:
        sender = _sender_entry(session, actor, row)
        data = initial_fields(session, REPLY_KIND, org, partner)
        opening = reply_opening(row)
        data.update(summary=f"Phúc đáp văn bản số {row.doc_number} của {row.sender_name}",
                    addressees=[row.sender_name.strip()], preamble=f"{opening}, {reply_speakers(org, partner)} "
                                                                    "trả lời như sau:")
        doc = drafting.create_draft(session, svc, p, actor, kind=REPLY_KIND, data=data, lead_org_id=org.id,
                                    partner_org_id=partner.id if partner else None, answers_incoming_id=row.id,
                                    recipient_ids=[sender.id, *(recipient_ids or [])], keep_printed=True)
    except DomainError:
        session.rollback()
        raise
    audit.record(session, actor, "reply", "incoming", row.id, document=doc.id)
    session.commit()
    return doc
