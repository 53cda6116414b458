"""Both chairs sign through the API; pyHanko and poppler's pdfsig both accept the result."""
from __future__ import annotations

import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from khuyenhoc_docs.credentials import issue_demo_credential
from khuyenhoc_docs.models import Document, User
from khuyenhoc_docs.signing.pki import CertKey, issue_signing_cert, to_pkcs12
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.services.nss import NssDb

CHAIRS = ("phobithu.td", "chutich.hkh")


def submitted(client) -> tuple[int, dict]:
    """Submit the demo draft; returns its id and the clerk's headers."""
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    return doc_id, h


def sign(client, doc_id: int, username: str, secret: str = DEMO_PASSWORD):
    return client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, username),
                       json={"secret": secret})


def current_pdf(client, doc_id: int, headers) -> bytes:
    return client.get(f"/api/v1/documents/{doc_id}/file", headers=headers).data


@pytest.fixture
def nssdb(app, tmp_path):
    roots = [c.public_bytes(Encoding.PEM) for c in app.extensions["khd.services"].trust_roots]
    return NssDb.create(tmp_path / "nss", roots)


def test_two_chairs_sign_and_both_verifiers_agree(app, client, nssdb):
    doc_id, h = submitted(client)
    first = sign(client, doc_id, "chutich.hkh")
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["status"] == "awaiting_signatures"
    second = sign(client, doc_id, "phobithu.td")
    assert second.status_code == 200, second.get_json()
    assert second.get_json()["status"] == "signed"

    report = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
    assert report["ok"] is True and len(report["signatures"]) == 2
    by_field = {s["field_name"]: s for s in report["signatures"]}
    assert by_field["sig_b"]["kind"] == "certification" and by_field["sig_a"]["kind"] == "approval"
    assert {s["signer_cn"] for s in report["signatures"]} == {"Đặng Thị Hoa", "Lâm Như Quỳnh"}
    assert all(s["trusted"] and s["intact"] and s["timestamp_valid"] for s in report["signatures"])

    # Signed by both chairs, not yet sealed: not final, so B-LT and no document timestamp yet.
    assert all(s["level"] == "B-LT" for s in report["signatures"]), report
    assert all(s["revocation"]["state"] == "good" for s in report["signatures"]), report
    assert not report["document_timestamps"]

    pdf = current_pdf(client, doc_id, h)
    # the empty seal and copy fields are not signatures (the helper skips them); the chairs' two are valid
    sigs = nssdb.pdfsig(pdf)
    assert len(sigs) == 2 and all(s.signer_cn for s in sigs), nssdb.pdfsig_text(pdf)
    assert all(s.valid and s.trusted for s in sigs), nssdb.pdfsig_text(pdf)

    uploaded = client.post("/api/v1/verify", headers=h, data={"file": (io.BytesIO(pdf), "x.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 200 and uploaded.get_json()["ok"] is True


def test_signed_record_is_retention_locked(app, client):
    doc_id, _ = submitted(client)
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        doc = s.get(Document, doc_id)
        row = doc.pdf_object
        assert row.retain_until and row.retain_until > datetime.now(UTC) + timedelta(days=365 * 9)
        from khuyenhoc_docs.storage.base import ObjectLocked

        with pytest.raises(ObjectLocked):
            svc.store.delete_version(row.key, row.version_id)


def test_wrong_passphrase_and_wrong_people_change_nothing(app, client):
    doc_id, h = submitted(client)
    before = current_pdf(client, doc_id, h)
    wrong = sign(client, doc_id, "chutich.hkh", "not-the-passphrase")
    assert wrong.status_code == 422 and "Mật khẩu" in wrong.get_json()["error"]["message"]
    assert sign(client, doc_id, "vanthu").status_code == 403
    assert sign(client, doc_id, "luutru").status_code == 403
    assert current_pdf(client, doc_id, h) == before
    assert sign(client, doc_id, "chutich.hkh").status_code == 200
    twice = sign(client, doc_id, "chutich.hkh")
    assert twice.status_code in (403, 409)


def test_sequential_routing_enforces_order(app, client):
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields, "routing": "sequential"})
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=h)
    early = sign(client, doc_id, "chutich.hkh")  # party_b signs second
    assert early.status_code == 409 and "Chưa đến lượt" in early.get_json()["error"]["message"]
    assert sign(client, doc_id, "phobithu.td").status_code == 200
    assert sign(client, doc_id, "chutich.hkh").get_json()["status"] == "signed"


def test_decline_returns_to_clerk_and_signatures_restart(app, client):
    doc_id, h = submitted(client)
    assert sign(client, doc_id, "phobithu.td").status_code == 200
    hkh = api_token(client, "chutich.hkh")
    no_reason = client.post(f"/api/v1/documents/{doc_id}/decline", headers=hkh, json={"reason": ""})
    assert no_reason.status_code == 422
    declined = client.post(f"/api/v1/documents/{doc_id}/decline", headers=hkh,
                           json={"reason": "Cần bổ sung nội dung về quỹ khuyến học."})
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert sign(client, doc_id, "chutich.hkh").status_code == 403
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    fields["contents"].append("Hai bên phối hợp vận động xây dựng quỹ khuyến học.")
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields}).status_code == 200
    again = client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).get_json()
    assert again["doc_number"] is None  # a declined document never took a number
    assert sorted(s["status"] for s in again["signatures"]) == ["declined", "pending", "pending", "signed"]
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=true", headers=h).get_json()
    assert report["ok"] and len(report["signatures"]) == 2


def test_expired_certificate_is_refused_before_signing(app, client):
    doc_id, h = submitted(client)
    svc = app.extensions["khd.services"]
    ca: CertKey = svc.demo_pki.ca
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == "chutich.hkh"))
        now = datetime.now(UTC)
        expired = issue_signing_cert(ca, full_name=user.full_name, organisation=user.organisation.name,
                                     position="CHỦ TỊCH", email="x@example.org",
                                     not_before=now - timedelta(days=400), not_after=now - timedelta(days=1))
        cred = issue_demo_credential(s, ca, user, DEMO_PASSWORD)
        cred.pkcs12 = to_pkcs12(expired, [ca.cert], DEMO_PASSWORD)  # same account, expired certificate
        s.commit()
    before = current_pdf(client, doc_id, h)
    resp = sign(client, doc_id, "chutich.hkh")
    assert resp.status_code == 422 and "hết hạn" in resp.get_json()["error"]["message"]
    assert current_pdf(client, doc_id, h) == before


def test_both_chairs_at_once_never_lose_a_signature(app, client):
    """Threads in one process; the cross-process variant runs on PostgreSQL (test_concurrency)."""
    for _round in range(3):
        doc_id, h = submitted(client) if _round == 0 else _resubmit(app, client)
        tokens = {c: api_token(client, c) for c in CHAIRS}
        barrier = threading.Barrier(2)
        results: dict[str, int] = {}

        def go(chair: str, barrier=barrier, results=results, doc_id=doc_id, tokens=tokens) -> None:
            c = app.test_client()
            barrier.wait()
            results[chair] = c.post(f"/api/v1/documents/{doc_id}/sign", headers=tokens[chair],
                                    json={"secret": DEMO_PASSWORD}).status_code

        threads = [threading.Thread(target=go, args=(c,)) for c in CHAIRS]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == {c: 200 for c in CHAIRS}
        report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=true", headers=h).get_json()
        assert report["ok"] and len(report["signatures"]) == 2


def _resubmit(app, client) -> tuple[int, dict]:
    h = api_token(client, "vanthu")
    from khuyenhoc_docs.drafting.reference import reference_fields

    doc = client.post("/api/v1/documents", headers=h,
                      json={"kind": "programme_province", "fields": reference_fields().to_dict()}).get_json()
    assert client.post(f"/api/v1/documents/{doc['id']}/submit", headers=h).status_code == 200
    return doc["id"], h


def test_ui_sign_dialog_and_report_page(client):
    doc_id, _ = submitted(client)
    login(client, "chutich.hkh")
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert 'id="sign-dialog"' in page and "Từ chối ký" in page
    token = csrf_token(client, f"/documents/{doc_id}")
    bad = client.post(f"/documents/{doc_id}/sign", data={"csrf_token": token, "secret": "sai"})
    assert bad.status_code == 303
    assert "không đúng" in client.get(f"/documents/{doc_id}").get_data(as_text=True)
    ok = client.post(f"/documents/{doc_id}/sign", data={"csrf_token": token, "secret": DEMO_PASSWORD})
    assert ok.status_code == 302
    report = client.get(f"/documents/{doc_id}/verification").get_data(as_text=True)
    assert "Đặng Thị Hoa" in report and "chữ ký chứng thực" in report


def test_trust_roots_and_bad_uploads(client):
    h = api_token(client, "luutru")
    pem = client.get("/api/v1/trust/roots", headers=h)
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN CERTIFICATE-----")
    for payload in (b"not a pdf at all", b"%PDF-1.7\n1 0 obj <<>> endobj\n", b""):
        resp = client.post("/api/v1/verify", headers=h, data={"file": (io.BytesIO(payload), "a.pdf")},
                           content_type="multipart/form-data")
        assert resp.status_code == 422, payload
        assert resp.get_json()["error"]["message"]


def test_report_for_a_stored_version(client):
    doc_id, h = submitted(client)
    assert sign(client, doc_id, "chutich.hkh").status_code == 200
    versions = client.get(f"/api/v1/documents/{doc_id}/versions", headers=h).get_json()["items"]
    draft = client.get(f"/api/v1/documents/{doc_id}/verification?version=1", headers=h).get_json()
    assert draft["signatures"] == [] and draft["ok"] is False and draft["version"] == 1
    current = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
    assert len(current["signatures"]) == 1 and current["ok"] is True
    assert client.get(f"/api/v1/documents/{doc_id}/verification?version={len(versions) + 5}",
                      headers=h).status_code == 404
