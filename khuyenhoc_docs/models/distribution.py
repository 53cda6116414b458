"""Recipient directory, named lists, a document's recipients, and dispatches."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40, str255
from .org import Organisation
from .users import User

CHANNELS = ("email", "link", "paper", "edxml")
QUEUED, SENT, FAILED, ACKNOWLEDGED = "queued", "sent", "failed", "acknowledged"


class Recipient(Base):
    """A body that receives documents, with its name exactly as printed in "Nơi nhận"."""

    __tablename__ = "recipients"
    __table_args__ = (UniqueConstraint("owner_org_id", "name"),)

    id: Mapped[intpk]
    # Whose directory holds the entry: an organisation's clerks see and use only theirs; NULL is the
    # shared list an admin keeps (read-only to clerks). Names are unique within one directory.
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str255]
    email: Mapped[str] = mapped_column(String(255), default="")
    postal_address: Mapped[str] = mapped_column(String(500), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Mã định danh of a body with a document system of its own: it defaults to the edXML channel.
    code: Mapped[str40] = mapped_column(default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[created_ts]

    owner_org: Mapped[Organisation | None] = relationship(foreign_keys=[owner_org_id])


class RecipientList(Base):
    """A reusable, ordered list of recipients."""

    __tablename__ = "recipient_lists"
    __table_args__ = (UniqueConstraint("owner_org_id", "name"),)

    id: Mapped[intpk]
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str255]
    created_at: Mapped[created_ts]

    items: Mapped[list[RecipientListItem]] = relationship(
        order_by="RecipientListItem.position", cascade="all, delete-orphan", lazy="selectin"
    )


class RecipientListItem(Base):
    __tablename__ = "recipient_list_items"
    __table_args__ = (UniqueConstraint("list_id", "recipient_id"),)

    id: Mapped[intpk]
    list_id: Mapped[int] = mapped_column(ForeignKey("recipient_lists.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"))
    position: Mapped[int]

    recipient: Mapped[Recipient] = relationship(lazy="joined")


class DocumentRecipient(Base):
    """A recipient chosen for a document while drafting (printed in its Nơi nhận block)."""

    __tablename__ = "document_recipients"
    __table_args__ = (UniqueConstraint("document_id", "recipient_id"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"))
    position: Mapped[int]

    recipient: Mapped[Recipient] = relationship(lazy="joined")


class Dispatch(Base):
    """Issuing one signed document to one recipient; unique per pair so nothing goes out twice."""

    __tablename__ = "dispatches"
    __table_args__ = (UniqueConstraint("document_id", "recipient_id"),)

    id: Mapped[intpk]
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"))
    channel: Mapped[str40]
    status: Mapped[str40] = mapped_column(default=QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    message_id: Mapped[str] = mapped_column(String(255), default="")
    queued_at: Mapped[created_ts]
    sent_at: Mapped[datetime | None]
    first_download_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # edXML channel: the signed package sent, its DocumentId, and the receiver's last status code.
    package_object_id: Mapped[int | None] = mapped_column(ForeignKey("stored_objects.id"))
    edxml_document_id: Mapped[str] = mapped_column(String(300), default="", server_default="")
    exchange_status: Mapped[str] = mapped_column(String(8), default="", server_default="")

    recipient: Mapped[Recipient] = relationship(lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
