"""A chair's own credentials through the admin page: PKCS#12 upload, PKCS#11 token (SoftHSM2), signature image.

Lives beside the signing core tests to share their session SoftHSM2 token: the PKCS#11 module
reads SOFTHSM2_CONF once per process.
"""
from __future__ import annotations

import io

from cryptography.hazmat.primitives.serialization import Encoding
from PIL import Image
from sqlalchemy import select

from khuyenhoc_docs.models import SigningCredential, User
from khuyenhoc_docs.signing.pki import issue_signing_cert, to_pkcs12
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.test_signing_flow import sign, submitted


def _user_id(app, username: str) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(User.id).where(User.username == username))


def _png(mode: str = "RGBA") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (240, 90), (20, 40, 200, 0) if mode == "RGBA" else (20, 40, 200)).save(
        buf, format="PNG" if mode == "RGBA" else "JPEG")
    return buf.getvalue()


def test_admin_uploads_a_chairs_pkcs12_and_signature_image(app, client):
    ca = app.extensions["khd.services"].demo_pki.ca
    own = issue_signing_cert(ca, full_name="Đặng Thị Hoa", organisation="Hội Khuyến học tỉnh Bến Tre",
                             position="CHỦ TỊCH", email="hoa@example.org")
    p12 = to_pkcs12(own, [ca.cert], "mật-khẩu-riêng")
    uid = _user_id(app, "chutich.hkh")
    login(client, "admin")
    page = f"/admin/users/{uid}/credential"
    token = csrf_token(client, page)
    wrong = client.post(page, data={"csrf_token": token, "action": "pkcs12", "passphrase": "sai",
                                    "p12": (io.BytesIO(p12), "hoa.p12")}, content_type="multipart/form-data")
    assert wrong.status_code == 422 and "không đúng" in wrong.get_data(as_text=True)
    ok = client.post(page, data={"csrf_token": token, "action": "pkcs12", "passphrase": "mật-khẩu-riêng",
                                 "p12": (io.BytesIO(p12), "hoa.p12")}, content_type="multipart/form-data")
    assert ok.status_code == 302
    bad_image = client.post(page, data={"csrf_token": token, "action": "image",
                                        "image": (io.BytesIO(_png("RGB")), "sig.jpg")},
                            content_type="multipart/form-data")
    assert bad_image.status_code == 422
    good_image = client.post(page, data={"csrf_token": token, "action": "image",
                                         "image": (io.BytesIO(_png()), "sig.png")}, content_type="multipart/form-data")
    assert good_image.status_code == 302
    with app.extensions["khd.sessions"]() as s:
        rows = s.scalars(select(SigningCredential).where(SigningCredential.user_id == uid)).all()
        assert [r.active for r in rows].count(True) == 1
        assert all("mật-khẩu-riêng".encode() not in (r.pkcs12 or b"") for r in rows)
    doc_id, _ = submitted(client)
    assert sign(client, doc_id, "chutich.hkh", DEMO_PASSWORD).status_code == 422  # old passphrase no longer
    assert sign(client, doc_id, "chutich.hkh", "mật-khẩu-riêng").status_code == 200


def test_chair_signs_with_a_pkcs11_token(app, client, softhsm):
    ca = app.extensions["khd.services"].demo_pki.ca
    quynh = issue_signing_cert(ca, full_name="Lâm Như Quỳnh", organisation="Tỉnh đoàn Bến Tre",
                               position="PHÓ BÍ THƯ", email="quynh@example.org")
    softhsm.import_key("quynh-app", quynh.key_pem(), quynh.cert.public_bytes(Encoding.DER), key_id="07")
    uid = _user_id(app, "phobithu.td")
    login(client, "admin")
    page = f"/admin/users/{uid}/credential"
    resp = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "pkcs11",
                                   "module": softhsm.module_path, "token": softhsm.label, "key_label": "quynh-app"})
    assert resp.status_code == 302
    doc_id, h = submitted(client)
    wrong = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, "phobithu.td"),
                        json={"secret": "000000"})
    assert wrong.status_code == 422 and "PIN" in wrong.get_json()["error"]["message"]
    ok = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, "phobithu.td"),
                     json={"secret": softhsm.pin})
    assert ok.status_code == 200, ok.get_json()
    assert sign(client, doc_id, "chutich.hkh").get_json()["status"] == "signed"
    report = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
    assert report["ok"] and {s["signer_cn"] for s in report["signatures"]} == {"Đặng Thị Hoa", "Lâm Như Quỳnh"}


def test_batch_signing_with_a_pkcs11_token_one_pin(app, client, softhsm):
    from tests.test_batch_signing import new_submitted

    ca = app.extensions["khd.services"].demo_pki.ca
    quynh = issue_signing_cert(ca, full_name="Lâm Như Quỳnh", organisation="Tỉnh đoàn Bến Tre",
                               position="PHÓ BÍ THƯ", email="quynh@example.org")
    softhsm.import_key("quynh-batch", quynh.key_pem(), quynh.cert.public_bytes(Encoding.DER), key_id="08")
    uid = _user_id(app, "phobithu.td")
    login(client, "admin")
    page = f"/admin/users/{uid}/credential"
    assert client.post(page, data={"csrf_token": csrf_token(client, page), "action": "pkcs11",
                                   "module": softhsm.module_path, "token": softhsm.label,
                                   "key_label": "quynh-batch"}).status_code == 302
    h = api_token(client, "vanthu")
    docs = [new_submitted(client, h), new_submitted(client, h)]
    td = api_token(client, "phobithu.td")
    wrong = client.post("/api/v1/sign-batch", headers=td, json={"document_ids": docs, "secret": "000000"})
    assert wrong.status_code == 422 and "PIN" in wrong.get_json()["error"]["message"]
    ok = client.post("/api/v1/sign-batch", headers=td, json={"document_ids": docs, "secret": softhsm.pin})
    assert [r["status"] for r in ok.get_json()["results"]] == ["signed", "signed"]
    for doc_id in docs:
        assert sign(client, doc_id, "chutich.hkh").get_json()["status"] == "signed"
        report = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
        assert report["ok"] and len(report["signatures"]) == 2
