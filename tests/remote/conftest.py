"""Remote signing tests: one real provider server per API shape (separate processes, real HTTP),
keys certified by the test data dir's demo CA, and an app pointed at them through KHD defaults."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from khuyenhoc_docs.credentials import register_remote
from khuyenhoc_docs.models import Document, User
from khuyenhoc_docs.pki_store import ensure_demo_pki
from khuyenhoc_docs.signing.pki import CertKey, issue_signing_cert
from khuyenhoc_docs.workflow import remote_signing
from tests.conftest import api_token, make_app
from tests.services.provider_common import ProviderServer

SERVICES = Path(__file__).resolve().parent.parent / "services"
HKH = "chutich.hkh"  # Đặng Thị Hoa: signs remotely in these tests
TD = "phobithu.td"  # Lâm Như Quỳnh: signs with her PKCS#12
CSC_PIN, CITIZEN_ID = "246810", "083190000123"


def chair_cert(data_dir: Path, full_name: str = "Đặng Thị Hoa") -> tuple[CertKey, CertKey]:
    from tests.conftest import _PKI

    # The apps' demo PKI: the session's PKI server directory when it runs, else the data dir's.
    ca = ensure_demo_pki(_PKI[0].pki_dir if _PKI else data_dir / "pki").ca
    ck = issue_signing_cert(ca, full_name=full_name, organisation="Hội Khuyến học tỉnh Bến Tre",
                            position="CHỦ TỊCH", email="hoa@example.vn")
    return ck, ca


def key_files(ck: CertKey, ca: CertKey) -> dict[str, bytes]:
    return {"key.pem": ck.key_pem(), "certs.pem": ck.cert_pem() + ca.cert_pem()}


@pytest.fixture
def csc_server(data_dir) -> Iterator[ProviderServer]:
    ck, ca = chair_cert(data_dir)
    server = ProviderServer(SERVICES / "csc_server.py",
                            {"client_id": "khd", "client_secret": "csc-secret", "credential_id": "cred-hoa",
                             "pin": CSC_PIN, "otp": "", "multisign": 10, "delay": 0, "mode": "ok"},
                            key_files(ck, ca))
    with server:
        yield server


@pytest.fixture
def async_server(data_dir) -> Iterator[ProviderServer]:
    ck, ca = chair_cert(data_dir)
    files = {f"hoa.{k}": v for k, v in key_files(ck, ca).items()}
    server = ProviderServer(SERVICES / "async_sign_server.py",
                            {"sp_id": "khd-sp", "sp_password": "sp-secret", "expiry_seconds": 300, "delay": 0,
                             "mode": "ok", "users": {CITIZEN_ID: {"key": "hoa.key.pem", "certs": "hoa.certs.pem"}}},
                            files)
    with server:
        yield server


def remote_app(data_dir, **overrides):
    return make_app(data_dir, remote_timeout=3.0, **overrides)


def use_remote(app, kind: str, account: str, username: str = HKH, **kw) -> None:
    """Give ``username`` a remote signing account (URL/client from the app's KHD defaults)."""
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == username))
        register_remote(s, user, kind=kind, url=kw.get("url", ""), client_id=kw.get("client_id", ""),
                        client_secret=kw.get("client_secret", ""), account=account, seal=svc.secret_box.seal)
        s.commit()


@pytest.fixture
def csc_app(data_dir, csc_server):
    app = remote_app(data_dir, csc_url=csc_server.url, csc_client_id="khd", csc_client_secret="csc-secret")
    use_remote(app, "csc", "cred-hoa")
    yield app
    app.extensions["khd.engine"].dispose()


@pytest.fixture
def async_app(data_dir, async_server):
    app = remote_app(data_dir, async_sign_url=async_server.url, async_sign_client_id="khd-sp",
                     async_sign_client_secret="sp-secret")
    use_remote(app, "async_confirm", CITIZEN_ID)
    yield app
    app.extensions["khd.engine"].dispose()


def submitted(client) -> tuple[int, dict]:
    """Submit the demo draft; its id and the clerk's headers."""
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    return doc_id, h


def new_submitted(client, h) -> int:
    from khuyenhoc_docs.drafting.reference import reference_fields

    doc = client.post("/api/v1/documents", headers=h,
                      json={"kind": "programme_province", "fields": reference_fields().to_dict()}).get_json()
    assert client.post(f"/api/v1/documents/{doc['id']}/submit", headers=h).status_code == 200
    return doc["id"]


def sign(client, doc_id: int, username: str, secret: str = "", **extra):
    return client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, username),
                       json={"secret": secret, **extra})


def worker_tick(app, request_id: int) -> str:
    """What the huey worker does once (tests drive it step by step)."""
    with app.extensions["khd.sessions"]() as s:
        return remote_signing.tick(s, app.extensions["khd.services"], request_id)


def status(client, request_id: int, username: str = HKH, headers: dict[str, str] | None = None) -> dict:
    """The signing request as ``username`` sees it (``headers``: a token already issued, for polling:
    a new token per poll would run into the sign-in limit of 10 per minute)."""
    resp = client.get(f"/api/v1/signing-requests/{request_id}", headers=headers or api_token(client, username))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def pdf(client, doc_id: int, h) -> bytes:
    return client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data


def doc_status(app, doc_id: int) -> str:
    with app.extensions["khd.sessions"]() as s:
        return s.get(Document, doc_id).status


def assert_valid_both(app, client, doc_id: int, h, nss_dir: Path, *, then_seal: bool = False) -> None:
    """pyHanko (the verification endpoint) and poppler's pdfsig both accept two signatures.

    ``then_seal``: the remotely signed document is ready to seal; both clerks seal it and all four
    signatures (plus the B-LTA timestamp) are accepted too."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from tests.flow import seal_both
    from tests.services.nss import NssDb

    if then_seal:
        assert seal_both(client, doc_id)["status"] == "sealed"
        report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=true", headers=h).get_json()
        assert report["ok"] and len(report["signatures"]) == 4, report
        roots = [c.public_bytes(Encoding.PEM) for c in app.extensions["khd.services"].trust_roots]
        sigs = NssDb.create(nss_dir, roots).pdfsig(pdf(client, doc_id, h))
        people = [s for s in sigs if not s.field_name.startswith("LTA_timestamp")]
        assert len(people) == 4 and len(sigs) == 5 and all(s.valid and s.trusted for s in people)
        return

    report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=true", headers=h).get_json()
    assert report["ok"] and len(report["signatures"]) == 2, report
    assert {s["signer_cn"] for s in report["signatures"]} == {"Đặng Thị Hoa", "Lâm Như Quỳnh"}
    assert all(s["timestamp_valid"] for s in report["signatures"])
    roots = [c.public_bytes(Encoding.PEM) for c in app.extensions["khd.services"].trust_roots]
    sigs = NssDb.create(nss_dir, roots).pdfsig(pdf(client, doc_id, h))
    chairs = [s for s in sigs if s.field_name.startswith("sig_")]  # a final record also has its B-LTA timestamp
    assert len(chairs) == 2 and all(s.valid and s.trusted for s in chairs)
