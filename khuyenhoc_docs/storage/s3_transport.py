"""Talking to an S3 server: an HTTP pool that gives up quickly, and the translation of SDK and
connection failures into the store's errors (``ObjectNotFound``, ``ObjectLocked``,
``StoreUnavailable``…), as MinIO and moto each answer them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import certifi
import urllib3
from minio.error import InvalidResponseError, S3Error, ServerError

from .base import ObjectLocked, ObjectNotFound, S3StoreOptions, StoreError, StoreUnavailable

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "NoSuchObject"})
_LOCKED_CODES = frozenset({"AccessDenied", "ObjectLocked"})


def make_http(options: S3StoreOptions) -> urllib3.PoolManager:
    """A pool that gives up quickly: an outage must become a 503 in seconds.

    The SDK default (5 minute timeouts, 5 retries) would hang web workers.
    Reads are never retried because a retried PUT could store a second version.
    """
    timeout = urllib3.Timeout(
        connect=min(options.timeout_seconds, 2.0), read=options.timeout_seconds
    )
    retries = urllib3.Retry(
        total=2,
        connect=1,
        read=0,
        status=1,
        backoff_factor=0.2,
        status_forcelist=(502, 503, 504),
        raise_on_status=False,  # let the SDK parse the final error body
        respect_retry_after_header=False,
    )
    return urllib3.PoolManager(
        timeout=timeout,
        retries=retries,
        maxsize=10,
        cert_reqs="CERT_REQUIRED" if options.secure else "CERT_NONE",
        ca_certs=certifi.where() if options.secure else None,
    )


def _is_locked_error(exc: S3Error) -> bool:
    # MinIO answers 400 InvalidRequest "Object is WORM protected and cannot be
    # overwritten" (or AccessDenied for retention changes); moto AccessDenied.
    message = (exc.message or "").lower()
    return exc.code in _LOCKED_CODES or "worm" in message or "object lock" in message


@contextmanager
def translate_errors(what: str, bucket: str, *, version_id: str | None = None, lock_op: bool = False) -> Iterator[None]:
    """Translate SDK / urllib3 failures inside the block into the store's error hierarchy."""
    try:
        yield
    except S3Error as exc:
        status = exc.response.status if exc.response is not None else 0
        message = (exc.message or "").lower()
        if exc.code in _NOT_FOUND_CODES or (
            exc.code == "MethodNotAllowed" and status == 405
        ):
            # 405 MethodNotAllowed: GET/HEAD of a delete-marker version.
            raise ObjectNotFound(f"{what}: {exc.code}") from exc
        if version_id and (
            (exc.code == "InvalidArgument" and "version" in message)
            or (exc.code == "BadRequest" and status == 400)
        ):
            # MinIO rejects version ids that are not UUIDs with 400
            # InvalidArgument; on HEAD (no body) the SDK calls it BadRequest.
            raise ObjectNotFound(f"{what}: invalid version id") from exc
        if exc.code == "NoSuchBucket":
            raise StoreUnavailable(
                f"{what}: bucket {bucket} does not exist"
            ) from exc
        if lock_op and _is_locked_error(exc):
            raise ObjectLocked(f"{what}: {exc.code}: {exc.message}") from exc
        if status >= 500:
            raise StoreUnavailable(f"{what}: {exc.code} ({status})") from exc
        raise StoreError(f"{what}: {exc.code}: {exc.message}") from exc
    except (ServerError, InvalidResponseError) as exc:
        # 5xx without an S3 error body, or an HTML page from a proxy.
        raise StoreUnavailable(f"{what}: {exc}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        # MaxRetryError, timeouts, refused / reset connections.
        raise StoreUnavailable(f"{what}: S3 unreachable: {exc}") from exc
