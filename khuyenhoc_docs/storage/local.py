"""Local-folder object store: the embedded default, behaving like the S3 one.

Layout under ``root``::

    objects/<key>/.versions/<version_id>.bin    data, read-only, never rewritten
    objects/<key>/.versions/<version_id>.json   sidecar: sha256, size, metadata,
                                                retention, legal hold, created_at
    objects/<key>/.versions/.lock               flock for sidecar updates

Key segments never start with "." (keys.py), so ``.versions`` cannot clash
with a key. A version exists once its sidecar exists: data is linked into
place first, the sidecar last, so readers in other processes never see a
half-written object. Several processes may share one root; correctness relies
on atomic renames/links and ``flock``, never on in-process locks.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .base import (
    LocalStoreOptions,
    ObjectCorrupted,
    ObjectLocked,
    ObjectNotFound,
    ObjectVersion,
    StoredObject,
    StoreUnavailable,
    check_content_type,
    check_metadata,
    check_sha256,
    clamp_presign,
    normalize_retain_until,
    sha256_hex,
    utcnow,
)
from .durable_files import create_exclusive_pair, fsync_dir, replace_file
from .keys import validate_key, validate_prefix

__all__ = ["LocalStore"]

log = logging.getLogger(__name__)

_VERSIONS_DIR = ".versions"
# 16 hex digits of time_ns (fixed width until year 2554) + 8 random hex: sorts
# by creation time and stays unique across processes without coordination.
_VERSION_RE = re.compile(r"[0-9a-f]{24}")
_SIDECAR_RE = re.compile(r"([0-9a-f]{24})\.json")


def _new_version_id() -> str:
    return f"{time.time_ns():016x}{secrets.token_hex(4)}"


@contextmanager
def _os_errors(what: str) -> Iterator[None]:
    # Disk full, read-only remount, I/O errors: the store is unusable for now.
    try:
        yield
    except OSError as exc:
        raise StoreUnavailable(f"local store: {what} failed: {exc}") from exc


def _walk_error(exc: OSError) -> None:
    # A missing folder just means "nothing under this prefix"; anything else
    # (permissions, I/O) must not silently shorten a consistency check.
    if not isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        raise exc


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class LocalStore:
    """Object store in a local folder (see module docstring)."""

    def __init__(self, options: LocalStoreOptions) -> None:
        self._root = Path(options.root)
        self._objects = self._root / "objects"

    def __repr__(self) -> str:
        return f"LocalStore(root={str(self._root)!r})"

    # -- paths and sidecars -------------------------------------------------
    def _vdir(self, key: str) -> Path:
        return self._objects.joinpath(*key.split("/"), _VERSIONS_DIR)

    @staticmethod
    def _check_version(key: str, version_id: str) -> str:
        if not isinstance(version_id, str) or not _VERSION_RE.fullmatch(version_id):
            # Also keeps arbitrary strings out of file paths.
            raise ObjectNotFound(f"{key}: no version {version_id!r}")
        return version_id

    def _read_sidecar(self, key: str, version_id: str) -> dict[str, Any]:
        path = self._vdir(key) / f"{version_id}.json"
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"{key}: no version {version_id}") from exc
        except OSError as exc:
            raise StoreUnavailable(f"local store: reading {path} failed: {exc}") from exc
        try:
            meta = json.loads(raw)
            if meta["version_id"] != version_id or meta["key"] != key:
                raise ValueError("sidecar names another object")
            self._to_stored(meta)  # every field present and well-formed
            return meta
        except (ValueError, KeyError, TypeError) as exc:
            log.error("object store: unreadable sidecar %s: %s", path, exc)
            raise ObjectCorrupted(f"{key}@{version_id}: unreadable sidecar") from exc

    def _write_sidecar(self, key: str, meta: Mapping[str, Any]) -> None:
        path = self._vdir(key) / f"{meta['version_id']}.json"
        replace_file(path, json.dumps(meta, ensure_ascii=False).encode("utf-8"), 0o644)

    @contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        """Exclusive cross-process lock on one key's sidecars (flock)."""
        vdir = self._vdir(key)
        try:
            fd = os.open(vdir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"{key}: no such key") from exc
        except OSError as exc:
            raise StoreUnavailable(f"local store: lock on {key} failed: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    @staticmethod
    def _to_stored(meta: Mapping[str, Any]) -> StoredObject:
        return StoredObject(
            key=meta["key"],
            version_id=meta["version_id"],
            sha256=meta["sha256"],
            size=meta["size"],
            content_type=meta["content_type"],
            created_at=datetime.fromisoformat(meta["created_at"]),
            metadata=MappingProxyType(dict(meta.get("metadata") or {})),
            retain_until=_dt(meta.get("retain_until")),
            legal_hold=bool(meta.get("legal_hold")),
        )

    # -- ObjectStore --------------------------------------------------------
    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
        retain_until: datetime | None = None,
        legal_hold: bool = False,
    ) -> StoredObject:
        """Store ``data`` as a new version of ``key``."""
        validate_key(key)
        check_content_type(content_type)
        meta_in = check_metadata(metadata)
        until = normalize_retain_until(retain_until) if retain_until else None
        data = bytes(data)
        version_id = _new_version_id()
        created = utcnow()
        meta = {
            "key": key,
            "version_id": version_id,
            "sha256": sha256_hex(data),
            "size": len(data),
            "content_type": content_type,
            "metadata": meta_in,
            "retain_until": until.isoformat() if until else None,
            "legal_hold": bool(legal_hold),
            "created_at": created.isoformat(),
        }
        vdir = self._vdir(key)
        with _os_errors(f"put {key}"):
            vdir.mkdir(parents=True, exist_ok=True)
            # Data first, the sidecar last: the sidecar is the commit point, only then does the
            # version exist. Both are on disk before either is linked; the links, by the dir fsync.
            create_exclusive_pair(
                vdir / f"{version_id}.bin", data, 0o444,
                vdir / f"{version_id}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"), 0o644,
            )
            fsync_dir(vdir)
        return self._to_stored(meta)

    def stat(self, key: str, version_id: str) -> StoredObject:
        """Describe one version."""
        validate_key(key)
        self._check_version(key, version_id)
        return self._to_stored(self._read_sidecar(key, version_id))

    def get(
        self, key: str, version_id: str, *, expected_sha256: str | None = None
    ) -> bytes:
        """Return one version's bytes after checking their sha256."""
        validate_key(key)
        self._check_version(key, version_id)
        expected = check_sha256(expected_sha256)
        meta = self._read_sidecar(key, version_id)
        path = self._vdir(key) / f"{version_id}.bin"
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            if not (self._vdir(key) / f"{version_id}.json").exists():
                raise ObjectNotFound(f"{key}: no version {version_id}") from exc
            log.error("object store: data file missing for %s@%s", key, version_id)
            raise ObjectCorrupted(f"{key}@{version_id}: data file missing") from exc
        except OSError as exc:
            raise StoreUnavailable(f"local store: reading {path} failed: {exc}") from exc
        actual = sha256_hex(data)
        for label, wanted in (("stored", meta["sha256"]), ("expected", expected)):
            if wanted is not None and actual != wanted:
                log.error(
                    "object store: sha256 mismatch for %s@%s (%s %s, actual %s)",
                    key, version_id, label, wanted, actual,
                )
                raise ObjectCorrupted(f"{key}@{version_id}: sha256 mismatch ({label})")
        return data

    def list_versions(self, key: str) -> list[ObjectVersion]:
        """Versions of ``key``, newest first."""
        validate_key(key)
        try:
            names = os.listdir(self._vdir(key))
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise StoreUnavailable(f"local store: listing {key} failed: {exc}") from exc
        ids = sorted(
            (m.group(1) for m in map(_SIDECAR_RE.fullmatch, names) if m), reverse=True
        )
        result = []
        for vid in ids:
            try:
                meta = self._read_sidecar(key, vid)
            except ObjectNotFound:
                continue  # deleted by another process since listdir
            result.append(
                ObjectVersion(
                    key=key,
                    version_id=vid,
                    size=meta["size"],
                    last_modified=datetime.fromisoformat(meta["created_at"]),
                )
            )
        return result

    def iter_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """All versions under ``prefix``: keys in sorted order, newest first."""
        validate_prefix(prefix)  # eagerly, not on the first next()
        return self._iter_versions(prefix)

    def _iter_versions(self, prefix: str) -> Iterator[ObjectVersion]:
        base = self._objects.joinpath(*prefix[: prefix.rfind("/") + 1].split("/"))
        keys: list[str] = []
        with _os_errors(f"listing {prefix!r}"):
            for dirpath, dirnames, _files in os.walk(base, onerror=_walk_error):
                if _VERSIONS_DIR in dirnames:
                    key = Path(dirpath).relative_to(self._objects).as_posix()
                    if key.startswith(prefix):
                        keys.append(key)
                # Do not descend into bookkeeping dirs (".versions", temp).
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for key in sorted(keys):
            yield from self.list_versions(key)

    def delete_version(self, key: str, version_id: str) -> None:
        """Delete one version unless it is retained or on legal hold."""
        validate_key(key)
        self._check_version(key, version_id)
        vdir = self._vdir(key)
        with self._locked(key):
            meta = self._read_sidecar(key, version_id)
            self._refuse_if_locked(key, meta)
            with _os_errors(f"delete {key}@{version_id}"):
                # Sidecar first: from then on the version is gone for readers.
                os.unlink(vdir / f"{version_id}.json")
                with suppress(FileNotFoundError):
                    os.unlink(vdir / f"{version_id}.bin")
                fsync_dir(vdir)

    @staticmethod
    def _refuse_if_locked(key: str, meta: Mapping[str, Any]) -> None:
        if meta.get("legal_hold"):
            raise ObjectLocked(f"{key}@{meta['version_id']} is on legal hold")
        until = _dt(meta.get("retain_until"))
        if until is not None and until > utcnow():
            raise ObjectLocked(
                f"{key}@{meta['version_id']} is retained until {until.isoformat()}"
            )

    def set_retention(self, key: str, version_id: str, retain_until: datetime) -> None:
        """Set COMPLIANCE retention; shortening an active one raises ObjectLocked."""
        validate_key(key)
        self._check_version(key, version_id)
        until = normalize_retain_until(retain_until)
        with self._locked(key):
            meta = dict(self._read_sidecar(key, version_id))
            current = _dt(meta.get("retain_until"))
            if current is not None and current > utcnow() and until < current:
                raise ObjectLocked(
                    f"{key}@{version_id}: COMPLIANCE retention until "
                    f"{current.isoformat()} cannot be shortened"
                )
            meta["retain_until"] = until.isoformat()
            with _os_errors(f"set retention on {key}@{version_id}"):
                self._write_sidecar(key, meta)

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        """Place or release a legal hold."""
        validate_key(key)
        self._check_version(key, version_id)
        with self._locked(key):
            meta = dict(self._read_sidecar(key, version_id))
            meta["legal_hold"] = bool(on)
            with _os_errors(f"set legal hold on {key}@{version_id}"):
                self._write_sidecar(key, meta)

    def presigned_get(
        self, key: str, version_id: str, expires: timedelta
    ) -> str | None:
        """No URLs for a local folder: the web layer streams the bytes itself."""
        validate_key(key)
        clamp_presign(expires)
        return None

    def check(self) -> None:
        """StoreUnavailable unless the objects folder exists and is writable."""
        if not self._objects.is_dir():
            raise StoreUnavailable(f"local store: {self._objects} does not exist")
        if not os.access(self._objects, os.W_OK | os.X_OK):
            raise StoreUnavailable(f"local store: {self._objects} is not writable")

    def ensure_ready(self) -> None:
        """Create the folders."""
        with _os_errors("creating folders"):
            self._objects.mkdir(parents=True, exist_ok=True)
