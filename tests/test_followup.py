"""Follow-up: cascade to the 9 districts, yearly report obligations, deadlines, reminders, durable jobs."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from khuyenhoc_docs.models import BackgroundJob, CascadeChild, Document, ReportObligation, StoredObject
from khuyenhoc_docs.workflow.reports import deadline_moment, obligation_status, send_reminders
from tests.conftest import DEMO_PASSWORD, api_token, make_app
from tests.factories import make_user
from tests.flow import seal_both
from tests.services.smtp import SmtpServer
from tests.test_drafting_flow import pdftext

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def signed_programme(client, period: str | None = None) -> tuple[int, dict, str]:
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    if period:
        fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
        fields["period"] = period
        assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields}).status_code == 200
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    for chair in ("chutich.hkh", "phobithu.td"):
        assert client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, chair),
                           json={"secret": DEMO_PASSWORD}).status_code == 200
    number = seal_both(client, doc_id)["doc_number"]  # numbered by the lead's clerk at sealing
    return doc_id, h, number


def issued_programme(client, app, period: str) -> tuple[int, dict, str]:
    """A signed programme issued on paper: issuing creates its yearly report obligations."""
    from khuyenhoc_docs.recipients import document_recipients

    doc_id, h, number = signed_programme(client, period)
    with app.extensions["khd.sessions"]() as s:
        rids = [r.id for r in document_recipients(s, doc_id)]
    resp = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={"channels": {str(r): "paper" for r in rids}})
    assert resp.status_code == 201, resp.get_json()
    return doc_id, h, number


def first_report_year() -> int:
    """The year of the first 15/11 deadline on or after today (a programme issued today reports then)."""
    today = datetime.now(VN).date()
    return today.year if today <= date(today.year, 11, 15) else today.year + 1


@pytest.fixture
def jobs_app(data_dir):
    app = make_app(data_dir, jobs_immediate=True)
    yield app
    app.extensions["khd.engine"].dispose()


def test_cascade_to_the_nine_districts_cites_the_parent_and_never_duplicates(jobs_app):
    client = jobs_app.test_client()
    h = api_token(client, "vanthu")
    draft_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    assert client.post(f"/api/v1/documents/{draft_id}/cascade", headers=h, json={}).status_code == 409
    doc_id, h, number = signed_programme(client)
    job = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={})
    assert job.status_code == 202, job.get_json()
    status = client.get(f"/api/v1/jobs/{job.get_json()['id']}", headers=h).get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 9, status
    children = status["result"]["created"]
    assert len(children) == 9
    issue_date = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["issue_date"]
    d = date.fromisoformat(issue_date)
    for child_id in children:
        child = client.get(f"/api/v1/documents/{child_id}", headers=h).get_json()
        assert child["kind"] == "programme_district" and child["parent_id"] == doc_id
        text = pdftext(client.get(f"/api/v1/documents/{child_id}/file", headers=h).data)
        assert f"Thực hiện chương trình phối hợp số {number}, ngày {d.day}/{d.month}/{d.year}" in text, text[:600]
        assert "Hội Khuyến học tỉnh Bến Tre và Tỉnh đoàn Bến Tre" in text
    leads = {client.get(f"/api/v1/documents/{c}", headers=h).get_json()["lead_org"] for c in children}
    assert "Hội Khuyến học huyện Châu Thành" in leads and "Hội Khuyến học thành phố Bến Tre" in leads
    again = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={}).get_json()
    rerun = client.get(f"/api/v1/jobs/{again['id']}", headers=h).get_json()
    assert rerun["result"] == {"created": [], "skipped": rerun["result"]["skipped"]}
    assert len(rerun["result"]["skipped"]) == 9
    with jobs_app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(CascadeChild)) == 9
        assert s.scalar(select(func.count()).where(Document.parent_id == doc_id)) == 9


def test_deadline_logic_in_vietnam_time_across_years():
    for year in (2025, 2026, 2027):
        due = date(year, 11, 15)
        moment = deadline_moment(due)
        assert moment == datetime(year, 11, 16, tzinfo=VN)
        o = ReportObligation(due_date=due, year=year, submitted_at=None, late=False)
        just_before = datetime(year, 11, 15, 23, 59, tzinfo=VN).astimezone(UTC)
        assert obligation_status(o, just_before) == "pending"
        assert obligation_status(o, moment.astimezone(UTC)) == "missing"
        # 16:59 UTC on 15/11 is 23:59 in Vietnam: still on time; 17:00 UTC is midnight: late
        assert datetime(year, 11, 15, 16, 59, tzinfo=UTC) < moment
        assert datetime(year, 11, 15, 17, 0, tzinfo=UTC) >= moment


def test_reports_dashboard_upload_late_and_bad_input(jobs_app):
    client = jobs_app.test_client()
    year = first_report_year()
    issued_programme(client, jobs_app, period=f"{year} – {year + 4}")
    make_user(jobs_app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    h_ct = api_token(client, "vanthu.ct")
    province = api_token(client, "vanthu")
    items = client.get(f"/api/v1/reports?year={year}", headers=province).get_json()["items"]
    assert len(items) == 9
    mine = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Châu Thành")
    other = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Ba Tri")
    with jobs_app.extensions["khd.sessions"]() as s:
        objects_before = s.scalar(select(func.count()).select_from(StoredObject))
    corrupt = client.post(f"/api/v1/reports/{mine['id']}/submission", headers=h_ct,
                          data={"file": (io.BytesIO(b"PK\x03\x04 not really a docx"), "bc.docx")},
                          content_type="multipart/form-data")
    assert corrupt.status_code == 422
    pdf = client.get(f"/api/v1/documents/{items[0]['programme_id']}/file", headers=province).data
    foreign = client.post(f"/api/v1/reports/{other['id']}/submission", headers=h_ct,
                          data={"file": (io.BytesIO(pdf), "bc.pdf")}, content_type="multipart/form-data")
    assert foreign.status_code == 403
    with jobs_app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(StoredObject)) == objects_before
    ok = client.post(f"/api/v1/reports/{mine['id']}/submission", headers=h_ct,
                     data={"file": (io.BytesIO(pdf), "bao-cao-2026.pdf")}, content_type="multipart/form-data")
    assert ok.status_code == 201
    expected_late = datetime.now(VN) >= deadline_moment(date(year, 11, 15))
    assert ok.get_json()["late"] is expected_late
    assert ok.get_json()["status"] == ("late" if expected_late else "on_time")
    totals = client.get(f"/api/v1/reports?year={year}", headers=province).get_json()["totals"]
    assert sum(totals.values()) == 9 and totals["late" if expected_late else "on_time"] == 1
    page = client.get(f"/reports?year={year}")
    assert page.status_code in (302, 401)  # the dashboard needs a browser session


def test_reminders_reach_the_real_smtp_server_once(jobs_app):
    client = jobs_app.test_client()
    year = first_report_year()
    issued_programme(client, jobs_app, period=f"{year} – {year + 4}")  # issuing creates the obligations
    svc = jobs_app.extensions["khd.services"]
    due = date(year + 1, 11, 15)
    with SmtpServer() as smtp:
        object.__setattr__(svc.settings, "smtp_host", smtp.host)
        object.__setattr__(svc.settings, "smtp_port", smtp.port)
        with jobs_app.extensions["khd.sessions"]() as s:
            assert send_reminders(s, svc, due - timedelta(days=7))["reminders"] == 9
            assert send_reminders(s, svc, due - timedelta(days=7))["reminders"] == 0
            assert send_reminders(s, svc, due)["overdue"] == 0
            assert send_reminders(s, svc, due + timedelta(days=1))["overdue"] == 9
        subjects = [m["Subject"] for m in smtp.messages()]
    assert len(subjects) == 18
    assert sum(s.startswith("Nhắc hạn") for s in subjects) == 9 and sum(s.startswith("Quá hạn") for s in subjects) == 9


def _consumer(env: dict) -> subprocess.Popen:
    return subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "huey_consumer"), "khuyenhoc_docs.jobs.huey",
                             "-w", "1", "-k", "thread"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def test_a_queued_job_survives_a_worker_restart(data_dir, converter_endpoints):
    app = make_app(data_dir)  # jobs go to the SQLite queue in the data dir
    client = app.test_client()
    doc_id, h, _ = signed_programme(client)
    env = {**os.environ, "KHD_DATA_DIR": str(data_dir), "KHD_SECRET_KEY": "test-secret",
           "KHD_CONVERTER_ENDPOINTS": ",".join(f"{host}:{port}" for host, port in converter_endpoints)}
    worker = _consumer(env)
    time.sleep(2)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker dies; the queue is in the data dir, not in it
    worker.wait()
    job = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={}).get_json()  # queued, no worker
    time.sleep(1)
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=h).get_json()["status"] == "queued"
    worker = _consumer(env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            status = client.get(f"/api/v1/jobs/{job['id']}", headers=h).get_json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        app.extensions["khd.engine"].dispose()
    assert status["status"] == "done" and len(status["result"]["created"]) == 9, status
    with app.extensions["khd.sessions"]() as s:
        assert s.get(BackgroundJob, job["id"]).finished_at is not None


def test_unit_generates_the_report_from_its_template_and_uploads_it(jobs_app):
    from docx import Document as Docx

    from tests.conftest import csrf_token, login

    client = jobs_app.test_client()
    year = first_report_year()
    issued_programme(client, jobs_app, period=f"{year} – {year + 4}")
    make_user(jobs_app, "vanthu.bd", "Huyện đoàn Bình Đại", "clerk")
    items = client.get(f"/api/v1/reports?year={year}", headers=api_token(client, "vanthu")).get_json()["items"]
    mine = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Bình Đại")
    login(client, "vanthu.bd")
    resp = client.get(f"/reports/{mine['id']}/template.docx")
    assert resp.status_code == 200
    text = "\n".join(p.text for p in Docx(io.BytesIO(resp.data)).paragraphs)
    assert f"Kết quả thực hiện chương trình phối hợp số 01/CTPH-HKH-TĐ năm {year}" in text
    assert "Hội Khuyến học huyện Bình Đại báo cáo kết quả thực hiện" in text
    other = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Ba Tri")
    assert client.get(f"/reports/{other['id']}/template.docx").status_code == 403
    upload = client.post("/reports", data={"csrf_token": csrf_token(client, f"/reports?year={year}"),
                                           "obligation_id": mine["id"], "year": year,
                                           "file": (io.BytesIO(resp.data), "bao-cao.docx")},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    page = client.get(f"/reports?year={year}").get_data(as_text=True)
    assert "bao-cao.docx" in page


GIONG_TROM = "Hội Khuyến học huyện Giồng Trôm"


def unit_with_chair(app, client) -> tuple[int, dict, str, dict, int]:
    """An issued programme whose reporting unit Giồng Trôm has a clerk (vanthu.gt) and a chair with a
    demo credential (chutich.gt, "Võ Văn Tài"): (programme id, its clerk's headers, its number, the
    unit's obligation this year as the API lists it, the year)."""
    from khuyenhoc_docs.credentials import issue_demo_credential
    from khuyenhoc_docs.models import User

    year = first_report_year()
    doc_id, h, number = issued_programme(client, app, period=f"{year} – {year + 4}")
    make_user(app, "vanthu.gt", GIONG_TROM, "clerk")
    chair_id = make_user(app, "chutich.gt", GIONG_TROM, "chair", full_name="Võ Văn Tài")
    with app.extensions["khd.sessions"]() as s:
        issue_demo_credential(s, app.extensions["khd.services"].demo_pki.ca, s.get(User, chair_id), DEMO_PASSWORD)
        s.commit()
    items = client.get(f"/api/v1/reports?year={year}", headers=api_token(client, "vanthu")).get_json()["items"]
    return doc_id, h, number, next(i for i in items if i["unit"] == GIONG_TROM), year


def test_unit_chair_signs_the_pdf_report(jobs_app):
    from khuyenhoc_docs.signing.validation import validate_pdf

    client = jobs_app.test_client()
    doc_id, h, number, mine, _ = unit_with_chair(jobs_app, client)
    svc = jobs_app.extensions["khd.services"]
    chair = api_token(client, "chutich.gt")
    assert client.post(f"/api/v1/reports/{mine['id']}/sign", headers=chair,
                       json={"secret": DEMO_PASSWORD}).status_code == 409  # nothing submitted yet
    report_pdf = client.get(f"/api/v1/documents/{doc_id}/file?version=1", headers=h).data  # an unsigned PDF
    assert client.post(f"/api/v1/reports/{mine['id']}/submission", headers=api_token(client, "vanthu.gt"),
                       data={"file": (io.BytesIO(report_pdf), "bao-cao.pdf")},
                       content_type="multipart/form-data").status_code == 201
    assert client.post(f"/api/v1/reports/{mine['id']}/sign", headers=api_token(client, "chutich.hkh"),
                       json={"secret": DEMO_PASSWORD}).status_code == 403  # not this unit's chair
    wrong = client.post(f"/api/v1/reports/{mine['id']}/sign", headers=chair, json={"secret": "sai"})
    assert wrong.status_code == 422
    ok = client.post(f"/api/v1/reports/{mine['id']}/sign", headers=chair, json={"secret": DEMO_PASSWORD})
    assert ok.status_code == 200 and ok.get_json()["signed_at"]
    with jobs_app.extensions["khd.sessions"]() as s:
        o = s.get(ReportObligation, mine["id"])
        signed = svc.store.get(o.signed_object.key, o.signed_object.version_id, expected_sha256=o.signed_object.sha256)
    report = validate_pdf(signed, trust_roots=svc.trust_roots)
    assert report.ok and [sig.signer_cn for sig in report.signatures] == ["Võ Văn Tài"]
    # Appendix I, attachment: number/symbol and the signing time in ISO 8601 with +07:00, as text
    import re

    text = subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=signed, capture_output=True, check=True).stdout
    assert number in text.decode() and re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text.decode())
    assert client.post(f"/api/v1/reports/{mine['id']}/sign", headers=chair,
                       json={"secret": DEMO_PASSWORD}).status_code == 409
