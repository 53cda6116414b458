"""Final (sealed) records get a document timestamp (B-LTA); `archive refresh` extends it, once; the
verification API answers at a past or future time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from khuyenhoc_docs.models import AuditEvent, Document, StoredObject
from khuyenhoc_docs.signing.ltv import timestamp_chain
from khuyenhoc_docs.workflow import objects
from tests.flow import seal_both
from tests.test_signing_flow import CHAIRS, current_pdf, sign, submitted


def _signed(client) -> tuple[int, dict]:
    doc_id, h = submitted(client)
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)  # sealing makes the record final: its first document timestamp
    return doc_id, h


def test_archive_refresh_twice_adds_exactly_one_timestamp(app, client):
    doc_id, h = _signed(client)
    kinds = [t.kind for t in timestamp_chain(current_pdf(client, doc_id, h))]
    assert kinds == ["signature"] * 4 + ["document"]
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        before = s.get(Document, doc_id).pdf_object
        before_key, before_version, before_sha = before.key, before.version_id, before.sha256
    runner = app.test_cli_runner()
    # the signing TSA's certificate (10 years) expires within the horizon; the archive TSA's does not
    first = runner.invoke(args=["archive", "refresh", "--horizon-days", "4000"])
    assert first.exit_code == 0 and "timestamps added: 1" in first.output, first.output
    second = runner.invoke(args=["archive", "refresh", "--horizon-days", "4000"])
    assert second.exit_code == 0 and "timestamps added: 0" in second.output, second.output
    # default horizon (365 days): nothing is due
    assert "timestamps added: 0" in runner.invoke(args=["archive", "refresh"]).output

    pdf = current_pdf(client, doc_id, h)
    chain = timestamp_chain(pdf)
    assert [t.kind for t in chain].count("document") == 2 and "lưu trữ" in chain[-1].tsa
    with app.extensions["khd.sessions"]() as s:
        doc = s.get(Document, doc_id)
        assert doc.pdf_object.key == before_key and doc.pdf_object.version_id != before_version
        # the earlier, locked version is still there, unchanged
        old = s.scalar(select(StoredObject).where(StoredObject.key == before_key,
                                                  StoredObject.version_id == before_version))
        assert objects.read(svc.store, old)[:len(pdf)] != pdf and old.sha256 == before_sha
        assert old.retain_until is not None and doc.pdf_object.retain_until is not None
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "archive_timestamp", AuditEvent.object_id == doc_id))
        assert events == 1
    report = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
    assert report["ok"] and len(report["document_timestamps"]) == 2, report


def test_verification_at_a_past_or_future_time(app, client):
    doc_id, h = _signed(client)
    assert app.test_cli_runner().invoke(args=["archive", "refresh", "--horizon-days", "4000"]).exit_code == 0
    later = (datetime.now(UTC) + timedelta(days=365 * 11)).date().isoformat()
    report = client.get(f"/api/v1/documents/{doc_id}/verification?at={later}", headers=h).get_json()
    assert report["ok"], report["summary"]
    assert report["validated_at"].startswith(later)
    assert all(s["level"] == "B-LTA" for s in report["signatures"])
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    before = client.get(f"/api/v1/documents/{doc_id}/verification?at={yesterday}", headers=h).get_json()
    assert before["ok"] is False
    bad = client.get(f"/api/v1/documents/{doc_id}/verification?at=mai-kia", headers=h)
    assert bad.status_code == 422 and "Thời điểm kiểm tra" in bad.get_json()["error"]["message"]
