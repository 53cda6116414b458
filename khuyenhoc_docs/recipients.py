"""The recipient directory and named lists; a document's recipients chosen while drafting."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import DocumentRecipient, Recipient, RecipientList, RecipientListItem


@dataclass(frozen=True)
class NewRecipient:
    name: str
    email: str = ""
    postal_address: str = ""
    organisation_id: int | None = None


def create_recipient(session: Session, data: NewRecipient) -> Recipient:
    """Add a directory entry (name as printed in Nơi nhận; unique)."""
    errors: dict[str, str] = {}
    name = " ".join(data.name.split())
    if not name or len(name) > 255:
        errors["name"] = "Tên nơi nhận là bắt buộc (tối đa 255 ký tự)."
    elif session.scalar(select(Recipient.id).where(Recipient.name == name)):
        errors["name"] = "Nơi nhận này đã có trong danh bạ."
    email = data.email.strip()
    if email and (len(email) > 255 or email.count("@") != 1 or any(c in email for c in " \r\n,;<>")):
        errors["email"] = "Địa chỉ email không hợp lệ."
    if len(data.postal_address) > 500:
        errors["postal_address"] = "Tối đa 500 ký tự."
    if errors:
        raise ValidationFailed("Dữ liệu nơi nhận không hợp lệ.", fields=errors)
    row = Recipient(name=name, email=email, postal_address=data.postal_address.strip(),
                    organisation_id=data.organisation_id)
    session.add(row)
    session.flush()
    return row


def create_list(session: Session, name: str, recipient_ids: list[int]) -> RecipientList:
    """A named, ordered list of directory entries."""
    name = " ".join(name.split())
    if not name or len(name) > 255:
        raise ValidationFailed("Tên danh sách là bắt buộc.", fields={"name": "Bắt buộc."})
    if session.scalar(select(RecipientList.id).where(RecipientList.name == name)):
        raise ValidationFailed("Đã có danh sách cùng tên.", fields={"name": "Trùng tên."})
    rows = resolve(session, recipient_ids=recipient_ids, list_ids=[])
    lst = RecipientList(name=name, items=[RecipientListItem(recipient_id=r.id, position=i) for i, r in enumerate(rows)])
    session.add(lst)
    session.flush()
    return lst


def resolve(session: Session, *, recipient_ids: list[int], list_ids: list[int]) -> list[Recipient]:
    """Entries of the given lists then the single entries, in order, without duplicates."""
    out: dict[int, Recipient] = {}
    for list_id in list_ids:
        lst = session.get(RecipientList, list_id)
        if lst is None:
            raise ValidationFailed("Danh sách nơi nhận không tồn tại.", fields={"recipient_list_ids": str(list_id)})
        for item in lst.items:
            out.setdefault(item.recipient_id, item.recipient)
    for rid in recipient_ids:
        rec = session.get(Recipient, rid)
        if rec is None or not rec.active:
            raise ValidationFailed("Nơi nhận không tồn tại.", fields={"recipient_ids": str(rid)})
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


def directory(session: Session) -> list[Recipient]:
    return list(session.scalars(select(Recipient).where(Recipient.active.is_(True)).order_by(Recipient.name)))


def lists(session: Session) -> list[RecipientList]:
    return list(session.scalars(select(RecipientList).order_by(RecipientList.name)))
