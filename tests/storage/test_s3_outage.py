"""S3 outages become StoreUnavailable quickly, and the store recovers."""

from __future__ import annotations

import socket
import time
from typing import Callable, Iterator

import pytest

from khuyenhoc_docs.storage import (
    ObjectStore,
    S3StoreOptions,
    StoreUnavailable,
    open_store,
)
from tests.services.s3server import ACCESS_KEY, SECRET_KEY, S3Server

from .conftest import s3_options

KEY = "documents/000001/v0001/signed.pdf"
# Timeouts are 2 s in s3_options; an outage must be answered well within that
# plus the few quick retries, never after the SDK's default minutes.
FAST = 4.0


@pytest.fixture
def server() -> Iterator[S3Server]:
    """A moto server of its own: this module stops and restarts it."""
    with S3Server() as srv:
        yield srv


def _timed_unavailable(call: Callable[[], object]) -> float:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        call()
    return time.monotonic() - started


def test_outage_then_recovery_on_same_port(server: S3Server) -> None:
    store = open_store(s3_options(server))
    store.ensure_ready()
    stored = store.put(KEY, b"before outage", content_type="application/pdf")
    port = server.port

    server.stop()
    operations: dict[str, Callable[[], object]] = {
        "put": lambda: store.put(KEY, b"during", content_type="application/pdf"),
        "get": lambda: store.get(KEY, stored.version_id),
        "stat": lambda: store.stat(KEY, stored.version_id),
        "list": lambda: store.list_versions(KEY),
        "delete": lambda: store.delete_version(KEY, stored.version_id),
        "check": store.check,
        "ensure_ready": store.ensure_ready,
    }
    for name, call in operations.items():
        elapsed = _timed_unavailable(call)
        assert elapsed < FAST, f"{name} took {elapsed:.1f}s to report the outage"

    server.start()
    assert server.port == port
    # moto keeps its state in memory: the bucket is gone after a restart.
    store.ensure_ready()
    store.check()
    again = store.put(KEY, b"after outage", content_type="application/pdf")
    assert store.get(KEY, again.version_id) == b"after outage"
    assert [v.version_id for v in store.list_versions(KEY)] == [again.version_id]


def test_nothing_listening_is_unavailable() -> None:
    with socket.socket() as sock:  # reserve a port, then free it: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store: ObjectStore = open_store(
        S3StoreOptions(f"127.0.0.1:{port}", ACCESS_KEY, SECRET_KEY, "bucket", timeout_seconds=1.0)
    )
    assert _timed_unavailable(store.check) < FAST


def test_server_that_never_answers_times_out() -> None:
    # The kernel completes the TCP handshake for a listening socket even if
    # nobody accepts: the client connects and then waits for a reply.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        port = sock.getsockname()[1]
        store = open_store(
            S3StoreOptions(
                f"127.0.0.1:{port}", ACCESS_KEY, SECRET_KEY, "bucket", timeout_seconds=1.0
            )
        )
        assert _timed_unavailable(store.check) < FAST
        assert _timed_unavailable(lambda: store.get(KEY, "v1")) < FAST
