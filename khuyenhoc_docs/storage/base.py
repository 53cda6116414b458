"""Object-store interface shared by the local-folder and S3 (MinIO) backends.

Everything here is pure domain code: no Flask, no environment reading. The
backends are configured with the option dataclasses below, which the caller
builds from its own configuration.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Mapping, Protocol, runtime_checkable
from urllib.parse import quote, unquote

__all__ = [
    "LocalStoreOptions",
    "ObjectCorrupted",
    "ObjectLocked",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectVersion",
    "S3StoreOptions",
    "StoreError",
    "StoreUnavailable",
    "StoredObject",
    "InvalidKey",
    "MAX_METADATA_BYTES",
    "PRESIGN_MAX",
]

# S3 caps user metadata at 2 KiB per object; the local backend enforces the
# same limit so that code tested on it does not break on MinIO.
MAX_METADATA_BYTES = 2048
# Presigned links hand out archive documents without a login: keep them short.
PRESIGN_MAX = timedelta(minutes=15)
# The checksum we write ourselves; callers may not override it.
RESERVED_METADATA_KEYS = frozenset({"sha256"})
_METADATA_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
class StoreError(Exception):
    """Base class of every object-store error."""


class ObjectNotFound(StoreError):
    """The key, or the given version of it, does not exist."""


class ObjectLocked(StoreError):
    """Refused by retention (COMPLIANCE) or a legal hold."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or timed out; callers answer HTTP 503."""


class ObjectCorrupted(StoreError):
    """The stored bytes do not match their recorded or expected sha256."""


class InvalidKey(StoreError, ValueError):
    """The key does not follow the service's key grammar (see keys.py)."""


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class StoredObject:
    """One stored version, as returned by ``put`` and ``stat``.

    ``retain_until`` and ``legal_hold`` are filled by ``stat``; ``put`` echoes
    what it asked for.
    """

    key: str
    version_id: str
    sha256: str
    size: int
    content_type: str
    created_at: datetime
    metadata: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    retain_until: datetime | None = None
    legal_hold: bool = False


@dataclass(frozen=True)
class ObjectVersion:
    """One entry of a version listing."""

    key: str
    version_id: str
    size: int
    last_modified: datetime
    is_delete_marker: bool = False


@dataclass(frozen=True)
class LocalStoreOptions:
    """Options of the local-folder backend."""

    root: Path


@dataclass(frozen=True)
class S3StoreOptions:
    """Options of the S3 (MinIO) backend. ``endpoint`` is ``host:port``."""

    endpoint: str
    access_key: str
    secret_key: str = field(repr=False)
    bucket: str
    secure: bool = False
    region: str = "us-east-1"
    timeout_seconds: float = 5.0


# --------------------------------------------------------------------------
# Interface
# --------------------------------------------------------------------------
@runtime_checkable
class ObjectStore(Protocol):
    """A versioned, WORM-capable object store.

    Keys are built by ``keys.py`` and validated by every backend. Each ``put``
    creates a new version; versions are never overwritten.
    """

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
        """Store ``data`` as a new version of ``key`` (sha256 kept as metadata)."""
        ...

    def get(
        self, key: str, version_id: str, *, expected_sha256: str | None = None
    ) -> bytes:
        """Return the bytes of one version after verifying their sha256."""
        ...

    def stat(self, key: str, version_id: str) -> StoredObject:
        """Describe one version (metadata, retention, legal hold)."""
        ...

    def list_versions(self, key: str) -> list[ObjectVersion]:
        """All versions of ``key``, newest first; ``[]`` when none."""
        ...

    def iter_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """All versions of all keys under ``prefix`` (keys sorted, newest first)."""
        ...

    def delete_version(self, key: str, version_id: str) -> None:
        """Delete one version; ObjectLocked while retained or on legal hold."""
        ...

    def set_retention(self, key: str, version_id: str, retain_until: datetime) -> None:
        """Set COMPLIANCE retention; extending is allowed, shortening is not."""
        ...

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        """Place or release a legal hold on one version."""
        ...

    def presigned_get(
        self, key: str, version_id: str, expires: timedelta
    ) -> str | None:
        """A short-lived download URL, or None when the backend has none."""
        ...

    def check(self) -> None:
        """Health check: raise StoreUnavailable when the store is unusable."""
        ...

    def ensure_ready(self) -> None:
        """Create what the store needs (bucket with object lock, folders)."""
        ...


# --------------------------------------------------------------------------
# Helpers shared by the backends
# --------------------------------------------------------------------------
def sha256_hex(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def utcnow() -> datetime:
    """Timezone-aware current time in UTC."""
    return datetime.now(timezone.utc)


def normalize_retain_until(value: datetime, *, future: bool = True) -> datetime:
    """UTC, truncated to milliseconds (S3's precision); must be aware.

    Naive datetimes are refused because guessing their zone could shorten a
    legal retention period by hours.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("retain_until must be timezone-aware")
    value = value.astimezone(timezone.utc)
    value = value.replace(microsecond=value.microsecond // 1000 * 1000)
    if future and value <= utcnow():
        raise ValueError("retain_until must be in the future")
    return value


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Validate caller metadata and return a plain copy.

    Keys: lowercase ``[a-z0-9-]`` (they travel as HTTP header names), not
    reserved. Values: any text; the S3 backend percent-encodes them. The
    encoded total must fit S3's 2 KiB limit.
    """
    result: dict[str, str] = {}
    total = 0
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not _METADATA_KEY_RE.fullmatch(key):
            raise ValueError(f"invalid metadata key {key!r}")
        if key in RESERVED_METADATA_KEYS:
            raise ValueError(f"metadata key {key!r} is reserved")
        if not isinstance(value, str):
            raise ValueError(f"metadata value for {key!r} must be str")
        result[key] = value
        total += len(key) + len(encode_header_value(value))
    if total > MAX_METADATA_BYTES:
        raise ValueError(
            f"metadata too large ({total} bytes encoded, max {MAX_METADATA_BYTES})"
        )
    return result


# Printable ASCII except "%" stays readable in headers; everything else
# (Vietnamese letters, controls, leading/trailing spaces via %20) is escaped.
_HEADER_SAFE = "!\"#$&'()*+,/:;<=>?@[\\]^`{|}"


def encode_header_value(value: str) -> str:
    """Percent-encode text so it is a valid, lossless HTTP header value."""
    return quote(value, safe=_HEADER_SAFE)


def decode_header_value(value: str) -> str:
    """Inverse of encode_header_value."""
    return unquote(value)


_CONTENT_TYPE_RE = re.compile(r"^[\x21-\x7e][\x20-\x7e]{0,126}$")


def check_content_type(content_type: str) -> str:
    """Content types travel as a header: printable ASCII, non-empty."""
    if not isinstance(content_type, str) or not _CONTENT_TYPE_RE.fullmatch(content_type):
        raise ValueError(f"invalid content type {content_type!r}")
    return content_type


def check_sha256(value: str | None) -> str | None:
    """Normalise an expected sha256 (64 hex digits) to lowercase."""
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise ValueError("expected_sha256 must be 64 hex digits")
    return value.lower()


def clamp_presign(expires: timedelta) -> timedelta:
    """Cap a presign lifetime at PRESIGN_MAX; refuse non-positive ones."""
    if expires <= timedelta(0):
        raise ValueError("expires must be positive")
    return min(expires, PRESIGN_MAX)
