"""Recipient directories (one per organisation, plus an admin's shared read-only list) and named lists;
a document's recipients chosen while drafting, linked by id."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session

from .edxml.model import valid_organ_code
from .errors import Problem, ValidationFailed
from .models import DocumentRecipient, Recipient, RecipientList, RecipientListItem


@dataclass(frozen=True)
class NewRecipient:
    name: str
    email: str = ""
    postal_address: str = ""
    organisation_id: int | None = None
    code: str = ""  # mã định danh: the body has a document system of its own (edXML)


def _visible(model: type[Recipient] | type[RecipientList], org_id: int | None) -> ColumnElement[bool]:
    """Entries an organisation may use: its own and the shared ones (``org_id`` None: the shared only)."""
    shared = model.owner_org_id.is_(None)
    return shared if org_id is None else or_(model.owner_org_id == org_id, shared)


def create_recipient(session: Session, data: NewRecipient, owner_org_id: int | None) -> Recipient:
    """Add an entry (name as printed in Nơi nhận) to ``owner_org_id``'s directory (None: the shared list)."""
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name or len(name) > 255:
        errors["name"] = Problem("recipient_name_required")
    elif session.scalar(select(Recipient.id).where(Recipient.name == name, Recipient.owner_org_id.is_(None)
                                                   if owner_org_id is None else Recipient.owner_org_id == owner_org_id)):
        errors["name"] = Problem("recipient_duplicate")
    email = data.email.strip()
    if email and (len(email) > 255 or email.count("@") != 1 or any(c in email for c in " \r\n,;<>")):
        errors["email"] = Problem("email_invalid")
    if len(data.postal_address) > 500:
        errors["postal_address"] = Problem("text_max_500")
    code = data.code.strip()
    if code and not valid_organ_code(code):
        errors["code"] = Problem("org_code_format")
    if errors:
        raise ValidationFailed(code="recipient_invalid", fields=errors)
    row = Recipient(name=name, email=email, postal_address=data.postal_address.strip(), code=code,
                    organisation_id=data.organisation_id, owner_org_id=owner_org_id)
    session.add(row)
    session.flush()
    return row


def create_list(session: Session, name: str, recipient_ids: list[int], owner_org_id: int | None) -> RecipientList:
    """A named, ordered list of entries the owner may use."""
    name = " ".join(name.split())
    if not name or len(name) > 255:
        raise ValidationFailed(code="recipient_list_name_missing", fields={"name": Problem("field_required")})
    same = RecipientList.owner_org_id.is_(None) if owner_org_id is None else RecipientList.owner_org_id == owner_org_id
    if session.scalar(select(RecipientList.id).where(RecipientList.name == name, same)):
        raise ValidationFailed(code="recipient_list_name_taken", fields={"name": Problem("field_name_taken")})
    rows = resolve(session, recipient_ids=recipient_ids, list_ids=[], org_id=owner_org_id)
    lst = RecipientList(name=name, owner_org_id=owner_org_id,
                        items=[RecipientListItem(recipient_id=r.id, position=i) for i, r in enumerate(rows)])
    session.add(lst)
    session.flush()
    return lst


def resolve(session: Session, *, recipient_ids: list[int], list_ids: list[int], org_id: int | None) -> list[Recipient]:
    """Entries of the given lists then the single entries, in order, without duplicates; only what
    ``org_id`` may use (another organisation's entry is reported as missing)."""
    out: dict[int, Recipient] = {}
    for list_id in list_ids:
        lst = session.scalar(select(RecipientList).where(RecipientList.id == list_id, _visible(RecipientList, org_id)))
        if lst is None:
            raise ValidationFailed(code="recipient_list_unknown", fields={"recipient_list_ids": str(list_id)})
        for item in lst.items:
            out.setdefault(item.recipient_id, item.recipient)
    for rid in recipient_ids:
        rec = session.scalar(select(Recipient).where(Recipient.id == rid, _visible(Recipient, org_id)))
        if rec is None or not rec.active:
            raise ValidationFailed(code="recipient_unknown", fields={"recipient_ids": str(rid)})
        out.setdefault(rec.id, rec)
    return list(out.values())


def set_document_recipients(session: Session, document_id: int, recipients: list[Recipient]) -> None:
    """Replace a document's chosen recipients (order kept)."""
    session.execute(delete(DocumentRecipient).where(DocumentRecipient.document_id == document_id))
    session.add_all(DocumentRecipient(document_id=document_id, recipient_id=r.id, position=i)
                    for i, r in enumerate(recipients))
    session.flush()


def document_recipients(session: Session, document_id: int) -> list[Recipient]:
    return list(session.scalars(
        select(Recipient).join(DocumentRecipient, DocumentRecipient.recipient_id == Recipient.id)
        .where(DocumentRecipient.document_id == document_id).order_by(DocumentRecipient.position)
    ))


def directory(session: Session, org_id: int | None, *, everything: bool = False) -> list[Recipient]:
    """Active entries ``org_id`` may use (its own, then shared); ``everything`` for admins."""
    query = select(Recipient).where(Recipient.active.is_(True))
    if not everything:
        query = query.where(_visible(Recipient, org_id))
    return list(session.scalars(query.order_by(Recipient.owner_org_id.is_(None), Recipient.name)))


def by_printed_name(session: Session, org_id: int, names: list[str]) -> list[Recipient]:
    """Entries of ``org_id``'s own directory or the shared list whose name is printed (own entries win):
    typed names never reach another organisation's entries."""
    found: dict[str, Recipient] = {}
    for r in directory(session, org_id):  # own entries come first
        found.setdefault(r.name, r)
    return [found[n] for n in dict.fromkeys(names) if n in found]


def lists(session: Session, org_id: int | None, *, everything: bool = False) -> list[RecipientList]:
    query = select(RecipientList)
    if not everything:
        query = query.where(_visible(RecipientList, org_id))
    return list(session.scalars(query.order_by(RecipientList.name)))
