"""Acting on a received document by drafting: programmes that implement it ("Triển khai", a cascade job,
see ``cascade.start_incoming_cascade``) and replies to its sender ("Trả lời"), both linked to it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Principal, visible_documents_clause
from ..models import Document, IncomingDocument, Organisation
from .cascade import incoming_source, units_for


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
