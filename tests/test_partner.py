"""Issue 14 item 16: the partner must be the lead's counterpart at the same level; the partner's clerks
view the document, only the lead's clerks edit, submit and withdraw it."""
from __future__ import annotations

import re

from sqlalchemy import select

from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import Document, Organisation
from tests.conftest import api_token, login
from tests.factories import make_user


def _org_id(app, name: str) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == name))


def test_a_district_clerk_cannot_pick_a_province_or_another_districts_partner(app, client):
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    h = api_token(client, "vanthu.ct")
    fields = reference_fields().to_dict()
    for wrong in ("Tỉnh đoàn Bến Tre", "Huyện đoàn Ba Tri", "Hội Khuyến học huyện Ba Tri", "Đoàn xã Tam Phước"):
        resp = client.post("/api/v1/documents", headers=h, json={
            "kind": "agreement", "fields": fields, "partner_org_id": _org_id(app, wrong)})
        assert resp.status_code == 422, wrong
        assert "partner_org_id" in resp.get_json()["error"]["fields"]
    with app.extensions["khd.sessions"]() as s:
        lead = _org_id(app, "Hội Khuyến học huyện Châu Thành")
        assert s.scalar(select(Document.id).where(Document.lead_org_id == lead)) is None  # nothing written
    ok = client.post("/api/v1/documents", headers=h, json={
        "kind": "agreement", "fields": fields, "partner_org_id": _org_id(app, "Huyện đoàn Châu Thành")})
    assert ok.status_code == 201


def test_the_drafting_form_offers_only_counterparts(app, client):
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    login(client, "vanthu.ct")
    html = client.get("/documents/new").get_data(as_text=True)
    select_html = re.search(r'<select name="partner_org_id">(.*?)</select>', html, re.S).group(1)
    assert "Huyện đoàn Châu Thành" in select_html
    assert "Tỉnh đoàn Bến Tre" not in select_html and "Huyện đoàn Ba Tri" not in select_html


def test_partner_clerks_view_but_only_lead_clerks_edit_submit_withdraw(app, client):
    # vanthu.td (demo): the clerk of Tỉnh đoàn Bến Tre, the demo programme's partner.
    lead, partner = api_token(client, "vanthu"), api_token(client, "vanthu.td")
    doc_id = client.get("/api/v1/documents", headers=lead).get_json()["items"][0]["id"]
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=partner)
    assert doc.status_code == 200  # the partner's clerk sees the document
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=partner,
                        json={"fields": doc.get_json()["fields"]}).status_code == 403
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=partner).status_code == 403
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=lead).status_code == 200
    reason = {"reason": "Thu hồi để sửa nội dung phối hợp."}
    assert client.post(f"/api/v1/documents/{doc_id}/withdraw", headers=partner, json=reason).status_code == 403
    assert client.post(f"/api/v1/documents/{doc_id}/withdraw", headers=lead, json=reason).status_code == 200
