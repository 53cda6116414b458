"""Archive: evidence package, audit trail verification, archivists read-only within their scope."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

from sqlalchemy import select, update

from khuyenhoc_docs.models import AuditEvent
from tests.conftest import api_token, login
from tests.factories import make_user
from tests.flow import seal_both
from tests.test_signing_flow import sign, submitted


def signed(client) -> tuple[int, dict]:
    """A document of record: both chairs signed, both organisations sealed (number given at sealing)."""
    doc_id, h = submitted(client)
    for chair in ("chutich.hkh", "phobithu.td"):
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)
    return doc_id, h


def test_evidence_zip_contents_and_hashes(app, client):
    doc_id, _ = signed(client)
    h = api_token(client, "luutru")
    resp = client.get(f"/api/v1/documents/{doc_id}/evidence.zip", headers=h)
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    names = set(zf.namelist())
    assert {"01-CTPH-HKH-TĐ.pdf", "validation-report.json", "validation-report.html", "audit-events.json",
            "metadata.json", "manifest.json", "SHA256SUMS"} <= names
    manifest = json.loads(zf.read("manifest.json"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256(zf.read(name)).hexdigest() == digest
    pdf = zf.read("01-CTPH-HKH-TĐ.pdf")
    stored = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    assert pdf == stored  # the exact signed bytes
    report = json.loads(zf.read("validation-report.json"))
    assert report["ok"] and len(report["signatures"]) == 4
    html = zf.read("validation-report.html").decode()
    assert "Đặng Thị Hoa" in html
    # the evidence states, in Vietnamese, the trust root, revocation (source), key usage and PAdES level
    assert "Khuyến học Bến Tre DEMO CA" in html and "Chưa bị thu hồi — nguồn OCSP" in html
    assert "Ký số" in html and "B-LTA" in html and "Dấu thời gian lưu trữ" in html
    actions = [e["action"] for e in json.loads(zf.read("audit-events.json"))]
    assert actions[:2] == ["create", "submit"] and actions.count("sign") == 2 and actions.count("seal") == 2
    assert "export" in actions
    meta = json.loads(zf.read("metadata.json"))
    assert meta["number"] == "01/CTPH-HKH-TĐ" and meta["page_count"] >= 2 and len(meta["signers"]) == 2


def test_audit_api_lists_the_documents_history(client):
    doc_id, _ = signed(client)
    h = api_token(client, "luutru")
    events = client.get(f"/api/v1/documents/{doc_id}/audit", headers=h).get_json()["items"]
    assert [e["action"] for e in events][:2] == ["create", "submit"]
    assert all(len(e["hash"]) == 64 for e in events)
    assert events[1]["prev_hash"] != events[0]["prev_hash"]


def test_audit_verify_names_the_first_edited_event(app, client):
    signed(client)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "audit chain OK" in ok.output
    with app.extensions["khd.sessions"]() as s:
        victim = s.scalar(select(AuditEvent.id).where(AuditEvent.action == "submit"))
        s.execute(update(AuditEvent).where(AuditEvent.id == victim).values(ip="10.6.6.6"))
        s.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"BROKEN at event {victim}" in broken.output


def test_archivist_is_read_only(client):
    doc_id, _ = signed(client)
    h = api_token(client, "luutru")
    assert client.get(f"/api/v1/documents/{doc_id}", headers=h).status_code == 200
    assert client.post(f"/api/v1/documents/{doc_id}/withdraw", headers=h, json={"reason": "x"}).status_code == 403
    assert client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={}).status_code == 403
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": {}}).status_code == 403
    login(client, "luutru")
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "evidence-link" in page and "Sửa dự thảo" not in page and 'id="record-metadata"' in page


def test_archivist_of_a_district_does_not_see_province_records(app, client):
    doc_id, _ = signed(client)
    make_user(app, "luutru.ct", "Huyện đoàn Châu Thành", "archivist")
    h = api_token(client, "luutru.ct")
    assert client.get(f"/api/v1/documents/{doc_id}", headers=h).status_code == 403
    assert client.get(f"/api/v1/documents/{doc_id}/evidence.zip", headers=h).status_code == 403
    assert client.get("/api/v1/documents", headers=h).get_json()["total"] == 0


def test_download_headers_are_latin1_safe_with_vietnamese_names(client):
    from khuyenhoc_docs.web.downloads import content_disposition

    value = content_disposition("chung-cu-01-CTPH-HKH-TĐ.zip")
    value.encode("latin-1")  # what a real WSGI server must send
    assert "filename*=UTF-8''chung-cu-01-CTPH-HKH-T%C4%90.zip" in value and 'filename="chung-cu-01-CTPH-HKH-TD.zip"' in value
    doc_id, _ = signed(client)
    resp = client.get(f"/api/v1/documents/{doc_id}/evidence.zip", headers=api_token(client, "luutru"))
    resp.headers["Content-Disposition"].encode("latin-1")
