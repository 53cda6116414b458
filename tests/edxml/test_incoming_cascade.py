"""Triển khai from a received document: programmes for the receiving organisation and its units cite it."""
from __future__ import annotations

from sqlalchemy import select

from khuyenhoc_docs.models import Organisation
from tests.conftest import api_token, csrf_token, login
from tests.edxml.test_incoming import post, signed_package
from tests.test_drafting_flow import pdftext

CITATION = ("Thực hiện chương trình số 40/CTPH-HKVN-ĐTNCSHCM, ngày 19/9/2026 của Hội Khuyến học Việt Nam "
            "về việc phối hợp hoạt động khuyến học")


def org_id(app, name: str) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == name))


def flat(text: str) -> str:
    return " ".join(text.split())


def test_cascade_from_an_incoming_document(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (incoming_id,) = post(client, h, signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    district = org_id(exchange_app, "Hội Khuyến học huyện Châu Thành")
    # only the receiving organisation's clerk; only its direct units
    assert client.post(f"/api/v1/incoming/{incoming_id}/cascade", headers=api_token(client, "chutich.hkh"),
                       json={"own": True}).status_code == 403
    assert client.post(f"/api/v1/incoming/{incoming_id}/cascade", headers=api_token(client, "vanthu.td"),
                       json={"own": True}).status_code == 403
    bad = client.post(f"/api/v1/incoming/{incoming_id}/cascade", headers=h, json={"unit_ids": [999999]})
    assert bad.status_code == 422
    resp = client.post(f"/api/v1/incoming/{incoming_id}/cascade", headers=h,
                       json={"own": True, "unit_ids": [district]})
    assert resp.status_code == 202, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "done" and len(body["document_ids"]) == 2, body
    own_id, unit_id = body["document_ids"]
    own = client.get(f"/api/v1/documents/{own_id}", headers=h).get_json()
    unit = client.get(f"/api/v1/documents/{unit_id}", headers=h).get_json()
    assert own["kind"] == "programme_province" and own["lead_org"] == "Hội Khuyến học tỉnh Bến Tre"
    assert unit["kind"] == "programme_district" and unit["lead_org"] == "Hội Khuyến học huyện Châu Thành"
    for doc in (own, unit):
        assert doc["basis_incoming_id"] == incoming_id and doc["parent_id"] is None and doc["status"] == "draft"
        text = flat(pdftext(client.get(f"/api/v1/documents/{doc['id']}/file", headers=h).data))
        assert CITATION in text, text[:800]
    # a second run skips what exists; the incoming document lists its programmes
    again = client.post(f"/api/v1/incoming/{incoming_id}/cascade", headers=h,
                        json={"own": True, "unit_ids": [district]}).get_json()
    assert again["document_ids"] == []
    job = client.get(f"/api/v1/jobs/{again['job_id']}", headers=h).get_json()
    assert sorted(job["result"]["skipped"]) == sorted([org_id(exchange_app, "Hội Khuyến học tỉnh Bến Tre"), district])
    detail = client.get(f"/api/v1/incoming/{incoming_id}", headers=h).get_json()
    assert [d["id"] for d in detail["documents"]] == [own_id, unit_id] and detail["replies"] == []
    # the browser: the incoming page offers Triển khai and lists the drafts; a draft names its basis
    login(client, "vanthu")
    page = client.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    assert "Triển khai" in page and "Hội Khuyến học huyện Châu Thành" in page
    assert f'href="/documents/{own_id}"' in page and "Văn bản triển khai" in page
    doc_page = client.get(f"/documents/{unit_id}").get_data(as_text=True)
    assert "Triển khai văn bản đến số" in doc_page and f'href="/incoming/{incoming_id}"' in doc_page
    token = csrf_token(client, f"/incoming/{incoming_id}")
    form = client.post(f"/incoming/{incoming_id}/cascade", data={"own": "1", "csrf_token": token})
    assert form.status_code == 302 and "/jobs/" in form.headers["Location"]
    chair = exchange_app.test_client()
    login(chair, "chutich.hkh")
    assert chair.post(f"/incoming/{incoming_id}/cascade", data={"own": "1", "csrf_token": csrf_token(chair, "/account/password")}
                      ).status_code == 403
