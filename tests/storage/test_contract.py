"""Contract of ObjectStore: every ``store`` test runs on LocalStore and S3Store."""

from __future__ import annotations

import logging
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from tests.storage.helpers import KEY, PDF, _in, _sha

from khuyenhoc_docs.storage import (
    InvalidKey,
    ObjectCorrupted,
    ObjectLocked,
    ObjectNotFound,
    ObjectStore,
    StoreUnavailable,
    document_key,
    report_key,
    template_key,
    validate_key,
)
from khuyenhoc_docs.storage.local import LocalStore
from khuyenhoc_docs.storage.s3 import S3Store



# -- basics -----------------------------------------------------------------
def test_store_satisfies_protocol(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert isinstance(store, (LocalStore, S3Store))


def test_put_returns_version_and_sha256(store: ObjectStore) -> None:
    data = b"%PDF-1.7 signed programme"
    stored = store.put(KEY, data, content_type=PDF)
    assert stored.key == KEY
    assert stored.version_id
    assert stored.sha256 == _sha(data)
    assert stored.size == len(data)
    assert stored.content_type == PDF
    assert stored.created_at.tzinfo is not None

    info = store.stat(KEY, stored.version_id)
    assert (info.version_id, info.sha256, info.size, info.content_type) == (
        stored.version_id, _sha(data), len(data), PDF,
    )
    assert store.get(KEY, stored.version_id) == data


def test_two_puts_make_two_versions_newest_first(store: ObjectStore) -> None:
    first = store.put(KEY, b"first draft", content_type=PDF)
    second = store.put(KEY, b"second draft, longer", content_type=PDF)
    assert first.version_id != second.version_id

    versions = store.list_versions(KEY)
    assert [v.version_id for v in versions] == [second.version_id, first.version_id]
    assert [v.size for v in versions] == [20, 11]
    assert all(v.key == KEY and not v.is_delete_marker for v in versions)
    assert store.get(KEY, first.version_id) == b"first draft"
    assert store.get(KEY, second.version_id) == b"second draft, longer"


def test_empty_object_round_trips(store: ObjectStore) -> None:
    stored = store.put(KEY, b"", content_type="text/plain")
    assert stored.sha256 == _sha(b"")
    assert store.get(KEY, stored.version_id, expected_sha256=_sha(b"")) == b""


def test_list_versions_of_unknown_key_is_empty(store: ObjectStore) -> None:
    store.put(KEY + ".bak", b"neighbour", content_type=PDF)  # same prefix
    assert store.list_versions(KEY) == []


def test_unknown_key_or_version_is_not_found(store: ObjectStore) -> None:
    kept = store.put(KEY, b"kept", content_type=PDF)
    gone = store.put(KEY, b"gone", content_type=PDF)
    store.delete_version(KEY, gone.version_id)
    other_key = "documents/000999/v0001/signed.pdf"

    for key, version in [
        (other_key, kept.version_id),  # unknown key, real version id
        (KEY, gone.version_id),  # deleted version
        (KEY, "not-a-version"),
    ]:
        with pytest.raises(ObjectNotFound):
            store.get(key, version)
        with pytest.raises(ObjectNotFound):
            store.stat(key, version)
        with pytest.raises(ObjectNotFound):
            store.delete_version(key, version)
        with pytest.raises(ObjectNotFound):
            store.set_legal_hold(key, version, True)
        with pytest.raises(ObjectNotFound):
            store.set_retention(key, version, _in(1))
    assert [v.version_id for v in store.list_versions(KEY)] == [kept.version_id]


# -- integrity --------------------------------------------------------------
def test_expected_sha256_mismatch_is_corrupted(
    store: ObjectStore, caplog: pytest.LogCaptureFixture
) -> None:
    data = b"signed bytes"
    stored = store.put(KEY, data, content_type=PDF)
    assert store.get(KEY, stored.version_id, expected_sha256=_sha(data).upper()) == data

    with caplog.at_level(logging.ERROR, logger="khuyenhoc_docs.storage"):
        with pytest.raises(ObjectCorrupted):
            store.get(KEY, stored.version_id, expected_sha256=_sha(b"other bytes"))
    assert any(
        r.levelno == logging.ERROR and "sha256 mismatch" in r.getMessage()
        for r in caplog.records
    )


def test_malformed_expected_sha256_is_rejected(store: ObjectStore) -> None:
    stored = store.put(KEY, b"x", content_type=PDF)
    with pytest.raises(ValueError):
        store.get(KEY, stored.version_id, expected_sha256="abc")


# -- retention and legal hold ----------------------------------------------
def test_retained_version_cannot_be_deleted_unlocked_one_can(store: ObjectStore) -> None:
    locked = store.put(KEY, b"issued", content_type=PDF, retain_until=_in(1))
    free = store.put(KEY, b"draft", content_type=PDF)

    with pytest.raises(ObjectLocked):
        store.delete_version(KEY, locked.version_id)
    store.delete_version(KEY, free.version_id)

    assert [v.version_id for v in store.list_versions(KEY)] == [locked.version_id]
    assert store.get(KEY, locked.version_id) == b"issued"
    info = store.stat(KEY, locked.version_id)
    assert info.retain_until is not None and info.retain_until > _in(0.9)


def test_retention_set_later_blocks_delete_and_can_be_extended(
    store: ObjectStore,
) -> None:
    stored = store.put(KEY, b"issued", content_type=PDF)
    store.set_retention(KEY, stored.version_id, _in(1))
    with pytest.raises(ObjectLocked):
        store.delete_version(KEY, stored.version_id)

    store.set_retention(KEY, stored.version_id, _in(2))
    info = store.stat(KEY, stored.version_id)
    assert info.retain_until is not None and info.retain_until > _in(1.9)


def test_retention_cannot_be_shortened(store: ObjectStore) -> None:
    stored = store.put(KEY, b"issued", content_type=PDF, retain_until=_in(2))
    with pytest.raises(ObjectLocked):
        store.set_retention(KEY, stored.version_id, _in(1))
    info = store.stat(KEY, stored.version_id)
    assert info.retain_until is not None and info.retain_until > _in(1.9)


@pytest.mark.parametrize(
    "until",
    [datetime(2099, 1, 1), datetime(2000, 1, 1, tzinfo=timezone.utc)],
    ids=["naive", "past"],
)
def test_bad_retain_until_is_rejected(store: ObjectStore, until: datetime) -> None:
    with pytest.raises(ValueError):
        store.put(KEY, b"x", content_type=PDF, retain_until=until)
    assert store.list_versions(KEY) == []


def test_legal_hold_blocks_delete_and_can_be_released(store: ObjectStore) -> None:
    held = store.put(KEY, b"evidence", content_type=PDF, legal_hold=True)
    assert store.stat(KEY, held.version_id).legal_hold is True
    with pytest.raises(ObjectLocked):
        store.delete_version(KEY, held.version_id)

    store.set_legal_hold(KEY, held.version_id, False)
    assert store.stat(KEY, held.version_id).legal_hold is False
    store.delete_version(KEY, held.version_id)
    assert store.list_versions(KEY) == []


def test_legal_hold_set_after_put(store: ObjectStore) -> None:
    stored = store.put(KEY, b"evidence", content_type=PDF)
    store.set_legal_hold(KEY, stored.version_id, True)
    with pytest.raises(ObjectLocked):
        store.delete_version(KEY, stored.version_id)
    assert store.get(KEY, stored.version_id) == b"evidence"


# -- keys -------------------------------------------------------------------
BAD_KEYS = [
    "../x",
    "/abs",
    "a//b",
    "tài-liệu.pdf",
    "Upper.pdf",
    "",
    "a/../b",
    "a/./b",
    "a/",
    "a/.hidden",
    "a b",
    "a\nb",
    "a" * 513,
]


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_invalid_keys_are_refused_and_nothing_is_stored(
    store: ObjectStore, bad: str
) -> None:
    with pytest.raises(InvalidKey):
        store.put(bad, b"x", content_type=PDF)
    with pytest.raises(InvalidKey):
        store.get(bad, "v1")
    with pytest.raises(InvalidKey):
        store.list_versions(bad)
    with pytest.raises(InvalidKey):
        store.delete_version(bad, "v1")
    assert list(store.iter_versions()) == []


def test_key_builders() -> None:
    assert document_key(123, 2, "signed", "pdf") == "documents/000123/v0002/signed.pdf"
    assert document_key(1, 1, "draft", ".docx") == "documents/000001/v0001/draft.docx"
    assert template_key(7, 3, "docx") == "templates/000007/v0003/template.docx"
    assert report_key("consistency", 42, "json") == "reports/consistency/000042.json"
    assert validate_key("a" * 512) == "a" * 512
    for call in (
        lambda: document_key(0, 1, "signed", "pdf"),
        lambda: document_key(1, -1, "signed", "pdf"),
        lambda: document_key(True, 1, "signed", "pdf"),  # type: ignore[arg-type]
        lambda: document_key(1, 1, "../signed", "pdf"),
        lambda: document_key(1, 1, "Signed", "pdf"),
        lambda: document_key(1, 1, "signed", "p/df"),
        lambda: template_key(1, 1, ""),
        lambda: report_key("Bad Kind", 1, "json"),
    ):
        with pytest.raises(InvalidKey):
            call()


# -- listings ---------------------------------------------------------------
def test_iter_versions_lists_everything_under_a_prefix(store: ObjectStore) -> None:
    a = document_key(1, 1, "signed", "pdf")
    b = document_key(1, 2, "draft", "docx")
    c = document_key(2, 1, "signed", "pdf")
    t = template_key(1, 1, "docx")
    a1 = store.put(a, b"a1", content_type=PDF)
    a2 = store.put(a, b"a2", content_type=PDF)
    b1 = store.put(b, b"b1", content_type="application/octet-stream")
    c1 = store.put(c, b"c1", content_type=PDF)
    t1 = store.put(t, b"t1", content_type="application/octet-stream")

    def ids(prefix: str) -> list[tuple[str, str]]:
        return [(v.key, v.version_id) for v in store.iter_versions(prefix)]

    assert ids("documents/000001/") == [
        (a, a2.version_id), (a, a1.version_id), (b, b1.version_id),
    ]
    # A prefix that ends inside a path segment works like S3's.
    assert ids("documents/00000") == [
        (a, a2.version_id), (a, a1.version_id), (b, b1.version_id), (c, c1.version_id),
    ]
    assert sorted(ids("")) == sorted(
        [(a, a1.version_id), (a, a2.version_id), (b, b1.version_id),
         (c, c1.version_id), (t, t1.version_id)]
    )
    assert ids("reports/") == []
    with pytest.raises(InvalidKey):
        list(store.iter_versions("../"))


# -- metadata ---------------------------------------------------------------
def test_vietnamese_metadata_round_trips(store: ObjectStore) -> None:
    metadata = {
        "document-number": "Số 12/2025/CTPH-ĐHKH-UBND",
        "title": "Chương trình phối hợp giữa Hội Khuyến học và Đoàn Thanh niên",
        "note": "  100% đạt; a=b&c  ",
    }
    stored = store.put(KEY, b"x", content_type=PDF, metadata=metadata)
    assert dict(stored.metadata) == metadata
    info = store.stat(KEY, stored.version_id)
    assert dict(info.metadata) == metadata
    assert info.sha256 == _sha(b"x")


@pytest.mark.parametrize(
    "metadata",
    [{"sha256": "0" * 64}, {"Title": "x"}, {"bad key": "x"}, {"big": "đ" * 400}],
    ids=["reserved", "uppercase", "space", "too-large"],
)
def test_bad_metadata_is_rejected(store: ObjectStore, metadata: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        store.put(KEY, b"x", content_type=PDF, metadata=metadata)
    assert store.list_versions(KEY) == []


@pytest.mark.parametrize("content_type", ["", "text/plain\r\nx-evil: 1", "ảnh/png"])
def test_bad_content_type_is_rejected(store: ObjectStore, content_type: str) -> None:
    with pytest.raises(ValueError):
        store.put(KEY, b"x", content_type=content_type)
    assert store.list_versions(KEY) == []


# -- health and links -------------------------------------------------------
def test_check_passes_when_ready(store: ObjectStore) -> None:
    store.check()
    store.ensure_ready()  # idempotent
    store.check()


def test_presigned_get(store: ObjectStore) -> None:
    stored = store.put(KEY, b"download me", content_type=PDF)
    url = store.presigned_get(KEY, stored.version_id, timedelta(hours=2))
    if isinstance(store, LocalStore):
        assert url is None
        return
    assert url is not None
    assert "X-Amz-Expires=900" in url  # capped at 15 minutes
    assert f"versionId={stored.version_id}" in url
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(url, timeout=5) as response:
        assert response.read() == b"download me"
    with pytest.raises(ValueError):
        store.presigned_get(KEY, stored.version_id, timedelta(0))


def test_check_fails_when_not_ready(store: ObjectStore, tmp_path) -> None:
    from khuyenhoc_docs.storage import LocalStoreOptions, S3StoreOptions, open_store

    if isinstance(store, LocalStore):
        missing = open_store(LocalStoreOptions(root=tmp_path / "never-created"))
    else:
        opts = store._options  # same server, a bucket nobody created
        missing = open_store(
            S3StoreOptions(
                endpoint=opts.endpoint,
                access_key=opts.access_key,
                secret_key=opts.secret_key,
                bucket=opts.bucket + "-missing",
            )
        )
    with pytest.raises(StoreUnavailable):
        missing.check()
