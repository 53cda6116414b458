"""Confirm-in-app remote signing: the test plays the signer's phone against a real provider process."""
from __future__ import annotations

from datetime import timedelta

from khuyenhoc_docs.db import utcnow
from khuyenhoc_docs.models import SigningRequest
from tests.conftest import DEMO_PASSWORD, api_token
from tests.remote.conftest import HKH, TD, assert_valid_both, doc_status, new_submitted, pdf, sign, status, submitted, worker_tick


def start(client, doc_id: int) -> dict:
    resp = sign(client, doc_id, HKH)
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()


def phone(server, request: dict, action: str) -> None:
    server.control(f"{action}/{request['transaction_id']}")


def test_remote_first_the_other_chair_waits_visibly_then_both_signatures_are_valid(async_app, async_server, tmp_path):
    client = async_app.test_client()
    doc_id, h = submitted(client)
    started = start(client, doc_id)
    req = status(client, started["signing_request_id"])
    assert req["status"] == "pending" and req["tran_code"] and req["tran_code"] == started["tran_code"]
    [tx] = async_server.control("transactions")
    assert tx["tran_code"] == req["tran_code"] and "Ký văn bản: Phối hợp hoạt động" in tx["desc"]  # what the phone shows
    assert worker_tick(async_app, req["signing_request_id"]) == "pending"  # nobody confirmed yet
    from tests.conftest import login

    browser = async_app.test_client()
    login(browser, TD)
    page = browser.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Đang chờ Đặng Thị Hoa xác nhận ký trên ứng dụng ký số" in page and req["tran_code"] in page
    waiting = sign(client, doc_id, TD, DEMO_PASSWORD)
    assert waiting.status_code == 409
    assert "Đang chờ Đặng Thị Hoa xác nhận ký" in waiting.get_json()["error"]["message"]
    phone(async_server, req, "confirm")
    assert worker_tick(async_app, req["signing_request_id"]) == "signed"
    assert sign(client, doc_id, TD, DEMO_PASSWORD).get_json()["status"] == "signed"
    assert_valid_both(async_app, client, doc_id, h, tmp_path / "nss")


def test_local_first_then_remote(async_app, async_server, tmp_path):
    client = async_app.test_client()
    doc_id, h = submitted(client)
    assert sign(client, doc_id, TD, DEMO_PASSWORD).status_code == 200  # certification signature
    req = start(client, doc_id)
    phone(async_server, status(client, req["signing_request_id"]), "confirm")
    assert worker_tick(async_app, req["signing_request_id"]) == "signed"
    assert doc_status(async_app, doc_id) == "signed"
    assert_valid_both(async_app, client, doc_id, h, tmp_path / "nss")
    assert_valid_both(async_app, client, doc_id, h, tmp_path / "nss-sealed", then_seal=True)


def test_rejected_on_the_phone(async_app, async_server):
    client = async_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    req = status(client, start(client, doc_id)["signing_request_id"])
    phone(async_server, req, "reject")
    assert worker_tick(async_app, req["signing_request_id"]) == "rejected"
    done = status(client, req["signing_request_id"])
    assert done["message"] == "Người ký đã từ chối yêu cầu ký trên ứng dụng ký số."
    assert done["results"][0]["status"] == "rejected"
    assert pdf(client, doc_id, h) == before
    assert sign(client, doc_id, TD, DEMO_PASSWORD).status_code == 200  # no longer held


def test_timeout_at_the_provider_and_locally(async_app, async_server):
    client = async_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    first = status(client, start(client, doc_id)["signing_request_id"])
    phone(async_server, first, "expire")
    assert worker_tick(async_app, first["signing_request_id"]) == "expired"
    assert "hết hạn" in status(client, first["signing_request_id"])["message"]
    second = start(client, doc_id)["signing_request_id"]
    with async_app.extensions["khd.sessions"]() as s:  # the phone never answers: our own deadline passes
        s.get(SigningRequest, second).expires_at = utcnow() - timedelta(seconds=1)
        s.commit()
    assert sign(client, doc_id, TD, DEMO_PASSWORD).status_code == 200  # an expired hold holds nothing
    assert worker_tick(async_app, second) == "expired"
    assert pdf(client, doc_id, h) != before  # only the other chair's signature


def test_cancel_frees_the_document_and_a_late_confirmation_stores_nothing(async_app, async_server):
    client = async_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    req = status(client, start(client, doc_id)["signing_request_id"])
    other = client.delete(f"/api/v1/signing-requests/{req['signing_request_id']}", headers=api_token(client, TD))
    assert other.status_code in (403, 404)
    cancelled = client.delete(f"/api/v1/signing-requests/{req['signing_request_id']}", headers=api_token(client, HKH))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "rejected"
    assert cancelled.get_json()["message"] == "Đã hủy yêu cầu ký."
    phone(async_server, req, "confirm")
    assert worker_tick(async_app, req["signing_request_id"]) == "rejected"
    assert pdf(client, doc_id, h) == before


def test_wrong_hash_and_provider_down(async_app, async_server):
    client = async_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    async_server.configure(mode="wrong_hash")
    req = status(client, start(client, doc_id)["signing_request_id"])
    phone(async_server, req, "confirm")
    assert worker_tick(async_app, req["signing_request_id"]) == "failed"
    assert "không khớp với văn bản" in status(client, req["signing_request_id"])["results"][0]["message"]
    assert pdf(client, doc_id, h) == before
    async_server.configure(mode="ok")
    async_server.stop()
    down = sign(client, doc_id, HKH)
    assert down.status_code == 503 and "Không kết nối được" in down.get_json()["error"]["message"]
    assert pdf(client, doc_id, h) == before


def test_provider_down_while_waiting_keeps_the_request_until_it_expires(async_app, async_server):
    client = async_app.test_client()
    doc_id, _h = submitted(client)
    req = status(client, start(client, doc_id)["signing_request_id"])
    async_server.stop()
    assert worker_tick(async_app, req["signing_request_id"]) == "pending"  # retried later, not failed
    async_server.start()  # a new process: it lost the transaction
    assert worker_tick(async_app, req["signing_request_id"]) == "failed"


def test_batch_one_confirmation_for_several_files(async_app, async_server, tmp_path):
    client = async_app.test_client()
    h = api_token(client, "vanthu")
    docs = [new_submitted(client, h), new_submitted(client, h)]
    resp = client.post("/api/v1/sign-batch", headers=api_token(client, HKH), json={"document_ids": docs})
    assert resp.status_code == 202
    [tx] = async_server.control("transactions")
    assert len(tx["doc_ids"]) == 2  # one request, several files
    async_server.control(f"confirm/{tx['transaction_id']}")
    assert worker_tick(async_app, resp.get_json()["job_id"]) == "signed"
    client.post("/api/v1/sign-batch", headers=api_token(client, TD), json={"document_ids": docs, "secret": DEMO_PASSWORD})
    for doc_id in docs:
        assert_valid_both(async_app, client, doc_id, h, tmp_path / f"nss{doc_id}")


def test_a_provider_slower_than_the_timeout_is_reported_as_a_timeout(async_app, async_server):
    """The confirm-in-app client's HTTP timeout is told apart from an unreachable provider."""
    client = async_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    async_server.configure(delay=5)  # the app waits 3 s (remote_timeout)
    slow = sign(client, doc_id, HKH)
    assert slow.status_code == 503 and "không phản hồi trong 3 giây" in slow.get_json()["error"]["message"]
    async_server.configure(delay=0)
    async_server.stop()
    down = sign(client, doc_id, HKH)
    assert down.status_code == 503 and "Không kết nối được dịch vụ ký số từ xa" in down.get_json()["error"]["message"]
    async_server.start()
    assert pdf(client, doc_id, h) == before
