"""Stored object versions: from the store into the backup, and back into an empty store."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from ..storage.base import ObjectCorrupted, ObjectNotFound, ObjectStore, StoreError, utcnow
from .common import BackupError, Meter, Progress, sha256_file
from .manifest import ObjectEntry


def save(store: ObjectStore, entries: list[ObjectEntry], folder: Path, progress: Progress) -> dict[str, dict]:
    """Copy every listed version (verified against its recorded sha256); identical contents once.

    Returns the files written, for the manifest.
    """
    files: dict[str, dict] = {}
    meter = Meter(progress, "objects", len(entries))
    for entry in entries:
        if entry.path not in files:
            try:
                data = store.get(entry.key, entry.version_id, expected_sha256=entry.sha256)
            except ObjectNotFound as exc:
                raise BackupError(f"object {entry.key} @ {entry.version_id} is missing from the store "
                                  "(run `storage check`)") from exc
            except ObjectCorrupted as exc:
                raise BackupError(f"object {entry.key} @ {entry.version_id} does not match its sha256 "
                                  "(run `storage check`)") from exc
            except StoreError as exc:
                raise BackupError(f"object store error: {exc}") from exc
            target = folder / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            files[entry.path] = {"sha256": entry.sha256, "size": len(data)}
        meter.step()
    return files


def check_files(entries: list[ObjectEntry], folder: Path) -> list[str]:
    """Problems with the backup's object files (missing, or not the recorded sha256)."""
    problems = []
    for entry in entries:
        path = folder / entry.path
        if not path.is_file():
            problems.append(f"object {entry.key} @ {entry.version_id}: file {entry.path} missing")
        elif sha256_file(path) != entry.sha256:
            problems.append(f"object {entry.key} @ {entry.version_id}: file {entry.path} does not match its sha256")
    return problems


def load(store: ObjectStore, entries: list[ObjectEntry], folder: Path, progress: Progress) -> dict[int, str]:
    """Put every version into ``store`` with its retention and legal hold; return row id → new version id.

    Versions are written in row order, so each key's versions keep their order in the store.
    Retention that has already run out is not set again (the store refuses past dates).
    """
    new_versions: dict[int, str] = {}
    meter = Meter(progress, "objects", len(entries))
    now = utcnow()
    for entry in sorted(entries, key=lambda e: e.id):
        data = (folder / entry.path).read_bytes()
        until = datetime.fromisoformat(entry.retain_until) if entry.retain_until else None
        try:
            stored = store.put(entry.key, data, content_type=entry.content_type,
                               metadata={"restored-from": entry.version_id[:200]},
                               retain_until=until if until and until > now else None,
                               legal_hold=entry.legal_hold)
        except StoreError as exc:
            raise BackupError(f"writing {entry.key} to the object store failed: {exc}") from exc
        if stored.sha256 != entry.sha256:
            raise BackupError(f"object {entry.key}: sha256 changed while restoring")
        new_versions[entry.id] = stored.version_id
        meter.step()
    return new_versions
