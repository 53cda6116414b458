"""The real background worker (a huey consumer process) finishes remote signatures while this
process — a second app on the same data — signs for the other chair: no signature is ever lost."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, api_token
from tests.remote.conftest import HKH, TD, assert_valid_both, new_submitted, sign, status
from tests.services.process import stop_process_group, tail

pytestmark = pytest.mark.slow
CONSUMER = Path(sys.executable).with_name("huey_consumer")


@pytest.fixture
def worker(data_dir, async_server, async_app):
    """``huey_consumer khuyenhoc_docs.jobs.huey`` configured only through KHD_* variables."""
    env = {**os.environ, "KHD_DATA_DIR": str(data_dir), "KHD_SECRET_KEY": "test-secret",
           "KHD_ASYNC_SIGN_URL": async_server.url, "KHD_ASYNC_SIGN_CLIENT_ID": "khd-sp",
           "KHD_ASYNC_SIGN_CLIENT_SECRET": "sp-secret", "KHD_REMOTE_POLL_SECONDS": "0.3",
           "KHD_REMOTE_TIMEOUT": "3",
           # the same live demo PKI as the app (B-LT signing fetches its OCSP/CRL and TSA)
           "KHD_PKI_URL": async_app.config["KHD_SETTINGS"].pki_url,
           "KHD_DEMO_PKI_DIR": str(async_app.config["KHD_SETTINGS"].demo_pki_dir)}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([str(CONSUMER), "khuyenhoc_docs.jobs.huey", "-w", "2", "-k", "thread", "-d", "0.1"],
                                env=env, cwd=Path(__file__).resolve().parents[2], stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        yield proc, log
        stop_process_group(proc)


def wait_for(client, request_id: int, wanted: str, log, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    headers = api_token(client, HKH)
    while time.monotonic() < deadline:
        data = status(client, request_id, headers=headers)
        if data["status"] == wanted:
            return data
        time.sleep(0.2)
    raise AssertionError(f"request {request_id} still {data['status']}; worker log:\n{tail(log)}")


def test_worker_process_and_web_process_sign_the_same_documents(async_app, async_server, worker, tmp_path):
    _proc, log = worker
    client = async_app.test_client()
    h = api_token(client, "vanthu")
    remote_first, local_first = new_submitted(client, h), new_submitted(client, h)

    # Order 1: the remote signature is pending; the other chair keeps trying from another thread.
    started = sign(client, remote_first, HKH).get_json()
    td = api_token(client, TD)
    outcomes: list[int] = []

    def other_chair() -> None:
        c = async_app.test_client()
        while not outcomes or outcomes[-1] != 200:
            outcomes.append(c.post(f"/api/v1/documents/{remote_first}/sign", headers=td,
                                   json={"secret": DEMO_PASSWORD}).status_code)
            time.sleep(0.1)

    thread = threading.Thread(target=other_chair)
    thread.start()
    time.sleep(1.0)  # the worker is polling meanwhile; the phone has not answered
    async_server.control(f"confirm/{started['transaction_id']}")
    wait_for(client, started["signing_request_id"], "signed", log)
    thread.join(timeout=60)
    assert outcomes[0] == 409 and outcomes[-1] == 200 and set(outcomes) <= {409, 200}, outcomes

    # Order 2: the other chair signs first (this process), then the remote one (worker process).
    assert sign(client, local_first, TD, DEMO_PASSWORD).status_code == 200
    second = sign(client, local_first, HKH).get_json()
    async_server.control(f"confirm/{second['transaction_id']}")
    wait_for(client, second["signing_request_id"], "signed", log)

    for doc_id in (remote_first, local_first):
        assert client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["status"] == "signed"
        assert_valid_both(async_app, client, doc_id, h, tmp_path / f"nss{doc_id}")
