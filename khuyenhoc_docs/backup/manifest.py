"""The backup manifest: what the backup holds, every file with its sha256, sealed by the passphrase.

Layout of a backup folder::

    manifest.json                 written last: a backup without it is incomplete
    database/khuyenhoc.sqlite3    SQLite online backup, or database/khuyenhoc.pgdump (pg_dump -Fc)
    objects/<aa>/<sha256>         every stored object version the database references (by content)
    templates/<name>              the .docx templates folder
    secrets.enc                   data-dir secrets and credentials (tar, AES-256-GCM)
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import crypto
from .common import FORMAT, MANIFEST, BackupError


@dataclass(frozen=True)
class ObjectEntry:
    """One ``stored_objects`` row at snapshot time."""

    id: int
    key: str
    version_id: str
    sha256: str
    size: int
    content_type: str
    retain_until: str | None = None  # ISO 8601 UTC
    legal_hold: bool = False

    @property
    def path(self) -> str:
        """Where the bytes sit in the backup (content-addressed: identical versions are kept once)."""
        return object_path(self.sha256)


def object_path(sha256: str) -> str:
    return f"objects/{sha256[:2]}/{sha256}"


@dataclass
class Manifest:
    """Everything a restore needs to know, plus the list of files and their hashes."""

    id: str
    created_at: str
    database: dict[str, Any]  # dialect, file, alembic_revision, server_version
    audit: dict[str, Any]  # events, last_hash at snapshot time
    objects: list[ObjectEntry]
    files: dict[str, dict[str, Any]]  # path -> {"sha256", "size"}
    encryption: dict[str, Any]
    data_dir_files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    format: str = FORMAT
    mac: str = ""

    def canonical(self) -> bytes:
        """The bytes the seal covers: everything but the seal itself."""
        body = asdict(self)
        body.pop("mac")
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()

    def sealed(self, keys: crypto.Keys) -> Manifest:
        self.mac = crypto.seal(keys, self.canonical())
        return self

    def write(self, folder: Path) -> None:
        """Write atomically (temp + rename): the manifest's presence marks a complete backup."""
        tmp = folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False, sort_keys=True))
        tmp.replace(folder / MANIFEST)


def read_manifest(folder: Path) -> Manifest:
    """Parse ``manifest.json``; BackupError when missing, unreadable or of another format."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")
    if not path.is_file():
        raise BackupError(f"{folder} has no {MANIFEST}: not a backup, or an incomplete one")
    try:
        raw = json.loads(path.read_text())
        if raw.get("format") != FORMAT:
            raise BackupError(f"unknown backup format {raw.get('format')!r} (expected {FORMAT})")
        raw["objects"] = [ObjectEntry(**o) for o in raw["objects"]]
        return Manifest(**raw)
    except BackupError:
        raise
    except (ValueError, TypeError, KeyError) as exc:
        raise BackupError(f"{MANIFEST} is damaged: {exc}") from exc
