"""The data dir's secrets and credentials (packed, to be encrypted) and the templates folder.

Which files are secrets is decided by exclusion, not by a list of names: everything in the data
dir except the database, the object folder, the job queue and run-time folders. Keys or
credentials that other features keep there later are then backed up without a change here.
"""
from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path, PurePosixPath

from .common import MANIFEST, SECRETS, BackupError, TargetNotEmpty

# Not secrets: restored by other means (database, objects) or rebuilt at run time.
_NOT_SECRETS = {"objects", "run", "jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm", "jobs.sqlite3-journal"}
# What a freshly started app leaves in an otherwise empty data dir (restore may replace them).
_STARTUP = {"secret_key", "objects", "run", "jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm",
            "jobs.sqlite3-journal"}
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def _database_names(database_file: Path | None, data_dir: Path) -> set[str]:
    if database_file is None or database_file.parent.resolve() != data_dir.resolve():
        return set()
    return {database_file.name + s for s in _SQLITE_SUFFIXES}


def secret_files(data_dir: Path, *, database_file: Path | None, skip: Path | None = None) -> list[Path]:
    """Regular files of the data dir that are neither database, objects nor run-time state."""
    if not data_dir.is_dir():
        return []
    excluded = _NOT_SECRETS | _database_names(database_file, data_dir)
    # Backups kept inside the data dir (this one, older ones) are never packed into a new one.
    skipped = [s.parent.resolve() for s in data_dir.rglob(SECRETS) if (s.parent / MANIFEST).exists()]
    if skip is not None:
        skipped.append(skip.resolve())
    found: list[Path] = []
    for top in sorted(data_dir.iterdir()):
        # Dot entries are temp files of atomic writes (.secret_key.*, .pki-*): never complete state.
        if top.name in excluded or top.name.startswith("."):
            continue
        for path in sorted([top] if top.is_file() else top.rglob("*")):
            resolved = path.resolve()
            if any(resolved == s or s in resolved.parents for s in skipped):
                continue
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found


def pack(files: list[Path], data_dir: Path) -> bytes:
    """A tar of the files (paths relative to the data dir, modes kept)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in files:
            tar.add(path, arcname=path.relative_to(data_dir).as_posix(), recursive=False)
    return buf.getvalue()


def members(blob: bytes) -> list[str]:
    """Names in a packed secrets tar (verify lists them; BackupError when unreadable)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
            return [m.name for m in tar.getmembers()]
    except tarfile.TarError as exc:
        raise BackupError(f"the secrets archive is damaged: {exc}") from exc


def unpack(blob: bytes, data_dir: Path) -> list[str]:
    """Write the packed files into the data dir (regular files only, no path leaves the data dir)."""
    written = []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r") as tar:
        for member in tar.getmembers():
            rel = PurePosixPath(member.name)
            if not member.isfile() or rel.is_absolute() or ".." in rel.parts:
                raise BackupError(f"refusing secrets entry {member.name!r}")
            target = data_dir.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            src = tar.extractfile(member)
            assert src is not None
            tmp = target.with_name(f".restore-{target.name}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                shutil.copyfileobj(src, fh)
            os.chmod(tmp, member.mode & 0o777)
            os.replace(tmp, target)
            written.append(member.name)
    return written


def check_empty(data_dir: Path, *, database_file: Path | None) -> None:
    """TargetNotEmpty when the data dir holds more than a freshly started app leaves there."""
    if not data_dir.exists():
        return
    allowed = _STARTUP | _database_names(database_file, data_dir)
    extra = sorted(p.name for p in data_dir.iterdir() if p.name not in allowed and not p.name.startswith("."))
    if extra:
        raise TargetNotEmpty(f"the data dir {data_dir} is not empty ({', '.join(extra[:8])}); "
                             "restore only into an empty data dir")


def template_files(templates_dir: Path) -> list[Path]:
    if not templates_dir.is_dir():
        return []
    return sorted(p for p in templates_dir.rglob("*") if p.is_file() and not p.name.startswith("."))


def restore_templates(source: Path, templates_dir: Path) -> tuple[list[str], list[str]]:
    """Copy templates the target lacks; return (copied, kept because they differ)."""
    copied, differing = [], []
    for path in template_files(source):
        rel = path.relative_to(source)
        target = templates_dir / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(rel.as_posix())
        elif target.read_bytes() != path.read_bytes():
            differing.append(rel.as_posix())
    return copied, differing
