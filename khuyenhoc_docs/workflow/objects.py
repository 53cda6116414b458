"""Write objects to the store and record them; read them back with their recorded hash."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import StoredObject
from ..storage.base import ObjectStore

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def put(
    session: Session,
    store: ObjectStore,
    key: str,
    data: bytes,
    *,
    content_type: str,
    metadata: Mapping[str, str] | None = None,
    retain_until: datetime | None = None,
) -> StoredObject:
    """Write the object first, then add its row to the caller's transaction.

    A failed write raises before any row exists; a rolled-back transaction leaves an
    unreferenced object that ``storage check`` reports and can remove after a grace period.
    """
    stored = store.put(key, data, content_type=content_type, metadata=metadata, retain_until=retain_until)
    row = StoredObject(
        key=stored.key,
        version_id=stored.version_id,
        sha256=stored.sha256,
        size=stored.size,
        content_type=content_type,
        retain_until=retain_until,
    )
    session.add(row)
    session.flush()
    if content_type == PDF:
        # every record PDF is findable by the hashes of its revisions (verify against the archive)
        from ..archive_index import index_pdf

        index_pdf(session, row, data)
    return row


def read(store: ObjectStore, row: StoredObject) -> bytes:
    """The object's bytes, verified against the hash recorded at write time."""
    return store.get(row.key, row.version_id, expected_sha256=row.sha256)
