"""Issue 14 item 17: a signed report is frozen (409) unless its signature is withdrawn with a reason;
a replacement never keeps a signature; both are audited."""
from __future__ import annotations

import io

from sqlalchemy import select

from khuyenhoc_docs.credentials import issue_demo_credential
from khuyenhoc_docs.models import AuditEvent, ReportObligation, User
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.factories import make_user
from tests.test_followup import first_report_year, issued_programme, jobs_app  # noqa: F401  (fixture)


def test_signed_report_is_frozen_until_the_signature_is_withdrawn(jobs_app):  # noqa: F811
    client = jobs_app.test_client()
    year = first_report_year()  # issuing creates the obligations, the first falls due after it
    doc_id, h, _ = issued_programme(client, jobs_app, period=f"{year} – {year + 4}")
    make_user(jobs_app, "vanthu.gt", "Hội Khuyến học huyện Giồng Trôm", "clerk")
    make_user(jobs_app, "vanthu.bt", "Hội Khuyến học huyện Ba Tri", "clerk")
    chair_id = make_user(jobs_app, "chutich.gt", "Hội Khuyến học huyện Giồng Trôm", "chair", full_name="Võ Văn Tài")
    svc = jobs_app.extensions["khd.services"]
    with jobs_app.extensions["khd.sessions"]() as s:
        issue_demo_credential(s, svc.demo_pki.ca, s.get(User, chair_id), DEMO_PASSWORD)
        s.commit()
    items = client.get(f"/api/v1/reports?year={year}", headers=h).get_json()["items"]
    rid = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Giồng Trôm")["id"]
    clerk, chair = api_token(client, "vanthu.gt"), api_token(client, "chutich.gt")
    report_pdf = client.get(f"/api/v1/documents/{doc_id}/file?version=1", headers=h).data
    other_pdf = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data

    def submit(data: bytes):
        return client.post(f"/api/v1/reports/{rid}/submission", headers=clerk, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), "bao-cao.pdf")})

    assert submit(report_pdf).status_code == 201
    assert client.post(f"/api/v1/reports/{rid}/sign", headers=chair, json={"secret": DEMO_PASSWORD}).status_code == 200
    with jobs_app.extensions["khd.sessions"]() as s:
        signed = s.get(ReportObligation, rid)
        object_before, signed_before = signed.object_id, signed.signed_object_id

    swap = submit(other_pdf)
    assert swap.status_code == 409 and "thu hồi chữ ký" in swap.get_json()["error"]["message"]
    with jobs_app.extensions["khd.sessions"]() as s:
        o = s.get(ReportObligation, rid)
        assert (o.object_id, o.signed_object_id) == (object_before, signed_before)

    url = f"/api/v1/reports/{rid}/sign/withdrawal"
    assert client.post(url, headers=clerk, json={"reason": "x"}).status_code == 422  # a real reason is needed
    assert client.post(url, headers=api_token(client, "vanthu.bt"), json={"reason": "Sai tệp báo cáo"}).status_code == 403
    done = client.post(url, headers=clerk, json={"reason": "Nộp nhầm bản chưa cập nhật số liệu"})
    assert done.status_code == 200 and done.get_json()["signed_at"] is None
    assert client.post(url, headers=clerk, json={"reason": "Lần nữa cho chắc"}).status_code == 409  # nothing left

    assert submit(other_pdf).status_code == 201
    with jobs_app.extensions["khd.sessions"]() as s:
        o = s.get(ReportObligation, rid)
        assert o.object_id != object_before and o.signed_at is None and o.signed_object_id is None
        events = s.scalars(select(AuditEvent).where(AuditEvent.action.in_(
            ["report_signature_withdraw", "report_submit"])).order_by(AuditEvent.id)).all()
    withdraw = next(e for e in events if e.action == "report_signature_withdraw")
    assert withdraw.details["reason"] == "Nộp nhầm bản chưa cập nhật số liệu" and withdraw.details["sha256"]
    assert events[-1].action == "report_submit" and events[-1].details["replaced"] is True


def test_the_dashboard_offers_withdrawal_with_a_reason(jobs_app):  # noqa: F811
    client = jobs_app.test_client()
    year = first_report_year()  # issuing creates the obligations, the first falls due after it
    doc_id, h, _ = issued_programme(client, jobs_app, period=f"{year} – {year + 4}")
    make_user(jobs_app, "vanthu.gt", "Hội Khuyến học huyện Giồng Trôm", "clerk")
    chair_id = make_user(jobs_app, "chutich.gt", "Hội Khuyến học huyện Giồng Trôm", "chair", full_name="Võ Văn Tài")
    svc = jobs_app.extensions["khd.services"]
    with jobs_app.extensions["khd.sessions"]() as s:
        issue_demo_credential(s, svc.demo_pki.ca, s.get(User, chair_id), DEMO_PASSWORD)
        s.commit()
    items = client.get(f"/api/v1/reports?year={year}", headers=h).get_json()["items"]
    rid = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Giồng Trôm")["id"]
    pdf = client.get(f"/api/v1/documents/{doc_id}/file?version=1", headers=h).data
    assert client.post(f"/api/v1/reports/{rid}/submission", headers=api_token(client, "vanthu.gt"),
                       content_type="multipart/form-data",
                       data={"file": (io.BytesIO(pdf), "bao-cao.pdf")}).status_code == 201
    assert client.post(f"/api/v1/reports/{rid}/sign", headers=api_token(client, "chutich.gt"),
                       json={"secret": DEMO_PASSWORD}).status_code == 200
    browser = jobs_app.test_client()
    login(browser, "chutich.gt")
    page = browser.get(f"/reports?year={year}").get_data(as_text=True)
    assert "Thu hồi chữ ký" in page and 'name="reason"' in page
    resp = browser.post(f"/reports/{rid}/sign/withdrawal",
                        data={"csrf_token": csrf_token(browser, f"/reports?year={year}"), "reason": "Ký nhầm bản"})
    assert resp.status_code == 302
    with jobs_app.extensions["khd.sessions"]() as s:
        assert s.get(ReportObligation, rid).signed_at is None
