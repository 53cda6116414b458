"""Records from before the system: a signed PDF (valid and tampered) and a digitised paper original."""
from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select

from khuyenhoc_docs.digitise import pdfa_part
from khuyenhoc_docs.models import AuditEvent, Document, Organisation, RegisterEntry
from khuyenhoc_docs.register import IMPORTED_NOTE, register_rows
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.test_drafting_flow import pdftext
from tests.test_followup import signed_programme

FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def _org_id(app, name: str) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == name))


def _meta(app, number: str, day: str = "2016-03-10", **extra) -> dict:
    return {"doc_number": number, "issue_date": day, "doc_type": "CHƯƠNG TRÌNH",
            "title": "Phối hợp hoạt động khuyến học năm 2016 (hồ sơ cũ)",
            "organisation_ids": [str(_org_id(app, "Hội Khuyến học tỉnh Bến Tre")), str(_org_id(app, "Tỉnh đoàn Bến Tre"))],
            "signers": "Đặng Thị Hoa (Chủ tịch)\nLâm Như Quỳnh (Phó Bí thư)",
            "recipients": "Ban Thường vụ Tỉnh đoàn\nHội Khuyến học tỉnh", **extra}


def _post(client, path: str, h, meta: dict, *files: tuple[bytes, str]):
    data = {**meta, "file": [(io.BytesIO(b), n) for b, n in files]}
    return client.post(path, headers=h, data=data, content_type="multipart/form-data")


def _docs(app) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(Document))


def _tampered(pdf: bytes) -> bytes:
    """Change one byte of signed content (a digit in the first content stream): the hash breaks."""
    at = pdf.index(b"stream", pdf.index(b"/Contents")) + 40
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]


@pytest.mark.slow
def test_signed_pdf_import_valid_and_tampered(app, client):
    ref_id, h, number = signed_programme(client)
    signed_pdf = client.get(f"/api/v1/documents/{ref_id}/file", headers=h).data
    before = _docs(app)
    dup = _post(client, "/api/v1/legacy/imports", h, _meta(app, number, day=f"{__import__('datetime').date.today()}"),
                (signed_pdf, "cu.pdf"))
    assert dup.status_code == 422 and "đã có trong sổ văn bản" in dup.get_json()["error"]["message"], dup.get_json()
    bad = _post(client, "/api/v1/legacy/imports", h, _meta(app, "mười hai"), (signed_pdf, "cu.pdf"))
    assert bad.status_code == 422 and "doc_number" in bad.get_json()["error"]["fields"]
    assert _docs(app) == before

    ok = _post(client, "/api/v1/legacy/imports", h, _meta(app, "12/CTPH-HKH-TĐ"), (signed_pdf, "cu.pdf"))
    assert ok.status_code == 201, ok.get_json()
    doc = ok.get_json()
    assert doc["origin"] == "imported" and doc["status"] == "issued" and doc["doc_number"] == "12/CTPH-HKH-TĐ"
    assert doc["fields"]["legacy"]["verified"] is True
    assert client.get(f"/api/v1/documents/{doc['id']}/verification", headers=h).get_json()["ok"] is True

    tampered = _post(client, "/api/v1/legacy/imports", h, _meta(app, "13/CTPH-HKH-TĐ"), (_tampered(signed_pdf), "x.pdf"))
    assert tampered.status_code == 201, tampered.get_json()
    t = tampered.get_json()
    assert t["fields"]["legacy"]["verified"] is False and "không hợp lệ" in t["fields"]["legacy"]["reason"]
    report = client.get(f"/api/v1/documents/{t['id']}/verification", headers=h).get_json()
    assert report["ok"] is False
    login(client, "vanthu")
    page = client.get(f"/documents/{t['id']}").get_data(as_text=True)
    assert "CHƯA XÁC THỰC" in page and "Hồ sơ có trước hệ thống" in page
    assert "đã được kiểm tra hợp lệ" in client.get(f"/documents/{doc['id']}").get_data(as_text=True)

    # Both sit in the 2016 register as imported entries; the 2016 series continues after 13.
    register = client.get("/api/v1/register?year=2016", headers=h).get_json()
    assert "12/CTPH-HKH-TĐ" in json.dumps(register, ensure_ascii=False)
    with app.extensions["khd.sessions"]() as s:
        lines = register_rows(s, {_org_id(app, "Hội Khuyến học tỉnh Bến Tre")}, 2016)
    assert [(r.doc_number, r.signers, r.notes) for r in lines] == [
        (n, ("Đặng Thị Hoa (Chủ tịch)", "Lâm Như Quỳnh (Phó Bí thư)"), IMPORTED_NOTE)
        for n in ("12/CTPH-HKH-TĐ", "13/CTPH-HKH-TĐ")]  # the signers as typed; marked as imported
    with app.extensions["khd.sessions"]() as s:
        rows = list(s.scalars(select(RegisterEntry).where(RegisterEntry.year == 2016)))
        assert sorted((r.number, r.imported) for r in rows) == [(12, True), (13, True)]
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "legacy_imported",
                                                 AuditEvent.object_id == t["id"])).details["verified"] is False
    # Full text from the PDF's text layer, and the number.
    found = client.get("/api/v1/search", headers=h, query_string={"q": "khuyến tài", "year": 2016}).get_json()
    assert {doc["id"], t["id"]} <= {i["document_id"] for i in found["items"]}
    by_number = client.get("/api/v1/search", headers=h, query_string={"doc_number": "12/CTPH-HKH-TĐ"}).get_json()
    assert [i["document_id"] for i in by_number["items"]] == [doc["id"]]


def _scan_png(lines: list[str]) -> bytes:
    img = Image.new("L", (2480, 300 + 150 * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 64)
    for i, line in enumerate(lines):
        draw.text((200, 150 + 150 * i), line, font=font, fill=0)
    out = io.BytesIO()
    img.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()


@pytest.mark.slow
def test_digitised_paper_original_is_pdfa_and_searchable_by_ocr_text(app, client):
    h = api_token(client, "vanthu")
    pages = [_scan_png(["CHƯƠNG TRÌNH PHỐI HỢP", "Hội Khuyến học và Tỉnh đoàn Bến Tre", "năm học 2015 – 2016"]),
             _scan_png(["Tuyên dương gương sáng hiếu học", "xã Tam Phước"])]
    meta = _meta(app, "07/CTPH-HKH-TĐ", day="2015-09-05")
    meta["organisation_ids"] = meta["organisation_ids"][:1]  # one issuing organisation
    resp = _post(client, "/api/v1/legacy/digitisations", h, meta, (pages[0], "trang1.png"), (pages[1], "trang2.png"))
    assert resp.status_code == 201, resp.get_json()
    doc = resp.get_json()
    assert doc["origin"] == "digitised" and doc["fields"]["legacy"]["pages"] == 2
    assert doc["fields"]["legacy"]["certified"] is False
    pdf = client.get(f"/api/v1/documents/{doc['id']}/file", headers=h).data
    assert pdfa_part(pdf) == "2"
    assert "hiếu học" in pdftext(pdf)  # the OCR text layer is in the PDF itself
    found = client.get("/api/v1/search", headers=h, query_string={"q": "hiếu học"}).get_json()
    assert doc["id"] in [i["document_id"] for i in found["items"]]
    archived = client.get("/api/v1/search", headers=h, query_string={"q": "Tam Phước", "year": 2015}).get_json()
    assert [i["document_id"] for i in archived["items"]] == [doc["id"]]
    login(client, "vanthu")
    page = client.get(f"/documents/{doc['id']}").get_data(as_text=True)
    assert "Hội Khuyến học tỉnh Bến Tre – Hội Khuyến học tỉnh Bến Tre" not in page  # named once
    assert "<td>Hội Khuyến học tỉnh Bến Tre</td>" in page


def test_scan_and_scope_errors_write_nothing(app, client):
    h = api_token(client, "vanthu")
    before = _docs(app)
    junk = _post(client, "/api/v1/legacy/digitisations", h, _meta(app, "08/CTPH-HKH-TĐ"), (b"GIF89a nope", "a.gif"))
    assert junk.status_code == 422 and "PNG, JPEG, TIFF" in junk.get_json()["error"]["message"]
    meta = _meta(app, "09/CTPH-HKH-TĐ")
    meta["organisation_ids"] = ["999999"]
    unknown = _post(client, "/api/v1/legacy/imports", h, meta, (b"%PDF-1.7\n%%EOF", "x.pdf"))
    assert unknown.status_code == 422 and "organisation_ids" in unknown.get_json()["error"]["fields"]
    chair = _post(client, "/api/v1/legacy/imports", api_token(client, "chutich.hkh"), _meta(app, "10/X-Y"),
                  (b"%PDF-1.7\n%%EOF", "x.pdf"))
    assert chair.status_code == 403
    assert _docs(app) == before


def test_ui_form_rejects_missing_file(app, client):
    login(client, "luutru")
    token = csrf_token(client, "/archive/legacy/")
    resp = client.post("/archive/legacy/", data={"csrf_token": token, **_meta(app, "11/CTPH-HKH-TĐ")})
    assert resp.status_code == 422 and "Chưa chọn tệp." in resp.get_data(as_text=True)


@pytest.mark.slow
def test_the_digitising_organisations_clerk_certifies_the_copy(app, client):
    h = api_token(client, "vanthu")
    meta = _meta(app, "08/CTPH-HKH-TĐ", day="2015-10-01")
    meta["organisation_ids"] = meta["organisation_ids"][:1]
    made = _post(client, "/api/v1/legacy/digitisations", h, meta, (_scan_png(["Bản gốc giấy năm 2015"]), "a.png"))
    assert made.status_code == 201, made.get_json()
    doc_id = made.get_json()["id"]
    original = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    # Not the organisation's clerk (Tỉnh đoàn's), a wrong passphrase: refused, nothing stored.
    other = client.post(f"/api/v1/legacy/{doc_id}/certification", headers=api_token(client, "vanthu.td"),
                        json={"secret": DEMO_PASSWORD})
    assert other.status_code == 403
    wrong = client.post(f"/api/v1/legacy/{doc_id}/certification", headers=h, json={"secret": "sai-mat-khau"})
    assert wrong.status_code == 422, wrong.get_json()
    assert client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data == original

    ok = client.post(f"/api/v1/legacy/{doc_id}/certification", headers=h, json={"secret": DEMO_PASSWORD})
    assert ok.status_code == 200, ok.get_json()
    legacy = ok.get_json()["fields"]["legacy"]
    assert legacy["certified"] is True and legacy["verified"] is True
    signed = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    assert signed.startswith(original)  # an incremental update: the PDF/A bytes are untouched
    report = client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()
    assert report["ok"] is True and len(report["signatures"]) == 1
    stamp = pdftext(signed)
    assert "SAO Y" in stamp and "HỘI KHUYẾN HỌC TỈNH BẾN TRE" in stamp and "+07:00" in stamp
    again = client.post(f"/api/v1/legacy/{doc_id}/certification", headers=h, json={"secret": DEMO_PASSWORD})
    assert again.status_code == 409
    login(client, "vanthu")
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "đã được tổ chức ký số xác nhận" in page and "certify-copy" not in page
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "legacy_certified", AuditEvent.object_id == doc_id)) == 1


@pytest.mark.slow
def test_certified_copies_of_a_record_by_its_keeper_and_after_a_merger_by_the_successor(app, client, tmp_path):
    from datetime import date

    from khuyenhoc_docs.audit import Actor
    from khuyenhoc_docs.credentials import issue_demo_credential
    from khuyenhoc_docs.models import User
    from khuyenhoc_docs.succession import NewSuccession, record_succession
    from tests.test_followup import issued_programme

    doc_id, h, number = issued_programme(client, app, "2026 – 2030")
    record = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    assert client.post(f"/api/v1/documents/{doc_id}/copies", headers=api_token(client, "chutich.hkh"),
                       json={"kind": "sao_y", "secret": DEMO_PASSWORD}).status_code == 403  # a chair holds no seal
    made = client.post(f"/api/v1/documents/{doc_id}/copies", headers=h, json={"kind": "sao_y", "secret": DEMO_PASSWORD})
    assert made.status_code == 201, made.get_data(as_text=True)[:300]
    copy = client.get(made.get_json()["download_url"], headers=h)
    assert copy.data.startswith(record)  # the record's bytes and signatures stay; one signature is added
    assert "SAO Y" in pdftext(copy.data) and "HỘI KHUYẾN HỌC TỈNH BẾN TRE" in pdftext(copy.data)
    assert client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data == record  # the record is unchanged

    runner = app.test_cli_runner()
    (tmp_path / "o.csv").write_text("name,abbreviation,level,parent,family,counterpart,code\n"
                                    "Hội Khuyến học tỉnh Kế Thừa,HKH,province,,Hội,,\n")
    (tmp_path / "u.csv").write_text("username,full_name,position,organisation,role,email\n"
                                    "vanthu.kt,Văn Thư Kế Thừa,Văn thư,Hội Khuyến học tỉnh Kế Thừa,clerk,\n")
    assert runner.invoke(args=["orgs", "import", str(tmp_path / "o.csv")]).exit_code == 0
    out = runner.invoke(args=["users", "import", str(tmp_path / "u.csv")]).output
    password = re.search(r"initial password vanthu.kt: (\S+)", out).group(1)
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        old = s.scalar(select(Organisation).where(Organisation.name == "Hội Khuyến học tỉnh Bến Tre"))
        new = s.scalar(select(Organisation).where(Organisation.name == "Hội Khuyến học tỉnh Kế Thừa"))
        issue_demo_credential(s, svc.demo_pki.ca, new, DEMO_PASSWORD)
        admin = s.scalar(select(User).where(User.username == "admin"))
        record_succession(s, Actor(admin, "test"), NewSuccession("merger", (old.id,), new.id, date.today(), "QĐ thử"))
        s.commit()
    stopped = client.post(f"/api/v1/documents/{doc_id}/copies", headers=h, json={"kind": "sao_y", "secret": DEMO_PASSWORD})
    assert stopped.status_code == 409 and "sáp nhập" in stopped.get_json()["error"]["message"]
    successor = api_token(client, "vanthu.kt", password)
    by_successor = client.post(f"/api/v1/documents/{doc_id}/copies", headers=successor,
                               json={"kind": "sao_y", "secret": DEMO_PASSWORD})
    assert by_successor.status_code == 201, by_successor.get_data(as_text=True)[:300]
    assert by_successor.get_json()["copy_number"].endswith("/BS-HKH") and by_successor.get_json()["number"] == 1
    assert "HỘI KHUYẾN HỌC TỈNH KẾ THỪA" in pdftext(client.get(by_successor.get_json()["download_url"], headers=h).data)
    with app.extensions["khd.sessions"]() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "certified_copy",
                                                          AuditEvent.object_id == doc_id)))
        assert [e.details["copying_organisation"] for e in events] == ["Hội Khuyến học tỉnh Bến Tre",
                                                                       "Hội Khuyến học tỉnh Kế Thừa"]
