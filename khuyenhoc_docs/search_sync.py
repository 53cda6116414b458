"""Keep the search index in step with documents and incoming documents (called by the workflow in its
transactions)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Document, DocumentCopy, DocumentVersion, IncomingDocument
from .search import INCOMING, SearchEntry, search_index_for


def index(session: Session, doc: Document) -> None:
    """Upsert the document's entry from its latest version text and current state."""
    text = session.scalar(select(DocumentVersion.text).where(DocumentVersion.document_id == doc.id)
                          .order_by(DocumentVersion.number.desc()).limit(1)) or ""
    # certified copies are found through their record by copy number ("03/2026/BS-HKH")
    copies = session.scalars(select(DocumentCopy.copy_number).where(DocumentCopy.document_id == doc.id)).all()
    if copies:
        text = f"{text}\nBản sao: {'; '.join(copies)}"
    fields = doc.fields or {}
    signers = tuple(p.get("signer_name", "") for p in (fields.get("party_a") or {}, fields.get("party_b") or {})
                    if p.get("signer_name")) + tuple(str(s) for s in fields.get("signers", []))
    search_index_for(session).index_document(session, SearchEntry(
        document_id=doc.id, doc_number=doc.doc_number, title=doc.title, body=text,
        year=doc.issue_date.year if doc.issue_date else None, level_code=doc.lead_org.level.code,
        organisation_ids=(doc.lead_org_id, doc.partner_org_id), signer_names=signers, status=doc.status,
        issue_date=doc.issue_date,
    ))


def incoming_entry(row: Any, level_code: str) -> SearchEntry:
    """The index entry of an incoming document (``row``: an ``IncomingDocument`` or a row with its columns)."""
    number = f"{row.code_number}/{row.code_notation}"
    body = "\n".join(part for part in (
        f"Văn bản đến số {row.arrival_number}/{row.year} từ {row.sender_name}",
        f"{row.type_name} số {number} ngày {row.promulgation_date:%d/%m/%Y}".strip(),
        row.subject, row.text or "") if part)
    return SearchEntry(
        kind=INCOMING, document_id=row.id, doc_number=number, title=row.subject, body=body,
        year=row.promulgation_date.year, level_code=level_code, organisation_ids=(row.organisation_id,),
        signer_names=(row.signer_name,) if row.signer_name else (), status=row.status,
        issue_date=row.promulgation_date)


def index_incoming(session: Session, row: IncomingDocument) -> None:
    """Upsert an incoming document's entry (arrival, sender, number, subject, PDF text, state)."""
    search_index_for(session).index_document(session, incoming_entry(row, row.organisation.level.code))
