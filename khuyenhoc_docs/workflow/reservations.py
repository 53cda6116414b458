"""A pending remote signature holds its document: others wait (visibly) instead of losing it.

A remote signature is prepared on one revision of the PDF; if anyone else signed meanwhile, the
signature the phone returns would no longer fit. So while a remote request is pending (and not
expired), signing that document is refused with a message naming who is being waited for."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..errors import Conflict
from ..models import SigningRequest, SigningRequestItem

VN_TIME = "%H:%M"


def pending_hold(session: Session, doc_id: int, *, except_request: int | None = None) -> SigningRequest | None:
    """The live remote request holding ``doc_id``, if any (other than ``except_request``)."""
    stmt = (select(SigningRequest).join(SigningRequestItem, SigningRequestItem.request_id == SigningRequest.id)
            .where(SigningRequestItem.document_id == doc_id, SigningRequestItem.status == "pending",
                   SigningRequest.status == "pending", SigningRequest.expires_at > utcnow()))
    if except_request is not None:
        stmt = stmt.where(SigningRequest.id != except_request)
    return session.scalars(stmt.limit(1)).first()


def ensure_not_held(session: Session, doc_id: int, user_id: int, *, except_request: int | None = None) -> None:
    """Conflict while another remote signature on the document waits for its signer's phone."""
    hold = pending_hold(session, doc_id, except_request=except_request)
    if hold is None:
        return
    from zoneinfo import ZoneInfo

    until = hold.expires_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime(VN_TIME)
    if hold.user_id == user_id:
        raise Conflict(code="document_held_by_you",
                       params={"transaction": hold.tran_code or hold.transaction_id[:8], "until": until})
    raise Conflict(code="document_held_by_other", params={"signer_name": hold.user.full_name, "until": until})
