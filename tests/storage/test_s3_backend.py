"""Behaviour of the S3 (MinIO) backend beyond the shared contract."""

from __future__ import annotations

import hashlib

import pytest

from tests.storage.helpers import KEY, PDF, _sha

from khuyenhoc_docs.storage import (
    ObjectCorrupted,
    ObjectLocked,
    ObjectNotFound,
    StoreUnavailable,
)
from khuyenhoc_docs.storage.s3 import S3Store



# -- S3 backend only --------------------------------------------------------
@pytest.fixture
def s3(s3_server) -> S3Store:
    from khuyenhoc_docs.storage import open_store

    from .conftest import s3_options

    result = open_store(s3_options(s3_server))
    result.ensure_ready()
    assert isinstance(result, S3Store)
    return result


def _raw_put(s3: S3Store, key: str, data: bytes, metadata: dict[str, str]) -> str:
    """Write with the bare SDK, bypassing S3Store's checksum bookkeeping."""
    import base64
    import io

    digest = hashlib.sha256(data).digest()
    headers = {
        "x-amz-sdk-checksum-algorithm": "SHA256",
        "x-amz-checksum-sha256": base64.b64encode(digest).decode(),
        **metadata,
    }
    result = s3._client.put_object(
        s3._bucket, key, io.BytesIO(data), len(data), metadata=headers
    )
    return result.version_id


def test_s3_object_with_wrong_stored_sha256_is_corrupted(s3: S3Store) -> None:
    vid = _raw_put(s3, KEY, b"tampered", {"x-amz-meta-sha256": _sha(b"original")})
    with pytest.raises(ObjectCorrupted):
        s3.get(KEY, vid)


def test_s3_object_without_stored_sha256(s3: S3Store) -> None:
    vid = _raw_put(s3, KEY, b"foreign", {})
    with pytest.raises(ObjectCorrupted):
        s3.get(KEY, vid)
    assert s3.get(KEY, vid, expected_sha256=_sha(b"foreign")) == b"foreign"


def test_s3_delete_markers_are_listed_and_removable(s3: S3Store) -> None:
    real = s3.put(KEY, b"x", content_type=PDF)
    s3._client.remove_object(s3._bucket, KEY)  # unversioned delete: a marker
    versions = s3.list_versions(KEY)
    assert [v.is_delete_marker for v in versions] == [True, False]
    marker = versions[0].version_id
    with pytest.raises(ObjectNotFound):
        s3.get(KEY, marker)
    s3.delete_version(KEY, marker)
    assert [v.version_id for v in s3.list_versions(KEY)] == [real.version_id]


def test_s3_ensure_ready_refuses_bucket_without_object_lock(s3: S3Store) -> None:
    from khuyenhoc_docs.storage import S3StoreOptions, StoreError, open_store

    opts = s3._options
    plain = opts.bucket + "-plain"
    s3._client.make_bucket(plain)  # no object lock
    store = open_store(
        S3StoreOptions(opts.endpoint, opts.access_key, opts.secret_key, plain)
    )
    with pytest.raises(StoreError, match="without object lock"):
        store.ensure_ready()


@pytest.mark.parametrize(
    ("code", "message", "status", "lock_op", "expected"),
    [
        # Shapes real MinIO answers that moto never produces.
        ("InvalidRequest", "Object is WORM protected and cannot be overwritten",
         400, True, ObjectLocked),
        ("AccessDenied", "Access Denied.", 403, True, ObjectLocked),
        ("InvalidArgument", "Invalid version id specified", 400, False, ObjectNotFound),
        ("BadRequest", "Bad request", 400, False, ObjectNotFound),  # HEAD, no body
        ("NoSuchVersion", "The specified version does not exist.", 404, False,
         ObjectNotFound),
        ("NoSuchBucket", "The specified bucket does not exist", 404, False,
         StoreUnavailable),
        ("XMinioServerNotInitialized", "Server not initialized", 503, False,
         StoreUnavailable),
        ("AccessDenied", "Access Denied.", 403, False, None),  # plain StoreError
    ],
)
def test_s3_error_mapping(s3: S3Store, code, message, status, lock_op, expected) -> None:
    import urllib3
    from minio.error import S3Error

    from khuyenhoc_docs.storage import StoreError

    error = S3Error(urllib3.HTTPResponse(status=status), code, message, "/", "r", "h")
    with pytest.raises(expected or StoreError) as info:
        with s3._errors("op", version_id="v1", lock_op=lock_op):
            raise error
    if expected is None:
        assert type(info.value) is StoreError
