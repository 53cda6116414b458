"""Keep the search index in step with documents (called by the workflow in its transactions)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Document, DocumentCopy, DocumentVersion
from .search import SearchEntry, search_index_for


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
