"""The app on MinIO (moto's S3 server): full flow, outage answers 503, check and migrate commands."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from khuyenhoc_docs import migrate
from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import Document, DocumentVersion, StoredObject
from khuyenhoc_docs.workflow.template_store import add_version
from tests.conftest import api_token, make_app
from tests.services.s3server import ACCESS_KEY, SECRET_KEY, S3Server


@pytest.fixture
def s3():
    with S3Server() as server:
        yield server


def s3_overrides(server: S3Server) -> dict:
    return {"s3_endpoint": server.endpoint, "s3_access_key": ACCESS_KEY, "s3_secret_key": SECRET_KEY,
            "s3_bucket": f"khd-{uuid.uuid4().hex[:10]}"}


@pytest.fixture
def s3_app(s3, tmp_path, converter_endpoints):
    app = make_app(tmp_path / "data", **s3_overrides(s3))
    migrate.upgrade(app.config["KHD_SETTINGS"].sqlalchemy_url)
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["khd.engine"].dispose()


def _counts(app) -> tuple[int, int, int]:
    with app.extensions["khd.sessions"]() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Document, DocumentVersion, StoredObject))


def test_flow_on_s3_and_storage_check(s3_app):
    client = s3_app.test_client()
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    for chair in ("chutich.hkh", "phobithu.td"):
        resp = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, chair),
                           json={"secret": "khuyenhoc-demo"})
        assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "signed"
    assert client.get("/healthz").get_json()["object_store"] == {"ok": True, "backend": "s3"}
    check = s3_app.test_cli_runner().invoke(args=["storage", "check"])
    assert check.exit_code == 0 and "OK" in check.output, check.output
    # An object that no row references is reported (and kept while younger than the grace period).
    s3_app.extensions["khd.services"].store.put("documents/999999/v0001/orphan.pdf", b"%PDF-orphan",
                                                content_type="application/pdf")
    orphan = s3_app.test_cli_runner().invoke(args=["storage", "check", "--delete-unreferenced"])
    assert "unreferenced: documents/999999/v0001/orphan.pdf" in orphan.output and "deleted" not in orphan.output
    gone = s3_app.test_cli_runner().invoke(args=["storage", "check", "--delete-unreferenced", "--grace-hours", "0"])
    assert "deleted: documents/999999/v0001/orphan.pdf" in gone.output


def test_outage_answers_503_and_writes_nothing(s3_app, s3):
    client = s3_app.test_client()
    h = api_token(client, "vanthu")
    before = _counts(s3_app)
    s3.stop()
    resp = client.post("/api/v1/documents", headers=h,
                       json={"kind": "programme_province", "fields": reference_fields().to_dict()})
    assert resp.status_code == 503 and "Kho lưu trữ" in resp.get_json()["error"]["message"]
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.get(f"/api/v1/documents/{doc_id}/file", headers=h).status_code == 503
    assert client.get("/healthz").status_code == 503
    assert _counts(s3_app) == before
    s3.start()  # moto keeps state in memory: the bucket and old objects are gone, real MinIO keeps them
    svc = s3_app.extensions["khd.services"]
    svc.store.ensure_ready()
    assert client.get("/healthz").status_code == 200
    with s3_app.extensions["khd.sessions"]() as s:  # re-upload the template lost with moto's memory
        add_version(s, svc, kind="programme_province",
                    data=(svc.templates_dir / "programme_province.docx").read_bytes(),
                    filename="programme_province.docx", user_id=None)
        s.commit()
    again = client.post("/api/v1/documents", headers=h,
                        json={"kind": "programme_province", "fields": reference_fields().to_dict()})
    assert again.status_code == 201, again.get_json()


def test_tampered_local_object_is_never_served(app, client):
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    with app.extensions["khd.sessions"]() as s:
        row = s.get(Document, doc_id).pdf_object
        key, version = row.key, row.version_id
    root = app.config["KHD_SETTINGS"].objects_dir
    data_files = [p for p in root.rglob("*") if p.is_file() and version in str(p) and not p.name.endswith(".json")]
    assert data_files, list(root.rglob("*"))[:5]
    target = data_files[0]
    target.chmod(0o600)
    target.write_bytes(target.read_bytes().replace(b"%PDF", b"%PDX", 1))
    resp = client.get(f"/api/v1/documents/{doc_id}/file", headers=h)
    assert resp.status_code == 500 and "SHA-256" in resp.get_json()["error"]["message"]
    check = app.test_cli_runner().invoke(args=["storage", "check"])
    assert check.exit_code == 1 and f"mismatched: {key}" in check.output


def test_migrate_local_to_s3_verifies_hashes(app, s3):
    overrides = s3_overrides(s3)
    settings = app.config["KHD_SETTINGS"]
    migrated = make_app(settings.data_dir, **overrides)
    result = migrated.test_cli_runner().invoke(args=["storage", "migrate", "--to", "s3"])
    assert result.exit_code == 0, result.output
    assert "failed: 0" in result.output and "copied: " in result.output
    rerun = migrated.test_cli_runner().invoke(args=["storage", "migrate", "--to", "s3"])
    assert "copied: 0" in rerun.output and "failed: 0" in rerun.output
    client = migrated.test_client()
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    pdf = client.get(f"/api/v1/documents/{doc_id}/file", headers=h)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    check = migrated.test_cli_runner().invoke(args=["storage", "check"])
    assert check.exit_code == 0, check.output
    migrated.extensions["khd.engine"].dispose()


def test_legal_hold_command_blocks_deletion_until_released(app, client):
    from khuyenhoc_docs.storage.base import ObjectLocked

    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    runner = app.test_cli_runner()
    placed = runner.invoke(args=["storage", "legal-hold", str(doc_id)])
    assert placed.exit_code == 0 and "placed on 2 objects" in placed.output
    store = app.extensions["khd.services"].store
    with app.extensions["khd.sessions"]() as s:
        row = s.get(Document, doc_id).pdf_object
        assert row.legal_hold
    with pytest.raises(ObjectLocked):
        store.delete_version(row.key, row.version_id)
    assert runner.invoke(args=["storage", "legal-hold", str(doc_id), "--off"]).exit_code == 0
    assert runner.invoke(args=["storage", "legal-hold", "999999"]).exit_code != 0
