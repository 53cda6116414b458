"""Consistency check between database rows and the object store, and local → S3 migration."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import utcnow
from .models import StoredObject
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
