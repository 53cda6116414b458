"""What a write stores for an entry: its ``search_entries`` column values, cleaned for any database."""
from __future__ import annotations

from typing import Any

from ..db import utcnow
from .model import SearchEntry
from .text import clean, index_text, key_text, words


def entry_values(entry: SearchEntry) -> dict[str, Any]:
    """Column values of ``search_entries`` for ``entry`` (cleaned for any database)."""
    title, body = clean(entry.title), clean(entry.body)
    doc_number = clean(entry.doc_number) if entry.doc_number is not None else None
    signers = [clean(name).replace("\n", " ") for name in entry.signer_names]
    return {
        "kind": entry.kind,
        "document_id": entry.document_id,
        "doc_number": doc_number,
        "doc_number_key": key_text(doc_number or ""),
        "title": title,
        "body": body,
        "folded": index_text(title, doc_number or "", body),
        "year": entry.year,
        "level_code": clean(entry.level_code),
        "organisation_ids": "," + "".join(f"{i}," for i in sorted(set(entry.organisation_ids))),
        "signer_names": "\n".join(signers),
        "signer_key": "\n".join(" ".join(words(name)) for name in signers),
        "status": clean(entry.status),
        "issue_date": entry.issue_date,
        "updated_at": utcnow(),
    }
