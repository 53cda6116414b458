"""The record code and QR on page 1, and the public verification page /v/<code> (no login)."""
from __future__ import annotations

import io
import subprocess

from sqlalchemy import select

from khuyenhoc_docs.models import Document, User
from tests.conftest import make_app
from tests.flow import seal_both
from tests.test_signing_flow import CHAIRS, current_pdf, sign, submitted


def _final(client) -> tuple[int, dict, dict]:
    doc_id, h = submitted(client)
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)  # final once both organisations have sealed it
    return doc_id, h, client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()


def test_record_code_and_qr_are_on_page_one_and_signed(client, tmp_path):
    doc_id, h, record = _final(client)
    code = record["record_code"]
    assert code and len(code) == 9 and code[4] == "-"
    pdf = current_pdf(client, doc_id, h)
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert code in text
    # it is part of the first revision every signature covers
    report = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
    assert report["ok"] and all(s["coverage"] == "ENTIRE_REVISION" for s in report["signatures"])
    first_sig = pdf.index(b"/ByteRange")
    assert pdf.index(b"/KhdRc") < first_sig


def test_public_page_shows_only_public_facts_and_the_match(app, client):
    doc_id, h, record = _final(client)
    code = record["record_code"]
    pdf = current_pdf(client, doc_id, h)
    anon = app.test_client()
    page = anon.get(f"/v/{code.lower().replace('-', '')}")
    assert page.status_code == 200 and record["doc_number"] in page.get_data(as_text=True)
    resp = anon.post(f"/v/{code}?format=json", data={"file": (io.BytesIO(pdf), "nhan-duoc.pdf")},
                     content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.get_json()
    assert data["archive_match"]["status"] == "identical" and data["signatures_valid"]
    assert set(data) == {"record_code", "doc_number", "issue_date", "organisations", "signers", "archive_match",
                         "signatures_valid", "summary", "copy_signers"}
    html = anon.post(f"/v/{code}", data={"file": (io.BytesIO(pdf), "x.pdf")},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "Tệp trùng khớp" in html
    # nothing of the body, the recipients or the accounts
    with app.extensions["khd.sessions"]() as s:
        doc = s.get(Document, doc_id)
        f = doc.fields
        body = [f["preamble"], f["closing"], *f.get("purposes", []), *f.get("contents", []), f["summary"]]
        usernames = [u.username for u in s.scalars(select(User))]
        orgs = (doc.lead_org.name, doc.partner_org.name)  # public: the issuing organisations
        recipients = [r for r in (doc.fields.get("recipients") or [])
                      if isinstance(r, str) and not any(r.strip("-;. ") in o for o in orgs)]
    blob = html + resp.get_data(as_text=True)
    for secret in body + usernames + recipients:
        assert secret not in blob, secret
    # an unknown code or a record that is not final: the same 404
    assert anon.get("/v/ZZZZ-ZZZZ").status_code == 404
    assert anon.get("/v/<script>").status_code == 404


def test_public_upload_is_rate_limited(data_dir):
    app = make_app(data_dir)
    client = app.test_client()
    doc_id, h, record = _final(client)
    anon = app.test_client()
    codes = [anon.post(f"/v/{record['record_code']}?format=json",
                       data={"file": (io.BytesIO(b"%PDF-1.4 nope"), "x.pdf")},
                       content_type="multipart/form-data").status_code for _ in range(11)]
    assert codes[:10].count(429) == 0 and codes[10] == 429, codes
    app.extensions["khd.engine"].dispose()
