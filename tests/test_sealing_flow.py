"""Documents of record: chairs sign, then the lead's clerk numbers, dates and seals, then the partner's
clerk seals (Decree 30 Art. 5.1, 15.3, 17). Checked by pyHanko and by poppler's pdfsig."""
from __future__ import annotations

import re
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.drafting.vn import format_date_words
from khuyenhoc_docs.models import Document, RegisterCounter, RegisterEntry, Seal
from tests.conftest import DEMO_PASSWORD
from tests.flow import CLERKS, api_token, demo_draft_id, seal, seal_both, sign_both, submit
from tests.services.nss import NssDb

VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def nssdb(app, tmp_path):
    roots = [c.public_bytes(Encoding.PEM) for c in app.extensions["khd.services"].trust_roots]
    return NssDb.create(tmp_path / "nss", roots)


def new_document(client, routing: str = "any") -> int:
    resp = client.post("/api/v1/documents", headers=api_token(client, "vanthu"),
                       json={"kind": "programme_province", "fields": reference_fields().to_dict(), "routing": routing})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def pdf_of(client, doc_id: int, version: int | None = None) -> bytes:
    query = f"?version={version}" if version else ""
    resp = client.get(f"/api/v1/documents/{doc_id}/file{query}", headers=api_token(client, "vanthu"))
    assert resp.status_code == 200
    return resp.data


def layout_text(pdf: bytes) -> str:
    """pdftotext in layout mode (it includes form-field appearances), all whitespace removed."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return re.sub(r"\s+", "", out.decode("utf-8"))


@pytest.mark.parametrize("routing,order", [("any", ("chutich.hkh", "phobithu.td")),
                                           ("sequential", ("phobithu.td", "chutich.hkh"))])
def test_whole_flow_four_valid_signatures(app, client, nssdb, routing, order):
    doc_id = new_document(client, routing)
    submit(client, doc_id)
    draft = pdf_of(client, doc_id)  # the submitted draft: record code and QR added, every field empty
    signed = sign_both(client, doc_id, order)
    assert signed["doc_number"] is None and signed["issue_date"] is None  # no number before sealing
    h = api_token(client, "vanthu")
    assert client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={}).status_code == 409

    lead = seal(client, doc_id, "vanthu")
    assert lead.status_code == 200, lead.get_json()
    body = lead.get_json()
    assert body["status"] == "signed" and body["doc_number"] == "01/CTPH-HKH-TĐ"
    assert client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={}).status_code == 409
    partner = seal(client, doc_id, "vanthu.td")
    assert partner.status_code == 200, partner.get_json()
    body = partner.get_json()
    assert body["status"] == "sealed" and body["doc_number"] == "01/CTPH-HKH-TĐ"
    assert [(s["organisation"], s["role"]) for s in body["seals"]] == [
        ("Hội Khuyến học tỉnh Bến Tre", "lead"), ("Tỉnh đoàn Bến Tre", "partner")]

    final = pdf_of(client, doc_id)
    sigs = nssdb.pdfsig(final)
    # pdfsig (poppler 22.12) lists the B-LTA document timestamp added at sealing without verifying it
    people = [s for s in sigs if not s.field_name.startswith("LTA_timestamp")]
    assert len(people) == 4 and len(sigs) == 5, nssdb.pdfsig_text(final)
    assert all(s.valid and s.trusted for s in people), nssdb.pdfsig_text(final)
    report = client.get(f"/api/v1/documents/{doc_id}/verification?rerun=1", headers=h).get_json()
    assert report["ok"] and len(report["signatures"]) == 4
    # every signature (chairs' and seals') is B-LT, and the sealed record has its document timestamp
    assert all(s["level"] == "B-LTA" for s in report["signatures"]), report
    assert all(s["revocation"]["state"] == "good" for s in report["signatures"]), report
    assert len(report["document_timestamps"]) == 1 and report["document_timestamps"][0]["trusted"]
    # pyHanko's difference analysis: every later revision is a permitted change
    assert {s["modification_level"] for s in report["signatures"]} <= {"NONE", "LTA_UPDATES", "FORM_FILLING"}
    assert all(s["docmdp_ok"] is not False for s in report["signatures"])
    kinds = {s["field_name"]: s["signer_kind_vi"] for s in report["signatures"]}
    assert kinds == {"sig_a": "chữ ký của người có thẩm quyền", "sig_b": "chữ ký của người có thẩm quyền",
                     "seal_lead": "chữ ký số của cơ quan, tổ chức", "seal_partner": "chữ ký số của cơ quan, tổ chức"}

    # the final text is the draft's text with the number and the date filled in, nothing else
    today = datetime.now(VN).date()
    expected = layout_text(draft).replace("Số:/CTPH", "Số:01/CTPH", 1)
    expected = expected.replace("BếnTre,", "BếnTre," + format_date_words(today).replace(" ", ""), 1)
    assert layout_text(final) == expected

    with app.extensions["khd.sessions"]() as s:
        entries = s.scalars(select(RegisterEntry).where(RegisterEntry.document_id == doc_id)
                            .order_by(RegisterEntry.id)).all()
        assert [(e.organisation.name, e.role, e.number, e.doc_number) for e in entries] == [
            ("Hội Khuyến học tỉnh Bến Tre", "lead", 1, "01/CTPH-HKH-TĐ"),
            ("Tỉnh đoàn Bến Tre", "partner", None, "01/CTPH-HKH-TĐ")]
    issued = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    assert issued.status_code == 201, issued.get_json()


def test_register_in_sealing_order_declined_and_withdrawn_take_no_number(app, client):
    ids = [new_document(client) for _ in range(3)]
    declined, withdrawn = new_document(client), new_document(client)
    for doc_id in (*ids, declined, withdrawn):
        submit(client, doc_id)
    for doc_id in ids:
        sign_both(client, doc_id)
    refused = client.post(f"/api/v1/documents/{declined}/decline", headers=api_token(client, "chutich.hkh"),
                          json={"reason": "Cần sửa mục III."})
    assert refused.status_code == 200
    pulled = client.post(f"/api/v1/documents/{withdrawn}/withdraw", headers=api_token(client, "vanthu"),
                         json={"reason": "Không ban hành nữa."})
    assert pulled.status_code == 200
    for doc_id in (ids[2], ids[0], ids[1]):  # sealing order, not creation or submission order
        seal_both(client, doc_id)
    with app.extensions["khd.sessions"]() as s:
        numbers = {d.id: d.doc_number for d in s.scalars(select(Document).where(Document.id.in_(ids)))}
        assert numbers == {ids[2]: "01/CTPH-HKH-TĐ", ids[0]: "02/CTPH-HKH-TĐ", ids[1]: "03/CTPH-HKH-TĐ"}
        lead_numbers = s.scalars(select(RegisterEntry.number).where(RegisterEntry.role == "lead")
                                 .order_by(RegisterEntry.id)).all()
        assert lead_numbers == [1, 2, 3]
        assert not s.scalars(select(RegisterEntry).where(RegisterEntry.document_id.in_([declined, withdrawn]))).all()
        assert s.get(Document, declined).doc_number is None and s.get(Document, withdrawn).doc_number is None
    text = client.get(f"/api/v1/register?year={datetime.now(VN).year}&format=json",
                      headers=api_token(client, "vanthu.td")).get_data(as_text=True)
    assert "03/CTPH-HKH-TĐ" in text


def _state(app, doc_id: int) -> tuple:
    with app.extensions["khd.sessions"]() as s:
        doc = s.get(Document, doc_id)
        counter = s.scalar(select(RegisterCounter.last_number))
        return (doc.status, doc.doc_number, doc.pdf_object_id, counter,
                len(s.scalars(select(Seal).where(Seal.document_id == doc_id)).all()),
                len(s.scalars(select(RegisterEntry)).all()))


def test_bad_sealing_attempts_change_nothing(app, client):
    doc_id = demo_draft_id(client)
    submit(client, doc_id)
    # before both chairs have signed
    before = _state(app, doc_id)
    assert seal(client, doc_id, "vanthu").status_code == 409
    one = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, "chutich.hkh"),
                      json={"secret": DEMO_PASSWORD})
    assert one.status_code == 200
    assert seal(client, doc_id, "vanthu").status_code == 409
    client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, "phobithu.td"),
                json={"secret": DEMO_PASSWORD})
    before = _state(app, doc_id)
    assert before[0] == "signed"
    # the partner may not seal before the lead has numbered it
    assert seal(client, doc_id, "vanthu.td").status_code == 409
    wrong = seal(client, doc_id, "vanthu", "sai-mat-khau")
    assert wrong.status_code == 422 and "không đúng" in wrong.get_json()["error"]["message"]
    assert seal(client, doc_id, "vanthu", "").status_code in (400, 422)
    for outsider in ("chutich.hkh", "phobithu.td", "luutru", "admin"):
        assert seal(client, doc_id, outsider).status_code == 403, outsider
    assert _state(app, doc_id) == before
    assert seal(client, doc_id, "vanthu").status_code == 200
    after_lead = _state(app, doc_id)
    assert seal(client, doc_id, "vanthu").status_code == 409  # twice
    assert _state(app, doc_id) == after_lead
    assert seal(client, doc_id, "vanthu.td").status_code == 200
    assert seal(client, doc_id, "vanthu.td").status_code == 409
    assert seal(client, doc_id, CLERKS[0]).status_code == 409


def test_every_use_of_an_organisation_key_is_audited(app, client):
    doc_id = demo_draft_id(client)
    submit(client, doc_id)
    sign_both(client, doc_id)
    seal_both(client, doc_id)
    events = client.get(f"/api/v1/documents/{doc_id}/audit", headers=api_token(client, "vanthu")).get_json()
    seals = [e for e in events["items"] if e["action"] == "seal"]
    assert [e["details"]["organisation"] for e in seals] == ["Hội Khuyến học tỉnh Bến Tre", "Tỉnh đoàn Bến Tre"]
    assert all(e["details"]["credential"] for e in seals)


def test_conversion_once_per_content_change(app, client):
    """Submission, signing and sealing reuse the stored PDF: LibreOffice is not called again."""
    svc = app.extensions["khd.services"]
    calls = []
    original = svc.converter.convert

    def counting(docx: bytes, *args, **kwargs):
        calls.append(len(docx))
        return original(docx, *args, **kwargs)

    svc.converter.convert = counting
    try:
        doc_id = demo_draft_id(client)
        submit(client, doc_id)
        sign_both(client, doc_id)
        seal_both(client, doc_id)
    finally:
        svc.converter.convert = original
    assert calls == []


def test_clerks_seal_from_their_home_pages(app, client):
    from tests.conftest import csrf_token, login

    doc_id = demo_draft_id(client)
    submit(client, doc_id)
    sign_both(client, doc_id)
    lead, partner = app.test_client(), app.test_client()
    login(lead, "vanthu")
    login(partner, "vanthu.td")
    home = lead.get("/home").get_data(as_text=True)
    assert "Chờ cấp số, đóng dấu" in home and "Số: <b>01/CTPH-HKH-TĐ</b>" in home
    assert f'action="/documents/{doc_id}/seal"' in home
    assert f'action="/documents/{doc_id}/seal"' not in partner.get("/home").get_data(as_text=True)  # lead first
    token = csrf_token(lead, "/home")
    wrong = lead.post(f"/documents/{doc_id}/seal", data={"csrf_token": token, "secret": "sai"})
    assert wrong.status_code == 303
    assert "không đúng" in lead.get(f"/documents/{doc_id}").get_data(as_text=True)
    done = lead.post(f"/documents/{doc_id}/seal", data={"csrf_token": token, "secret": DEMO_PASSWORD},
                     follow_redirects=True).get_data(as_text=True)
    assert "Đã cấp số 01/CTPH-HKH-TĐ và đóng dấu" in done
    assert "Đã cấp số, chờ đóng dấu bên phối hợp" in lead.get(f"/documents/{doc_id}").get_data(as_text=True)
    page = partner.get("/home").get_data(as_text=True)
    assert "Chờ đóng dấu (bên phối hợp)" in page and f'action="/documents/{doc_id}/seal"' in page
    token = csrf_token(partner, "/home")
    sealed = partner.post(f"/documents/{doc_id}/seal", data={"csrf_token": token, "secret": DEMO_PASSWORD},
                          follow_redirects=True).get_data(as_text=True)
    assert "Đã đóng dấu. Văn bản số 01/CTPH-HKH-TĐ" in sealed and "Đã đóng dấu" in sealed
    report = lead.get(f"/documents/{doc_id}/verification").get_data(as_text=True)
    assert report.count("chữ ký số của cơ quan, tổ chức") == 2 and report.count("chữ ký của người có thẩm quyền") == 2
