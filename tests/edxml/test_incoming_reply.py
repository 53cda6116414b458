"""Trả lời: a reply draft cites the incoming document, goes back to its sender over edXML once issued."""
from __future__ import annotations

from sqlalchemy import func, select

from khuyenhoc_docs import edxml
from khuyenhoc_docs.models import Document, Recipient
from khuyenhoc_docs.recipients import document_recipients
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.edxml.test_incoming import outbox, post, signed_package
from tests.flow import api_token, seal_both, sign_both, submit
from tests.test_drafting_flow import pdftext

OPENING = ("Phúc đáp văn bản số 40/CTPH-HKVN-ĐTNCSHCM, ngày 19/9/2026 của Hội Khuyến học Việt Nam về việc "
           "phối hợp hoạt động khuyến học")
DOCUMENT_ID = "000.00.00.G22,2026/09/19,40/CTPH-HKVN-ĐTNCSHCM"


def counts(app) -> tuple[int, int]:
    with app.extensions["khd.sessions"]() as s:
        return (s.scalar(select(func.count()).select_from(Document)),
                s.scalar(select(func.count()).select_from(Recipient)))


def test_reply_is_a_draft_to_the_sender_and_goes_back_over_edxml(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (incoming_id,) = post(client, h, signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    before = counts(exchange_app)
    for who in ("chutich.hkh", "vanthu.td", "luutru"):
        assert client.post(f"/api/v1/incoming/{incoming_id}/reply", headers=api_token(client, who),
                           json={}).status_code == 403
    bad = client.post(f"/api/v1/incoming/{incoming_id}/reply", headers=h, json={"recipient_ids": [999999]})
    assert bad.status_code == 422 and counts(exchange_app) == before  # nothing written, not even the sender entry
    resp = client.post(f"/api/v1/incoming/{incoming_id}/reply", headers=h, json={})
    assert resp.status_code == 201, resp.get_json()
    (reply_id,) = resp.get_json()["document_ids"]
    doc = client.get(f"/api/v1/documents/{reply_id}", headers=h).get_json()
    assert doc["status"] == "draft" and doc["answers_incoming_id"] == incoming_id
    assert doc["lead_org"] == "Hội Khuyến học tỉnh Bến Tre" and doc["fields"]["recipients"][0] == "Hội Khuyến học Việt Nam"
    assert OPENING in " ".join(pdftext(client.get(f"/api/v1/documents/{reply_id}/file", headers=h).data).split())
    with exchange_app.extensions["khd.sessions"]() as s:
        linked = document_recipients(s, reply_id)
        assert [(r.name, r.code) for r in linked][:1] == [("Hội Khuyến học Việt Nam", "000.00.00.G22")]
    detail = client.get(f"/api/v1/incoming/{incoming_id}", headers=h).get_json()
    assert [d["id"] for d in detail["replies"]] == [reply_id] and detail["documents"] == []
    # a second reply reuses the sender's directory entry
    second = client.post(f"/api/v1/incoming/{incoming_id}/reply", headers=h, json={}).get_json()["document_ids"][0]
    assert counts(exchange_app)[1] == before[1] + 1
    # the normal path: submit → both chairs sign → both clerks seal → issue; the sender gets it over edXML
    submit(client, reply_id)
    sign_both(client, reply_id)
    seal_both(client, reply_id)
    issued = client.post(f"/api/v1/documents/{reply_id}/issue", headers=h, json={"secret": DEMO_PASSWORD})
    assert issued.status_code == 201, issued.get_json()
    edx = [d for d in issued.get_json()["items"] if d["channel"] == "edxml"]
    assert [d["recipient"] for d in edx] == ["Hội Khuyến học Việt Nam"]
    packages = [m for m in outbox(exchange_app) if b"edXMLEnvelope" in m and b"<edXML:Status>" not in m]
    pkg, _ = edxml.open_package(packages[-1])
    assert [o.organ_id for o in pkg.header.recipients] == ["000.00.00.G22"]
    assert pkg.header.response_for is not None and pkg.header.response_for.document_id == DOCUMENT_ID
    # the browser: the incoming page offers Trả lời and lists both replies; the reply names what it answers
    login(client, "vanthu")
    page = client.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    assert "Trả lời" in page and "Văn bản trả lời" in page
    assert f'href="/documents/{reply_id}"' in page and f'href="/documents/{second}"' in page
    reply_page = client.get(f"/documents/{reply_id}").get_data(as_text=True)
    assert "Trả lời văn bản đến số" in reply_page and f'href="/incoming/{incoming_id}"' in reply_page
    token = csrf_token(client, f"/incoming/{incoming_id}")
    form = client.post(f"/incoming/{incoming_id}/reply", data={"csrf_token": token})
    assert form.status_code == 302 and form.headers["Location"].endswith("/edit")
