"""Issuing a signed document: real SMTP server, acknowledgement links, retries, outgoing register."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from khuyenhoc_docs.db import utcnow
from khuyenhoc_docs.distribution.tokens import make_token
from khuyenhoc_docs.models import Dispatch, Recipient
from khuyenhoc_docs.signing.validation import validate_pdf
from tests.conftest import DEMO_PASSWORD, api_token, make_app
from tests.flow import seal_both
from tests.services.smtp import SmtpServer

LINK_RE = re.compile(r"http://[^\s]+/r/([A-Za-z0-9_\-=.]+)")


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_app(data_dir, smtp):
    app = make_app(data_dir, smtp_host=smtp.host, smtp_port=smtp.port, smtp_timeout=3.0, jobs_immediate=True)
    yield app
    app.extensions["khd.engine"].dispose()


def signed_doc(client) -> tuple[int, dict]:
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    for chair in ("chutich.hkh", "phobithu.td"):
        r = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, chair), json={"secret": DEMO_PASSWORD})
        assert r.status_code == 200, r.get_json()
    assert client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={}).status_code == 409  # not sealed yet
    seal_both(client, doc_id)
    return doc_id, h


def test_issue_emails_every_recipient_once_with_a_valid_signed_pdf(mail_app, smtp):
    client = mail_app.test_client()
    doc_id, h = signed_doc(client)
    resp = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    assert resp.status_code == 201, resp.get_json()
    items = resp.get_json()["items"]
    assert len(items) == 9 and {d["status"] for d in items} == {"sent"}
    messages = smtp.messages()
    assert len(messages) == 9
    msg = messages[0]
    assert "01/CTPH-HKH-TĐ" in msg["Subject"]
    pdf = next(part for part in msg.iter_attachments()).get_content()
    roots = mail_app.extensions["khd.services"].trust_roots
    report = validate_pdf(pdf, trust_roots=roots)
    assert report.ok and len(report.signatures) == 4  # two chairs, two organisations
    again = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    assert again.status_code == 201 and len(smtp.messages()) == 9  # nothing sent twice by accident
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
    assert doc["status"] == "issued"


def test_acknowledgement_link_download_and_confirm(mail_app, smtp):
    client = mail_app.test_client()
    doc_id, h = signed_doc(client)
    client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    body = smtp.messages()[0].get_body(preferencelist=("plain",)).get_content()
    token = LINK_RE.search(body).group(1)
    anon = mail_app.test_client()
    page = anon.get(f"/r/{token}")
    assert page.status_code == 200 and "Đã nhận" in page.get_data(as_text=True)
    pdf = anon.get(f"/r/{token}/file")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    confirmed = anon.post(f"/r/{token}/ack", data={"csrf_token": csrf})
    assert confirmed.status_code == 200 and "Đã xác nhận" in confirmed.get_data(as_text=True)
    rows = client.get(f"/api/v1/documents/{doc_id}/dispatches", headers=h).get_json()["items"]
    acked = [d for d in rows if d["status"] == "acknowledged"]
    assert len(acked) == 1 and acked[0]["first_download_at"] and acked[0]["acknowledged_at"]


def test_forged_and_expired_links_are_refused(mail_app):
    client = mail_app.test_client()
    forged = client.get("/r/AAAAxxxxBBBB")
    assert forged.status_code == 404
    secret = mail_app.extensions["khd.services"].link_secret
    expired = make_token(secret, 1, utcnow() - timedelta(seconds=1))
    resp = client.get(f"/r/{expired}")
    assert resp.status_code == 404 and "hết hạn" in resp.get_data(as_text=True)
    other = make_token(b"x" * 32, 1, utcnow() + timedelta(days=1))
    assert client.get(f"/r/{other}").status_code == 404


def test_unsigned_document_and_missing_addresses_are_refused(mail_app, smtp):
    client = mail_app.test_client()
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={}).status_code == 409
    doc_id, h = signed_doc(client)
    with mail_app.extensions["khd.sessions"]() as s:
        rec = s.scalar(select(Recipient).where(Recipient.name == "VP Tỉnh ủy"))
        rec.email = ""
        rec_id = rec.id
        s.commit()
    resp = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={"channels": {str(rec_id): "email"}})
    assert resp.status_code == 422 and "VP Tỉnh ủy" in resp.get_json()["error"]["message"]
    assert smtp.messages() == []
    paper = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={"channels": {str(rec_id): "paper"}})
    assert paper.status_code == 201 and len(smtp.messages()) == 8


def test_smtp_down_fails_with_reason_then_resend_succeeds(mail_app, smtp):
    client = mail_app.test_client()
    doc_id, h = signed_doc(client)
    smtp.stop()
    items = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={}).get_json()["items"]
    assert {d["status"] for d in items} == {"failed"} and all(d["last_error"] for d in items)
    smtp.start()
    one = client.post(f"/api/v1/dispatches/{items[0]['id']}/resend", headers=h)
    assert one.status_code == 200 and one.get_json()["status"] == "sent"
    login_page = client.get("/login")  # the UI "resend all" is a form post with CSRF
    assert login_page.status_code == 200
    with mail_app.extensions["khd.sessions"]() as s:
        failed = s.scalars(select(Dispatch.status).where(Dispatch.document_id == doc_id)).all()
    assert sorted(failed).count("sent") == 1 and len(smtp.messages()) == 1


def test_outgoing_register_json_xlsx_csv(mail_app, smtp):
    client = mail_app.test_client()
    doc_id, h = signed_doc(client)
    client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    year = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["issue_date"][:4]
    data = client.get(f"/api/v1/register?year={year}", headers=h).get_json()
    row = data["items"][0]
    assert row["doc_number"] == "01/CTPH-HKH-TĐ" and row["signers"] == ["Lâm Như Quỳnh", "Đặng Thị Hoa"]
    assert row["acknowledged"] == "0/9 đã nhận" and row["copies"] == 10
    xlsx = client.get(f"/api/v1/register?year={year}&format=xlsx", headers=h)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert any(c.value == "01/CTPH-HKH-TĐ" for row_cells in sheet.iter_rows() for c in row_cells)
    csv = client.get(f"/api/v1/register?year={year}&format=csv", headers=h)
    assert csv.data.startswith(b"\xef\xbb\xbf") and "01/CTPH-HKH-TĐ" in csv.data.decode("utf-8-sig")
    assert client.get(f"/api/v1/register?year={year}", headers=api_token(client, "chutich.hkh")).status_code == 403


def test_issuing_pages_in_the_ui(mail_app, smtp):
    from tests.conftest import csrf_token, login

    client = mail_app.test_client()
    doc_id, _ = signed_doc(client)
    login(client, "vanthu")
    page = client.get(f"/documents/{doc_id}/dispatches").get_data(as_text=True)
    assert "Ban TNTH TW" in page and "Phát hành" in page
    issued = client.post(f"/documents/{doc_id}/issue", data={"csrf_token": csrf_token(client, f"/documents/{doc_id}")})
    assert issued.status_code == 302
    progress = client.get(f"/documents/{doc_id}/dispatches").get_data(as_text=True)
    assert "Tiến độ: 9/9 đã gửi" in progress
    register = client.get("/register").get_data(as_text=True)
    assert "01/CTPH-HKH-TĐ" in register and "Sổ đăng ký văn bản đi" in register
    directory = client.get("/recipients").get_data(as_text=True)
    assert "Nơi nhận chương trình phối hợp cấp tỉnh" in directory


def test_link_channel_without_email_is_handed_over_by_the_clerk(mail_app, smtp):
    from tests.conftest import login

    client = mail_app.test_client()
    doc_id, h = signed_doc(client)
    with mail_app.extensions["khd.sessions"]() as s:
        rec = s.scalar(select(Recipient).where(Recipient.name == "Ban dân vận Tỉnh ủy"))
        rec.email = ""
        rec_id = rec.id
        s.commit()
    items = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h,
                        json={"channels": {str(rec_id): "link"}}).get_json()["items"]
    by_hand = next(d for d in items if d["recipient_id"] == rec_id)
    assert by_hand["status"] == "sent" and by_hand["channel"] == "link"
    assert len(smtp.messages()) == 8
    login(client, "vanthu")
    page = client.get(f"/documents/{doc_id}/dispatches").get_data(as_text=True)
    link = re.search(r'class="ack-link">([^<]+)<', page).group(1)
    anon = mail_app.test_client()
    assert anon.get(link.replace("http://127.0.0.1:5000", "")).status_code == 200
