"""Versioned, WORM-capable object storage (local folder or S3/MinIO).

Domain code only: the caller reads its configuration and passes one of the
option dataclasses to :func:`open_store`.
"""

from __future__ import annotations

from .base import (
    InvalidKey,
    LocalStoreOptions,
    ObjectCorrupted,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    ObjectVersion,
    S3StoreOptions,
    StoredObject,
    StoreError,
    StoreUnavailable,
)
from .keys import document_key, report_key, template_key, validate_key

__all__ = [
    "InvalidKey",
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
    "document_key",
    "open_store",
    "report_key",
    "template_key",
    "validate_key",
]


def open_store(options: LocalStoreOptions | S3StoreOptions) -> ObjectStore:
    """Build the backend that matches ``options`` (does not touch the network).

    Call ``ensure_ready()`` once at start-up and ``check()`` for health.
    """
    if isinstance(options, LocalStoreOptions):
        from .local import LocalStore

        return LocalStore(options)
    if isinstance(options, S3StoreOptions):
        # Imported lazily so the local default works without the minio SDK.
        from .s3 import S3Store

        return S3Store(options)
    raise TypeError(f"unsupported store options: {type(options).__name__}")
