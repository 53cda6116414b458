"""S3 object store backed by MinIO, through the ``minio`` SDK.

Runs against real MinIO (production) and against ``moto_server`` (tests), so
it only uses what both implement. Where moto is lax (it accepts shortening a
COMPLIANCE retention, answers 500 for unknown versions on lock calls) the
checks are also done here, from the HEAD response, which both servers fill.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Iterator, Mapping

from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.datatypes import Object
from minio.error import S3Error
from minio.helpers import MAX_PART_SIZE, MIN_PART_SIZE
from minio.retention import Retention
from minio.time import from_iso8601utc

from .base import (
    ObjectCorrupted,
    ObjectLocked,
    ObjectNotFound,
    ObjectVersion,
    S3StoreOptions,
    StoredObject,
    StoreError,
    StoreUnavailable,
    check_content_type,
    check_metadata,
    check_sha256,
    clamp_presign,
    decode_header_value,
    encode_header_value,
    normalize_retain_until,
    sha256_hex,
    utcnow,
)
from .keys import validate_key, validate_prefix
from .s3_transport import make_http, translate_errors

__all__ = ["S3Store"]

log = logging.getLogger(__name__)

_META = "x-amz-meta-"
_SHA_HEADER = _META + "sha256"
_EXISTS_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
class S3Store:
    """Object store in one S3 bucket created with object lock (versioned)."""

    def __init__(self, options: S3StoreOptions) -> None:
        self._options = options
        self._bucket = options.bucket
        self._client = Minio(
            options.endpoint,
            access_key=options.access_key,
            secret_key=options.secret_key,
            secure=options.secure,
            # A fixed region also spares a GetBucketLocation round trip.
            region=options.region,
            http_client=make_http(options),
        )

    def __repr__(self) -> str:
        return f"S3Store(endpoint={self._options.endpoint!r}, bucket={self._bucket!r})"

    # -- error mapping (s3_transport) ---------------------------------------
    @contextmanager
    def _errors(
        self, what: str, *, version_id: str | None = None, lock_op: bool = False
    ) -> Iterator[None]:
        """Translate SDK / urllib3 failures into the store's error hierarchy."""
        with translate_errors(what, self._bucket, version_id=version_id, lock_op=lock_op):
            yield

    # -- helpers ------------------------------------------------------------
    @staticmethod
    def _check_version(version_id: str) -> str:
        if not isinstance(version_id, str) or not version_id:
            raise ObjectNotFound("version id must be a non-empty string")
        return version_id

    def _to_stored(self, key: str, obj: Object) -> StoredObject:
        headers = obj.metadata or {}
        meta: dict[str, str] = {}
        sha = ""
        retain_until = None
        legal_hold = False
        for name, value in headers.items():
            lname = name.lower()
            if lname == _SHA_HEADER:
                sha = value
            elif lname.startswith(_META):
                meta[lname[len(_META):]] = decode_header_value(value)
            elif lname == "x-amz-object-lock-retain-until-date":
                retain_until = from_iso8601utc(value)
            elif lname == "x-amz-object-lock-legal-hold":
                legal_hold = value.upper() == "ON"
        return StoredObject(
            key=key,
            version_id=obj.version_id or "",
            sha256=sha,
            size=obj.size or 0,
            content_type=obj.content_type or "application/octet-stream",
            created_at=obj.last_modified or utcnow(),
            metadata=MappingProxyType(meta),
            retain_until=retain_until,
            legal_hold=legal_hold,
        )

    def _head(self, key: str, version_id: str) -> StoredObject:
        info = self._head_or_marker(key, version_id)
        if info is None:
            raise ObjectNotFound(f"{key}@{version_id} is a delete marker")
        return info

    def _head_or_marker(self, key: str, version_id: str) -> StoredObject | None:
        """HEAD one version; None when that version is a delete marker."""
        with self._errors(f"stat {key}@{version_id}", version_id=version_id):
            try:
                obj = self._client.stat_object(self._bucket, key, version_id=version_id)
            except S3Error as exc:
                # S3 answers 405 to HEAD on a delete-marker version.
                if exc.code == "MethodNotAllowed" and exc.response.status == 405:
                    return None
                raise
        return self._to_stored(key, obj)

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
        if len(data) > MAX_PART_SIZE:
            raise ValueError("object larger than 5 GiB")
        digest = hashlib.sha256(data).digest()
        headers: dict[str, str] = {
            _SHA_HEADER: digest.hex(),
            # Object-lock buckets require an integrity header on PUT; over
            # plain HTTP the SDK sends none, so send the SHA256 checksum.
            "x-amz-sdk-checksum-algorithm": "SHA256",
            "x-amz-checksum-sha256": base64.b64encode(digest).decode("ascii"),
        }
        # Explicit x-amz-meta- names so the SDK never mistakes a caller key
        # for a raw header.
        headers.update({_META + k: encode_header_value(v) for k, v in meta_in.items()})
        with self._errors(f"put {key}"):
            result = self._client.put_object(
                self._bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=headers,  # type: ignore[arg-type]
                retention=Retention(COMPLIANCE, until) if until else None,
                legal_hold=legal_hold,
                # One PUT, never multipart: the whole-object checksum above
                # would not be valid for a multipart upload.
                part_size=max(len(data), MIN_PART_SIZE),
            )
        if not result.version_id:
            # An unversioned bucket would silently overwrite archived files.
            raise StoreError(f"bucket {self._bucket} is not versioned")
        return StoredObject(
            key=key,
            version_id=result.version_id,
            sha256=digest.hex(),
            size=len(data),
            content_type=content_type,
            created_at=utcnow(),
            metadata=MappingProxyType(dict(meta_in)),
            retain_until=until,
            legal_hold=bool(legal_hold),
        )

    def stat(self, key: str, version_id: str) -> StoredObject:
        """Describe one version (HEAD)."""
        validate_key(key)
        self._check_version(version_id)
        return self._head(key, version_id)

    def get(
        self, key: str, version_id: str, *, expected_sha256: str | None = None
    ) -> bytes:
        """Return one version's bytes after checking them against sha256.

        An object without our ``sha256`` metadata did not come through put;
        it is treated as corrupted because its integrity cannot be shown.
        """
        validate_key(key)
        self._check_version(version_id)
        expected = check_sha256(expected_sha256)
        what = f"get {key}@{version_id}"
        with self._errors(what, version_id=version_id):
            response = self._client.get_object(self._bucket, key, version_id=version_id)
            try:
                data = response.read()
                stored = response.headers.get(_SHA_HEADER)
            finally:
                response.close()
                response.release_conn()
        actual = sha256_hex(data)
        if stored is None and expected is None:
            log.error("object store: %s has no stored sha256", what)
            raise ObjectCorrupted(f"{what}: no stored sha256")
        for label, wanted in (("stored", stored), ("expected", expected)):
            if wanted is not None and actual != wanted.lower():
                log.error(
                    "object store: sha256 mismatch for %s (%s %s, actual %s)",
                    what, label, wanted, actual,
                )
                raise ObjectCorrupted(f"{what}: sha256 mismatch ({label})")
        return data

    def _listing(self, prefix: str) -> list[ObjectVersion]:
        """Every version and delete marker under ``prefix``, keys sorted, newest first.

        The SDK returns each page's versions before its delete markers, so the
        server's interleaving is lost; it is rebuilt from IsLatest and
        last-modified (ties keep the SDK order). That needs the whole listing,
        hence a list rather than a stream.
        """
        entries: list[tuple[bool, ObjectVersion]] = []
        with self._errors(f"list {prefix!r}"):
            for obj in self._client.list_objects(
                self._bucket, prefix=prefix or None, recursive=True, include_version=True
            ):
                latest = str(obj.is_latest).lower() == "true"
                entries.append((latest, ObjectVersion(
                    key=obj.object_name or "",
                    version_id=obj.version_id or "",
                    size=obj.size or 0,
                    last_modified=obj.last_modified or utcnow(),
                    is_delete_marker=bool(obj.is_delete_marker),
                )))
        # Stable sort: the key, then the latest entry, then newest first.
        entries.sort(key=lambda e: (e[1].key, not e[0], -e[1].last_modified.timestamp()))
        return [version for _latest, version in entries]

    def list_versions(self, key: str) -> list[ObjectVersion]:
        """Versions (and delete markers) of ``key``, newest first."""
        validate_key(key)
        # The prefix also matches "key.bak", "key/x": keep the exact key only.
        return [v for v in self._listing(key) if v.key == key]

    def iter_versions(self, prefix: str = "") -> Iterator[ObjectVersion]:
        """All versions under ``prefix``: keys in sorted order, newest first."""
        validate_prefix(prefix)
        return iter(self._listing(prefix))

    def delete_version(self, key: str, version_id: str) -> None:
        """Delete one version unless it is retained or on legal hold."""
        validate_key(key)
        self._check_version(version_id)
        what = f"delete {key}@{version_id}"
        info = self._head_or_marker(key, version_id)
        if info is not None:  # delete markers carry no retention
            # The server refuses too; checking first gives a clear error even
            # where a test server is lax.
            if info.legal_hold:
                raise ObjectLocked(f"{what}: on legal hold")
            if info.retain_until is not None and info.retain_until > utcnow():
                raise ObjectLocked(f"{what}: retained until {info.retain_until}")
        with self._errors(what, version_id=version_id, lock_op=True):
            self._client.remove_object(self._bucket, key, version_id=version_id)

    def set_retention(self, key: str, version_id: str, retain_until: datetime) -> None:
        """Set COMPLIANCE retention; shortening an active one raises ObjectLocked."""
        validate_key(key)
        self._check_version(version_id)
        until = normalize_retain_until(retain_until)
        info = self._head(key, version_id)
        current = info.retain_until
        if current is not None and current > utcnow() and until < current:
            raise ObjectLocked(
                f"{key}@{version_id}: COMPLIANCE retention until {current} "
                "cannot be shortened"
            )
        with self._errors(
            f"set retention {key}@{version_id}", version_id=version_id, lock_op=True
        ):
            self._client.set_object_retention(
                self._bucket, key, Retention(COMPLIANCE, until), version_id=version_id
            )

    def set_legal_hold(self, key: str, version_id: str, on: bool) -> None:
        """Place or release a legal hold."""
        validate_key(key)
        self._check_version(version_id)
        self._head(key, version_id)  # ObjectNotFound for unknown versions
        with self._errors(
            f"legal hold {key}@{version_id}", version_id=version_id, lock_op=True
        ):
            if on:
                self._client.enable_object_legal_hold(self._bucket, key, version_id)
            else:
                self._client.disable_object_legal_hold(self._bucket, key, version_id)

    def presigned_get(
        self, key: str, version_id: str, expires: timedelta
    ) -> str | None:
        """A signed GET URL for one version, valid at most 15 minutes."""
        validate_key(key)
        self._check_version(version_id)
        lifetime = clamp_presign(expires)
        with self._errors(f"presign {key}@{version_id}"):
            return self._client.presigned_get_object(
                self._bucket, key, expires=lifetime, version_id=version_id
            )

    def check(self) -> None:
        """StoreUnavailable unless the server answers and the bucket exists."""
        with self._errors("check"):
            exists = self._client.bucket_exists(self._bucket)
        if not exists:
            raise StoreUnavailable(f"bucket {self._bucket} does not exist")

    def ensure_ready(self) -> None:
        """Create the bucket with object lock when missing; verify the lock."""
        with self._errors("ensure_ready"):
            if not self._client.bucket_exists(self._bucket):
                try:
                    self._client.make_bucket(self._bucket, object_lock=True)
                except S3Error as exc:
                    if exc.code not in _EXISTS_CODES:  # another worker won the race
                        raise
        with self._errors("ensure_ready"):
            try:
                self._client.get_object_lock_config(self._bucket)
            except S3Error as exc:
                if (exc.code or "").startswith("ObjectLockConfigurationNotFound"):
                    raise StoreError(
                        f"bucket {self._bucket} exists without object lock; "
                        "retention and legal hold would not be enforced"
                    ) from exc
                raise
