"""Issue 14, "what users hit", continued: the findings on issued programmes, yearly reports and
dispatches (items 4, 5, 10, 13, 25); the page and form findings are in test_user_findings.py."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from khuyenhoc_docs.models import Document
from tests.conftest import api_token, csrf_token, login
from tests.flow import seal_both
from tests.test_signing_flow import sign

# -- items 4, 5, 10, 13, 25: issued programmes, reports, dispatches -----------------------------

def _issued_programme(app, client, period: str, issue_date=None) -> tuple[int, dict]:
    """The demo programme with ``period``, signed and issued on paper to all its recipients."""
    from khuyenhoc_docs.recipients import document_recipients

    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    fields["period"] = period
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields}).status_code == 200
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    for chair in ("chutich.hkh", "phobithu.td"):
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)
    with app.extensions["khd.sessions"]() as s:
        if issue_date is not None:
            s.get(Document, doc_id).issue_date = issue_date
            s.commit()
        rids = [r.id for r in document_recipients(s, doc_id)]
    resp = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={"channels": {str(r): "paper" for r in rids}})
    assert resp.status_code == 201, resp.get_json()
    return doc_id, h


def _obligation_count(app) -> int:
    from sqlalchemy import func

    from khuyenhoc_docs.models import ReportObligation

    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(ReportObligation))


def test_item25_reading_reports_writes_nothing_and_issuing_creates_obligations(app, client):
    from khuyenhoc_docs.workflow.submission import today_vn

    year = today_vn().year
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    fields["period"] = f"{year} – {year + 4}"
    client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields})
    client.post(f"/api/v1/documents/{doc_id}/submit", headers=h)
    for chair in ("chutich.hkh", "phobithu.td"):
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)
    login(client, "luutru")
    for y in (year, year + 1):
        assert client.get(f"/reports?year={y}").status_code == 200
        client.get(f"/api/v1/reports?year={y}", headers=api_token(client, "luutru"))
        client.get(f"/api/v1/reports?year={y}", headers=h)
    assert _obligation_count(app) == 0  # a signed programme read by anyone: no rows written
    issued = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={
        "channels": {str(r): "paper" for r in _recipient_ids(app, doc_id)}})
    assert issued.status_code == 201
    assert _obligation_count(app) >= 9 * 4  # every unit, each year whose deadline follows the issue


def _recipient_ids(app, doc_id: int) -> list[int]:
    from khuyenhoc_docs.recipients import document_recipients

    with app.extensions["khd.sessions"]() as s:
        return [r.id for r in document_recipients(s, doc_id)]


def test_item5_first_deadline_after_issue_and_only_permitted_actions(app, client):
    from datetime import date

    from khuyenhoc_docs.workflow.submission import today_vn
    from tests.factories import make_user

    y = today_vn().year - 1
    _issued_programme(app, client, f"{y} – {y + 4}", issue_date=date(y, 12, 2))
    province = api_token(client, "vanthu")
    assert client.get(f"/api/v1/reports?year={y}", headers=province).get_json()["items"] == []  # 15/11/y preceded it
    items = client.get(f"/api/v1/reports?year={y + 1}", headers=province).get_json()["items"]
    assert len(items) == 9 and {i["due_date"] for i in items} == {f"{y + 1}-11-15"}
    login(client, "vanthu")
    page = client.get(f"/reports?year={y + 1}").get_data(as_text=True)
    assert "Nộp</button>" not in page and "Mẫu báo cáo" not in page and 'name="file"' not in page
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    unit = app.test_client()
    login(unit, "vanthu.ct")
    page = unit.get(f"/reports?year={y + 1}").get_data(as_text=True)
    assert page.count("Nộp</button>") == 1 and page.count("Mẫu báo cáo") == 1
    mine = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Châu Thành")
    pdf = client.get(f"/api/v1/documents/{mine['programme_id']}/file", headers=province).data
    token = csrf_token(unit, f"/reports?year={y + 1}")
    assert unit.post("/reports", data={"csrf_token": token, "obligation_id": mine["id"], "year": y + 1,
                                       "file": (io.BytesIO(pdf), "báo-cáo-châu-thành.pdf")},
                     content_type="multipart/form-data").status_code == 302
    page = client.get(f"/reports?year={y + 1}").get_data(as_text=True)
    link = re.search(r'<a class="report-file" href="([^"]+)">báo-cáo-châu-thành.pdf</a>', page)
    assert link, page
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.data == pdf
    make_user(app, "vanthu.bt", "Hội Khuyến học huyện Ba Tri", "clerk")
    other = app.test_client()
    login(other, "vanthu.bt")
    assert other.get(link.group(1)).status_code == 404


def test_item10_bad_uploads_show_the_form_again_with_the_message(app, client):
    login(client, "vanthu")
    token = csrf_token(client, "/verify")
    resp = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(b"just text"), "note.txt")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Lỗi 422" not in html
    assert 'name="file"' in html and 'id="verify-error"' in html and "PDF" in html.split('id="verify-error"')[1]

    from datetime import date

    from khuyenhoc_docs.workflow.submission import today_vn
    from tests.factories import make_user

    y = today_vn().year - 1
    _issued_programme(app, client, f"{y} – {y + 4}", issue_date=date(y, 12, 2))
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    unit = app.test_client()
    login(unit, "vanthu.ct")
    oid = re.search(r'name="obligation_id" value="(\d+)"', unit.get(f"/reports?year={y + 1}").get_data(as_text=True))
    token = csrf_token(unit, f"/reports?year={y + 1}")
    resp = unit.post("/reports", data={"csrf_token": token, "obligation_id": oid.group(1), "year": y + 1,
                                       "file": (io.BytesIO(b"just text"), "bao-cao.txt")},
                     content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Lỗi 422" not in html
    assert f'id="report-error-{oid.group(1)}"' in html and 'type="file"' in html


def test_item13_reissuing_offers_only_recipients_not_yet_sent_to(app, client):
    doc_id, _ = _issued_programme(app, client, "2026 – 2030")
    login(client, "vanthu")
    page = client.get(f"/documents/{doc_id}/dispatches").get_data(as_text=True)
    assert 'name="channel_' not in page and "không còn nơi nhận nào để gửi" in page
    token = csrf_token(client, f"/documents/{doc_id}/dispatches")
    again = client.post(f"/documents/{doc_id}/issue", data={"csrf_token": token}, follow_redirects=True)
    assert "tới 0 nơi nhận" not in again.get_data(as_text=True)
    assert "Không còn nơi nhận nào chưa được gửi" in again.get_data(as_text=True)


def test_item4_cascaded_drafts_take_the_parents_period(data_dir):
    from tests.conftest import make_app

    app = make_app(data_dir, jobs_immediate=True)
    try:
        client = app.test_client()
        doc_id, h = _issued_programme(app, client, "2026 – 2030")
        parent = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
        job = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={}).get_json()
        created = client.get(f"/api/v1/jobs/{job['id']}", headers=h).get_json()["result"]["created"]
        assert len(created) == 9
        for child_id in created[:3]:
            child = client.get(f"/api/v1/documents/{child_id}", headers=h).get_json()
            f = child["fields"]
            assert "giai đoạn 2026 – 2030" in child["title"] and "2018" not in child["title"]
            assert f["period"] == "2026 – 2030"
            assert "2018 – 2020" not in " ".join((f["summary"], f["preamble"], f["closing"]))
            assert f["report_deadline"] == parent["report_deadline"]
    finally:
        app.extensions["khd.engine"].dispose()
