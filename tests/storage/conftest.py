"""Fixtures: every contract test runs against the local and the S3 backend."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

from khuyenhoc_docs.storage import (
    LocalStoreOptions,
    ObjectStore,
    S3StoreOptions,
    open_store,
)
from tests.services.s3server import ACCESS_KEY, SECRET_KEY, S3Server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One moto server for the whole session (outage tests start their own)."""
    with S3Server() as server:
        yield server


def s3_options(server: S3Server, bucket: str | None = None) -> S3StoreOptions:
    """Options for a fresh, uniquely named bucket on ``server``."""
    return S3StoreOptions(
        endpoint=server.endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        bucket=bucket or f"t-{uuid.uuid4().hex[:24]}",
        timeout_seconds=2.0,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """A fresh, ready store: a LocalStore in tmp_path or an S3 store on moto."""
    if request.param == "local":
        result = open_store(LocalStoreOptions(root=tmp_path / "store"))
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        result = open_store(s3_options(server))
    result.ensure_ready()
    return result


@pytest.fixture
def local_root(tmp_path: Path) -> Path:
    """Root folder for local-only tests."""
    return tmp_path / "local-store"
