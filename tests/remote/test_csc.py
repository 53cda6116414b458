"""CSC API v1 remote signing against a real CSC test server (separate process, real HTTP)."""
from __future__ import annotations

from sqlalchemy import select

from khuyenhoc_docs.models import SigningCredential, SigningRequest
from tests.conftest import DEMO_PASSWORD, api_token
from tests.remote.conftest import (
    CSC_PIN,
    HKH,
    TD,
    assert_valid_both,
    chair_cert,
    doc_status,
    key_files,
    new_submitted,
    pdf,
    sign,
    status,
    submitted,
    worker_tick,
)


def test_csc_signature_answers_202_then_the_worker_embeds_it(csc_app, tmp_path):
    client = csc_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    resp = sign(client, doc_id, HKH, CSC_PIN)
    assert resp.status_code == 202, resp.get_json()
    request_id = resp.get_json()["signing_request_id"]
    assert status(client, request_id)["status"] == "pending"
    assert pdf(client, doc_id, h) == before  # nothing embedded before the worker runs
    assert worker_tick(csc_app, request_id) == "signed"
    done = status(client, request_id)
    assert done["status"] == "signed" and done["results"] == [
        {"document_id": doc_id, "status": "signed", "message": "Đã ký."}]
    assert sign(client, doc_id, TD, DEMO_PASSWORD).get_json()["status"] == "signed"
    assert_valid_both(csc_app, client, doc_id, h, tmp_path / "nss")
    assert_valid_both(csc_app, client, doc_id, h, tmp_path / "nss-sealed", then_seal=True)
    with csc_app.extensions["khd.sessions"]() as s:
        req = s.get(SigningRequest, request_id)
        assert req.sad_enc is None and all(i.prepared_pdf is None for i in req.items)  # nothing left over


def test_wrong_pin_is_refused_at_once_and_nothing_is_stored(csc_app):
    client = csc_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    resp = sign(client, doc_id, HKH, "000000")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"] == "Mã PIN hoặc mã OTP của dịch vụ ký số không đúng."
    assert pdf(client, doc_id, h) == before
    assert sign(client, doc_id, HKH, "").status_code == 422  # no PIN at all
    # The failed request holds nothing: the other chair signs right away.
    assert sign(client, doc_id, TD, DEMO_PASSWORD).status_code == 200


def test_provider_down_or_slow_gives_a_clear_error_never_a_500(csc_app, csc_server):
    client = csc_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    csc_server.stop()
    down = sign(client, doc_id, HKH, CSC_PIN)
    assert down.status_code == 503 and "Không kết nối được dịch vụ ký số từ xa" in down.get_json()["error"]["message"]
    csc_server.start()
    csc_server.configure(delay=5)  # the app waits 3 s (remote_timeout)
    slow = sign(client, doc_id, HKH, CSC_PIN)
    assert slow.status_code == 503 and "không phản hồi trong 3 giây" in slow.get_json()["error"]["message"]
    csc_server.configure(delay=0, mode="error")
    broken = sign(client, doc_id, HKH, CSC_PIN)
    assert broken.status_code in (422, 503) and broken.get_json()["error"]["message"]
    assert pdf(client, doc_id, h) == before


def test_a_certificate_that_is_not_the_chairs_is_refused(data_dir, csc_server, csc_app):
    ck, ca = chair_cert(data_dir, full_name="Nguyễn Văn Khác")
    for name, data in key_files(ck, ca).items():
        (csc_server.root / name).write_bytes(data)
    client = csc_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    resp = sign(client, doc_id, HKH, CSC_PIN)
    assert resp.status_code == 422
    assert "cấp cho “Nguyễn Văn Khác”, không phải cho người ký “Đặng Thị Hoa”" in resp.get_json()["error"]["message"]
    assert pdf(client, doc_id, h) == before


def test_a_signature_over_the_wrong_hash_is_refused_and_not_stored(csc_app, csc_server):
    client = csc_app.test_client()
    doc_id, h = submitted(client)
    before = pdf(client, doc_id, h)
    csc_server.configure(mode="wrong_hash")
    request_id = sign(client, doc_id, HKH, CSC_PIN).get_json()["signing_request_id"]
    assert worker_tick(csc_app, request_id) == "failed"
    result = status(client, request_id)
    assert result["status"] == "failed" and "không khớp với văn bản" in result["message"]
    assert pdf(client, doc_id, h) == before and doc_status(csc_app, doc_id) == "awaiting_signatures"
    csc_server.configure(mode="ok")
    again = sign(client, doc_id, HKH, CSC_PIN).get_json()["signing_request_id"]
    assert worker_tick(csc_app, again) == "signed"


def test_batch_one_pin_for_several_hashes_and_refusals_one_by_one(csc_app, tmp_path):
    client = csc_app.test_client()
    h = api_token(client, "vanthu")
    draft = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    docs = [new_submitted(client, h), new_submitted(client, h)]
    resp = client.post("/api/v1/sign-batch", headers=api_token(client, HKH),
                       json={"document_ids": [docs[0], draft, docs[1]], "secret": CSC_PIN})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["job_id"] == body["signing_request_id"]
    assert [r["status"] for r in body["results"]] == ["pending", "refused", "pending"]
    assert worker_tick(csc_app, body["signing_request_id"]) == "signed"
    assert status(client, body["signing_request_id"])["message"] == "Đã ký 2/2 văn bản."
    second = client.post("/api/v1/sign-batch", headers=api_token(client, TD),
                         json={"document_ids": docs, "secret": DEMO_PASSWORD}).get_json()["results"]
    assert [r["status"] for r in second] == ["signed", "signed"]
    for doc_id in docs:
        assert_valid_both(csc_app, client, doc_id, h, tmp_path / f"nss{doc_id}")


def test_client_secret_is_encrypted_at_rest(csc_app):
    from khuyenhoc_docs.credentials import register_remote
    from khuyenhoc_docs.models import User

    svc = csc_app.extensions["khd.services"]
    with csc_app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == HKH))
        cred = register_remote(s, user, kind="csc", url="", client_id="khd", client_secret="csc-secret",
                               account="cred-hoa", seal=svc.secret_box.seal)
        s.commit()
        stored = s.get(SigningCredential, cred.id).client_secret_enc
    assert stored and "csc-secret" not in stored and svc.secret_box.open(stored) == "csc-secret"
    client = csc_app.test_client()
    doc_id, _h = submitted(client)
    assert sign(client, doc_id, HKH, CSC_PIN).status_code == 202  # the stored secret logs in
