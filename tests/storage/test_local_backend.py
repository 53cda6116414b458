"""Behaviour of the local-folder backend beyond the shared contract."""

from __future__ import annotations

import logging

import pytest

from tests.storage.helpers import KEY, PDF, _in

from khuyenhoc_docs.storage import (
    ObjectCorrupted,
    ObjectLocked,
)
from khuyenhoc_docs.storage.local import LocalStore



# -- local backend only -----------------------------------------------------
@pytest.fixture
def local(local_root) -> LocalStore:
    from khuyenhoc_docs.storage import LocalStoreOptions, open_store

    result = open_store(LocalStoreOptions(root=local_root))
    result.ensure_ready()
    assert isinstance(result, LocalStore)
    return result


def _version_file(root, key: str, version_id: str, suffix: str):
    return root.joinpath("objects", *key.split("/"), ".versions", version_id + suffix)


def test_local_tampered_data_is_corrupted(local: LocalStore, local_root, caplog) -> None:
    stored = local.put(KEY, b"original signed pdf", content_type=PDF)
    path = _version_file(local_root, KEY, stored.version_id, ".bin")
    assert path.stat().st_mode & 0o222 == 0  # written read-only
    path.chmod(0o644)
    path.write_bytes(b"forged  signed pdf!")  # same length, different bytes

    with caplog.at_level(logging.ERROR, logger="khuyenhoc_docs.storage"):
        with pytest.raises(ObjectCorrupted):
            local.get(KEY, stored.version_id)
    assert "sha256 mismatch" in caplog.text


def test_local_broken_sidecar_or_missing_data_is_corrupted(
    local: LocalStore, local_root
) -> None:
    one = local.put(KEY, b"one", content_type=PDF)
    two = local.put(KEY, b"two", content_type=PDF)
    _version_file(local_root, KEY, one.version_id, ".json").write_text("{not json")
    _version_file(local_root, KEY, two.version_id, ".bin").unlink()
    with pytest.raises(ObjectCorrupted):
        local.get(KEY, one.version_id)
    with pytest.raises(ObjectCorrupted):
        local.get(KEY, two.version_id)


def test_local_retention_expires_by_utc_clock(local: LocalStore, monkeypatch) -> None:
    import khuyenhoc_docs.storage.local as local_mod

    stored = local.put(KEY, b"x", content_type=PDF, retain_until=_in(1))
    with pytest.raises(ObjectLocked):
        local.delete_version(KEY, stored.version_id)
    monkeypatch.setattr(local_mod, "utcnow", lambda: _in(1.5))
    local.delete_version(KEY, stored.version_id)
    assert local.list_versions(KEY) == []


def _put_many(root: str, worker: int, count: int) -> list[str]:
    from pathlib import Path

    from khuyenhoc_docs.storage import LocalStoreOptions, open_store

    store = open_store(LocalStoreOptions(root=Path(root)))
    payload = lambda i: f"worker {worker} put {i} ".encode() * 2000  # noqa: E731
    return [store.put(KEY, payload(i), content_type=PDF).version_id for i in range(count)]


def _read_all(root: str, seconds: float) -> int:
    import time
    from pathlib import Path

    from khuyenhoc_docs.storage import LocalStoreOptions, open_store

    store = open_store(LocalStoreOptions(root=Path(root)))
    reads = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for version in store.list_versions(KEY):
            store.get(KEY, version.version_id)  # raises on any half object
            reads += 1
    return reads


def test_local_concurrent_processes(local: LocalStore, local_root) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=5, mp_context=ctx) as pool:
        reader = pool.submit(_read_all, str(local_root), 1.0)
        writers = [pool.submit(_put_many, str(local_root), w, 15) for w in range(4)]
        ids = [vid for f in writers for vid in f.result()]
        assert reader.result() > 0

    assert len(set(ids)) == 60
    versions = local.list_versions(KEY)
    assert sorted(v.version_id for v in versions) == sorted(ids)
    for version in versions:
        local.get(KEY, version.version_id)
    leftovers = [p for p in local_root.rglob(".tmp-*")]
    assert leftovers == []
