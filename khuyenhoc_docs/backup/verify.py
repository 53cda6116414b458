"""``backup verify``: check a backup without restoring it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..audit import ChainCheck, verify_events
from ..models import AuditEvent
from . import crypto, datadir
from .common import MANIFEST, SECRETS, BackupError, Meter, Progress, WrongPassphrase, quiet, sha256_file
from .database import DumpReader, as_utc
from .manifest import Manifest, read_manifest


@dataclass
class VerifyReport:
    """What verification found; ``problems`` empty means the backup can be restored."""

    manifest: Manifest
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    audit: ChainCheck | None = None
    secrets: list[str] = field(default_factory=list)
    secrets_blob: bytes = b""
    sealed: bool | None = None  # None: no passphrase given

    @property
    def ok(self) -> bool:
        return not self.problems


def _int(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _event(row: dict[str, Any]) -> AuditEvent:
    details = row["details"]
    if isinstance(details, str):
        details = json.loads(details)
    return AuditEvent(id=int(row["id"]), at=as_utc(row["at"]), actor_id=_int(row["actor_id"]),
                      actor_name=row["actor_name"], ip=row["ip"], action=row["action"],
                      object_type=row["object_type"], object_id=_int(row["object_id"]), details=details,
                      prev_hash=row["prev_hash"], hash=row["hash"])


def _check_files(folder: Path, manifest: Manifest, report: VerifyReport, progress: Progress) -> None:
    meter = Meter(progress, "files", len(manifest.files))
    for rel, info in sorted(manifest.files.items()):
        path = folder / rel
        if not path.is_file():
            report.problems.append(f"{rel}: missing")
        elif path.stat().st_size != info["size"] or sha256_file(path) != info["sha256"]:
            report.problems.append(f"{rel}: does not match the manifest (sha256)")
        report.files_checked += 1
        meter.step()
    listed = set(manifest.files) | {MANIFEST}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.relative_to(folder).as_posix() not in listed:
            report.problems.append(f"{path.relative_to(folder).as_posix()}: not in the manifest")
    for entry in manifest.objects:
        listed_file = manifest.files.get(entry.path)
        if listed_file is None or listed_file["sha256"] != entry.sha256:
            report.problems.append(f"object {entry.key} @ {entry.version_id}: not listed with its sha256")


def _check_database(folder: Path, manifest: Manifest, report: VerifyReport) -> None:
    rel = manifest.database.get("file", "")
    if rel not in manifest.files or any(p.startswith(f"{rel}:") for p in report.problems):
        report.problems.append("database: no intact copy in the backup")
        return
    reader = DumpReader(manifest.database["dialect"], folder / rel)
    try:
        reader.check_readable()
        dumped = [(o.id, o.key, o.version_id, o.sha256) for o in reader.objects()]
        listed = [(o.id, o.key, o.version_id, o.sha256) for o in manifest.objects]
        if dumped != listed:
            report.problems.append("database: stored_objects rows differ from the manifest's object list")
        events = sorted((_event(r) for r in reader.rows("audit_events")), key=lambda e: e.id)
        head = [r for r in reader.rows("audit_head") if int(r["id"]) == 1]
        report.audit = verify_events(events, lambda: head[0]["last_hash"] if head else None)
        if not report.audit.ok:
            report.problems.append(f"audit chain broken at event {report.audit.first_broken_id}: "
                                   f"{report.audit.reason}")
        elif report.audit.checked != manifest.audit.get("events"):
            report.problems.append("audit chain: the number of events differs from the manifest")
    except BackupError as exc:
        report.problems.append(f"database: {exc}")
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"database: unreadable rows ({exc})")
    finally:
        reader.close()


def verify_backup(folder: Path, passphrase: str | None = None, progress: Progress = quiet) -> VerifyReport:
    """Manifest, every file's sha256, object list, database readable, audit chain intact.

    With the passphrase also the manifest's seal and the secrets' decryption (WrongPassphrase
    when it does not open them).
    """
    manifest = read_manifest(folder)
    report = VerifyReport(manifest=manifest)
    progress(f"backup {manifest.id} of {manifest.created_at}: {len(manifest.files)} files, "
             f"{len(manifest.objects)} object versions")
    _check_files(folder, manifest, report, progress)
    if passphrase:
        keys = crypto.derive(passphrase, manifest.encryption)
        secrets_intact = not any(p.startswith(f"{SECRETS}:") for p in report.problems)
        if secrets_intact:
            report.secrets_blob = crypto.decrypt(keys, (folder / SECRETS).read_bytes(), manifest.id)
            report.secrets = datadir.members(report.secrets_blob)
        report.sealed = crypto.check_seal(keys, manifest.canonical(), manifest.mac)
        if not report.sealed:
            if not secrets_intact:
                raise WrongPassphrase("wrong passphrase, or the backup was altered")
            report.problems.append("manifest: its seal does not match (the manifest was altered)")
    progress("database: reading the copy and checking the audit chain")
    _check_database(folder, manifest, report)
    return report
