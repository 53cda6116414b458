"""Remote signing requests: a chair's pending signature(s) at a remote signing service."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, aware_ts, created_ts, intpk, str40, utcnow
from .documents import Document, Signature
from .users import SigningCredential, User

# Request states (the API contract); items use the same words plus "refused".
PENDING, SIGNED_R, REJECTED, EXPIRED, FAILED_R = "pending", "signed", "rejected", "expired", "failed"
REQUEST_STATUSES = (PENDING, SIGNED_R, REJECTED, EXPIRED, FAILED_R)


class SigningRequest(Base):
    """One authorisation at the provider for one or several documents (a batch)."""

    __tablename__ = "signing_requests"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("signing_credentials.id"))
    kind: Mapped[str40]  # "csc" | "async_confirm"
    status: Mapped[str40] = mapped_column(default=PENDING, index=True)
    message: Mapped[str] = mapped_column(String(2000), default="")
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The code the signer's phone shows for this transaction (async provider), to compare.
    tran_code: Mapped[str] = mapped_column(String(64), default="")
    # CSC signature activation data, encrypted (secretbox); dropped once used.
    sad_enc: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[aware_ts]
    created_at: Mapped[created_ts]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(lazy="joined")
    credential: Mapped[SigningCredential] = relationship()
    items: Mapped[list[SigningRequestItem]] = relationship(
        back_populates="request", order_by="SigningRequestItem.id", cascade="all, delete-orphan"
    )


class SigningRequestItem(Base):
    """One document of a request, prepared on a known revision (its placeholder PDF is kept here)."""

    __tablename__ = "signing_request_items"

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("signing_requests.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    signature_id: Mapped[int] = mapped_column(ForeignKey("signatures.id"))
    status: Mapped[str40] = mapped_column(default=PENDING)
    message: Mapped[str] = mapped_column(String(2000), default="")
    base_object_id: Mapped[int] = mapped_column(ForeignKey("stored_objects.id"))
    prepared_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    region_start: Mapped[int] = mapped_column(default=0)
    region_end: Mapped[int] = mapped_column(default=0)
    document_digest: Mapped[bytes] = mapped_column(LargeBinary)
    tbs: Mapped[bytes] = mapped_column(LargeBinary)
    certify: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[aware_ts]  # the moment shown in the stamp

    request: Mapped[SigningRequest] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()
    signature: Mapped[Signature] = relationship()
