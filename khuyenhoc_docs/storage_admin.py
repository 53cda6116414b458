"""Storage maintenance: consistency check between rows and the object store, local → S3 migration,
legal holds on a document's records (audited)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .audit import Actor
from .db import utcnow
from .errors import NotFound
from .models import DocumentVersion, Signature, StoredObject
from .storage.base import ObjectCorrupted, ObjectLocked, ObjectNotFound, ObjectStore

log = logging.getLogger(__name__)


@dataclass
class CheckReport:
    """What ``storage check`` found."""

    rows_checked: int = 0
    missing: list[tuple[str, str]] = field(default_factory=list)
    mismatched: list[tuple[str, str]] = field(default_factory=list)
    unreferenced: list[tuple[str, str, datetime]] = field(default_factory=list)
    deleted: list[tuple[str, str]] = field(default_factory=list)
    kept_locked: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.mismatched or self.unreferenced)


def check(session: Session, store: ObjectStore, *, delete_unreferenced: bool = False,
          grace: timedelta = timedelta(hours=24), now: datetime | None = None) -> CheckReport:
    """Verify every row's object (presence and sha256) and find objects no row references.

    Unreferenced objects younger than ``grace`` are left alone: a request may be between
    writing its object and committing its row.
    """
    report = CheckReport()
    known: set[tuple[str, str]] = set()
    for row in session.scalars(select(StoredObject).order_by(StoredObject.id)):
        known.add((row.key, row.version_id))
        report.rows_checked += 1
        try:
            store.get(row.key, row.version_id, expected_sha256=row.sha256)
        except ObjectNotFound:
            report.missing.append((row.key, row.version_id))
        except ObjectCorrupted:
            report.mismatched.append((row.key, row.version_id))
    cutoff = (now or utcnow()) - grace
    for version in store.iter_versions(""):
        if version.is_delete_marker or (version.key, version.version_id) in known:
            continue
        report.unreferenced.append((version.key, version.version_id, version.last_modified))
        if delete_unreferenced and version.last_modified < cutoff:
            try:
                store.delete_version(version.key, version.version_id)
                report.deleted.append((version.key, version.version_id))
            except ObjectLocked:
                report.kept_locked.append((version.key, version.version_id))
    return report


@dataclass
class MigrationReport:
    copied: int = 0
    already: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)


def migrate(session: Session, source: ObjectStore, target: ObjectStore) -> MigrationReport:
    """Copy every recorded object version from ``source`` to ``target``, verifying hashes.

    Each row is repointed to the target's version id and committed one by one, so an
    interrupted run can simply be started again (rows already on the target are skipped).
    """
    report = MigrationReport()
    target.ensure_ready()
    for row in session.scalars(select(StoredObject).order_by(StoredObject.id)).all():
        try:
            data = source.get(row.key, row.version_id, expected_sha256=row.sha256)
        except ObjectNotFound:
            try:
                target.get(row.key, row.version_id, expected_sha256=row.sha256)
                report.already += 1
            except (ObjectNotFound, ObjectCorrupted) as exc:
                report.failed.append((row.key, row.version_id, type(exc).__name__))
            continue
        except ObjectCorrupted as exc:
            report.failed.append((row.key, row.version_id, type(exc).__name__))
            continue
        retain = row.retain_until if row.retain_until and row.retain_until > utcnow() else None
        stored = target.put(row.key, data, content_type=row.content_type, metadata={"migrated-from": row.version_id},
                            retain_until=retain)
        if stored.sha256 != row.sha256:
            report.failed.append((row.key, row.version_id, "sha256 mismatch after copy"))
            continue
        target.get(stored.key, stored.version_id, expected_sha256=row.sha256)
        row.version_id = stored.version_id
        session.commit()
        report.copied += 1
    return report


def document_objects(session: Session, document_id: int) -> list[StoredObject]:
    """Every stored object of a document: each version's DOCX and PDF, each signed PDF."""
    ids: set[int] = set()
    for v in session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document_id)):
        ids.update(i for i in (v.docx_object_id, v.pdf_object_id) if i)  # records from before: no DOCX
    ids.update(i for i in session.scalars(select(Signature.pdf_object_id).where(
        Signature.document_id == document_id)) if i)
    return list(session.scalars(select(StoredObject).where(StoredObject.id.in_(ids)))) if ids else []


def legal_hold(session: Session, store: ObjectStore, actor: Actor, document_id: int, *, on: bool) -> int:
    """Place (``on``) or release a legal hold on every stored object of a document; audited. Commits.

    Returns how many objects changed; NotFound when the document has none.
    """
    rows = document_objects(session, document_id)
    if not rows:
        raise NotFound(f"document {document_id} has no stored objects")
    for row in rows:
        store.set_legal_hold(row.key, row.version_id, on)
        row.legal_hold = on
    audit.record(session, actor, "legal_hold" if on else "legal_hold_release", "document", document_id,
                 objects=len(rows))
    session.commit()
    return len(rows)
