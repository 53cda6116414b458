"""Batch signing: one passphrase for many documents, per-document results, refusals one by one."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from khuyenhoc_docs.drafting.reference import reference_fields
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.flow import seal_both
from tests.services.nss import NssDb


def new_submitted(client, h) -> int:
    doc = client.post("/api/v1/documents", headers=h,
                      json={"kind": "programme_province", "fields": reference_fields().to_dict()}).get_json()
    assert client.post(f"/api/v1/documents/{doc['id']}/submit", headers=h).status_code == 200
    return doc["id"]


def pdf(client, doc_id: int, h) -> bytes:
    return client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data


@pytest.fixture
def docs(client):
    """Two submitted documents, a draft (the demo one) and the clerk's headers."""
    h = api_token(client, "vanthu")
    draft = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    return [new_submitted(client, h), new_submitted(client, h)], draft, h


def batch(client, username: str, ids, secret=DEMO_PASSWORD):
    return client.post("/api/v1/sign-batch", headers=api_token(client, username),
                       json={"document_ids": ids, "secret": secret})


def test_both_chairs_batch_sign_and_both_verifiers_agree(app, client, docs, tmp_path):
    (a, b), draft, h = docs
    first = batch(client, "chutich.hkh", [a, draft, b, 999999])
    assert first.status_code == 200, first.get_json()
    res = {r["document_id"]: r for r in first.get_json()["results"]}
    assert [r["document_id"] for r in first.get_json()["results"]] == [a, draft, b, 999999]
    assert res[a]["status"] == res[b]["status"] == "signed"
    assert res[draft]["status"] == "refused" and res[draft]["message"]
    assert res[999999]["status"] == "refused" and "Không tìm thấy" in res[999999]["message"]
    again = batch(client, "chutich.hkh", [a]).get_json()["results"]
    assert again[0]["status"] == "refused"  # already signed: refused, not signed twice

    second = batch(client, "phobithu.td", [b, a]).get_json()["results"]
    assert [r["status"] for r in second] == ["signed", "signed"]
    roots = [c.public_bytes(Encoding.PEM) for c in app.extensions["khd.services"].trust_roots]
    nss = NssDb.create(tmp_path / "nss", roots)
    for doc_id in (a, b):
        doc = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
        assert doc["status"] == "signed"
        report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=true", headers=h).get_json()
        assert report["ok"] and len(report["signatures"]) == 2
        sigs = [s for s in nss.pdfsig(pdf(client, doc_id, h)) if s.field_name.startswith("sig_")]  # + 2 empty seals
        assert len(sigs) == 2 and all(s.valid and s.trusted for s in sigs)
    # batch-signed documents are ready to seal: both clerks seal one, and all four signatures hold
    assert seal_both(client, a)["status"] == "sealed"
    report = client.get(f"/api/v1/documents/{a}/verification?rerun=true", headers=h).get_json()
    assert report["ok"] and len(report["signatures"]) == 4


def test_wrong_passphrase_refuses_the_whole_batch_and_stores_nothing(client, docs):
    (a, b), _draft, h = docs
    before = {d: pdf(client, d, h) for d in (a, b)}
    resp = batch(client, "chutich.hkh", [a, b], "sai-mat-khau")
    assert resp.status_code == 422 and "Mật khẩu" in resp.get_json()["error"]["message"]
    assert {d: pdf(client, d, h) for d in (a, b)} == before


def test_batch_is_for_chairs_and_checks_its_input(client, docs):
    (a, _b), _draft, _h = docs
    assert batch(client, "vanthu", [a]).status_code == 403
    assert batch(client, "chutich.hkh", []).status_code == 422
    empty_secret = batch(client, "chutich.hkh", [a], "")
    assert empty_secret.status_code == 422


def test_batch_page_lists_my_documents_and_signs_in_chunks(client, docs):
    (a, b), draft, _h = docs
    login(client, "chutich.hkh")
    page = client.get("/sign-batch").get_data(as_text=True)
    assert f'value="{a}"' in page and f'value="{b}"' in page and f'value="{draft}"' not in page
    assert 'id="batch-progress"' in page and "signing.js" in page
    token = csrf_token(client, "/sign-batch")
    chunk = client.post("/sign-batch", data={"csrf_token": token, "secret": DEMO_PASSWORD, "document_ids": [a, draft]},
                        headers={"Accept": "application/json"})
    assert chunk.status_code == 200
    assert [r["status"] for r in chunk.get_json()["results"]] == ["signed", "refused"]
    wrong = client.post("/sign-batch", data={"csrf_token": token, "secret": "sai", "document_ids": [b]},
                        headers={"Accept": "application/json"})
    assert wrong.status_code == 422 and "không đúng" in wrong.get_json()["error"]["message"]
    html = client.post("/sign-batch", data={"csrf_token": token, "secret": DEMO_PASSWORD, "document_ids": [b]})
    assert html.status_code == 200 and "Đã ký" in html.get_data(as_text=True)


def test_a_document_changed_between_signing_and_storing_is_not_overwritten(app, client, docs, monkeypatch):
    """The batch signs outside the document's lock: when another signature lands on a document after
    the batch read its PDF, the batch's signature of the old PDF is refused (failed), never stored
    over the newer PDF; the other documents are signed, validated in the second process."""
    import threading

    from khuyenhoc_docs.workflow import batch as batch_mod

    (a, b), _draft, h = docs
    monkeypatch.setattr(batch_mod, "POOL_MIN", 1)  # validate in the child process even for two documents
    store = batch_mod._Batch.store
    seen: list[int] = []

    def store_after_a_concurrent_signature(self, item):
        if item.doc_id == a and not seen:
            seen.append(a)
            other = app.test_client()  # "another process": the first chair signs ``a`` through the API
            answer: list = []
            t = threading.Thread(target=lambda: answer.append(other.post(
                f"/api/v1/documents/{a}/sign", headers=api_token(other, "chutich.hkh"),
                json={"secret": DEMO_PASSWORD})))
            t.start()
            t.join()
            assert answer[0].status_code == 200, answer[0].get_json()
        return store(self, item)

    monkeypatch.setattr(batch_mod._Batch, "store", store_after_a_concurrent_signature)
    before_b = pdf(client, b, h)
    # both documents use "any" routing: the second chair may sign before the first
    res = {r["document_id"]: r for r in batch(client, "phobithu.td", [a, b]).get_json()["results"]}
    assert seen == [a]
    assert res[a]["status"] == "failed" and "đã thay đổi" in res[a]["message"], res[a]
    assert res[b]["status"] == "signed", res[b]
    # a keeps exactly the first chair's signature (the newer PDF), the batch's signature is nowhere
    doc_a = client.get(f"/api/v1/documents/{a}", headers=h).get_json()
    assert doc_a["status"] == "awaiting_signatures"
    report = client.get(f"/api/v1/documents/{a}/verification?rerun=true", headers=h).get_json()
    mine = [s for s in doc_a["signatures"] if s["status"] == "signed"]
    assert len(mine) == 1 and [s["field_name"] for s in report["signatures"]] == [mine[0]["field_name"]], doc_a
    assert report["ok"], report
    assert pdf(client, b, h) != before_b
    # the chair signs ``a`` again: on the current PDF, both signatures hold and the record is signed
    monkeypatch.setattr(batch_mod._Batch, "store", store)
    from khuyenhoc_docs.signing.validation_pool import ValidationPool

    submitted: list[bytes] = []
    submit = ValidationPool.submit
    monkeypatch.setattr(ValidationPool, "submit", lambda self, data: submitted.append(data) or submit(self, data))
    again = batch(client, "phobithu.td", [a]).get_json()["results"]
    assert again[0]["status"] == "signed", again
    assert batch(client, "chutich.hkh", [b]).get_json()["results"][0]["status"] == "signed"
    assert len(submitted) == 2  # both completing signatures were validated by the child process
    for doc_id in (a, b):
        assert client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["status"] == "signed"
        report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=true", headers=h).get_json()
        assert report["ok"] and len(report["signatures"]) == 2
