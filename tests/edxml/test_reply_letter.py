"""A reply to a received document is a công văn (Decree 30 layout), numbered in the register with no kind
abbreviation ("02/HKH-TĐ", Decree 30 Appendix III), signed and sealed like the
other templates: draft → submit → sign → seal → issue, checked by pyHanko and pdfsig."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from khuyenhoc_docs import edxml
from khuyenhoc_docs.models import RegisterEntry
from tests.conftest import DEMO_PASSWORD, login
from tests.edxml.test_incoming import outbox, post, signed_package
from tests.edxml.test_incoming_reply import OPENING
from tests.flow import api_token, seal_both, sign_both, submit
from tests.services.nss import NssDb
from tests.test_drafting_flow import pdftext
from tests.test_sealing_flow import layout_text

SHOTS = Path(tempfile.gettempdir()) / "khd-reply-letter"  # page images kept for a person to look at


@pytest.fixture
def nssdb(exchange_app, tmp_path):
    roots = [c.public_bytes(Encoding.PEM) for c in exchange_app.extensions["khd.services"].trust_roots]
    return NssDb.create(tmp_path / "nss", roots)


def page_png(pdf: bytes, name: str) -> Path:
    """Page 1 as PNG (pdftoppm), kept for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", "-", str(SHOTS / name)],
                   input=pdf, check=True)
    return SHOTS / f"{name}.png"


def test_reply_is_a_cong_van_numbered_cv_signed_sealed_and_issued(exchange_app, signed_pdf, nssdb):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (incoming_id,) = post(client, h, signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    resp = client.post(f"/api/v1/incoming/{incoming_id}/reply", headers=h, json={})
    assert resp.status_code == 201, resp.get_json()
    (reply_id,) = resp.get_json()["document_ids"]
    doc = client.get(f"/api/v1/documents/{reply_id}", headers=h).get_json()
    assert doc["kind"] == "official_letter"
    fields = doc["fields"]
    assert fields["type_abbr"] == "" and fields["addressees"] == ["Hội Khuyến học Việt Nam"]
    assert fields["purposes"] == [] and fields["responsibilities"] == []
    draft = client.get(f"/api/v1/documents/{reply_id}/file", headers=h).data
    text = " ".join(pdftext(draft).split())
    assert "V/v phúc đáp văn bản số 40/CTPH-HKVN-ĐTNCSHCM của Hội Khuyến học Việt Nam" in text
    assert "Kính gửi: Hội Khuyến học Việt Nam." in text
    assert OPENING in text and "giai đoạn 2026 – 2030, Hội Khuyến học tỉnh Bến Tre và Tỉnh đoàn Bến Tre trả lời như sau:" in text
    assert "Nội dung công văn" in text and "Trân trọng./." in text
    assert "Nơi nhận: - Hội Khuyến học Việt Nam; - Lưu: VT." in text
    # no programme left in it: no type name line, no sections
    assert "CHƯƠNG TRÌNH" not in text and "MỤC ĐÍCH" not in text and "TRÁCH NHIỆM" not in text
    assert re.search(r"Số:\s*/HKH-TĐ", layout_text(draft).replace("Số:", "Số: ", 1)), layout_text(draft)[:200]
    page_png(draft, "reply-draft")

    # the draft form of a công văn asks for "Kính gửi" and the body, not a programme's sections
    login(client, "vanthu")
    form = client.get(f"/documents/{reply_id}/edit").get_data(as_text=True)
    assert "Kính gửi" in form and "Nội dung công văn" in form and "I.1. Mục đích" not in form
    assert 'name="addressees"' in form and "Hội Khuyến học Việt Nam" in form
    assert "Kính gửi" in client.get("/documents/new?kind=official_letter").get_data(as_text=True)

    # the clerk writes the body, then the normal path
    fields["contents"] = ["Hội Khuyến học tỉnh và Tỉnh đoàn thống nhất triển khai chương trình trên địa bàn tỉnh."]
    edit = client.patch(f"/api/v1/documents/{reply_id}", headers=h, json={"fields": fields, "version": 1})
    assert edit.status_code == 200, edit.get_json()
    submit(client, reply_id)
    sign_both(client, reply_id)
    sealed = seal_both(client, reply_id)
    assert re.fullmatch(r"\d{2,}/HKH-TĐ", sealed["doc_number"]), sealed
    final = client.get(f"/api/v1/documents/{reply_id}/file", headers=h).data
    assert f"Số:{sealed['doc_number']}" in layout_text(final)
    sigs = nssdb.pdfsig(final)
    people = [s for s in sigs if not s.field_name.startswith("LTA_timestamp")]
    assert len(people) == 4 and all(s.valid and s.trusted for s in people), nssdb.pdfsig_text(final)
    report = client.get(f"/api/v1/documents/{reply_id}/verification?rerun=1", headers=h).get_json()
    assert report["ok"] and len(report["signatures"]) == 4, report
    assert {s["modification_level"] for s in report["signatures"]} <= {"NONE", "LTA_UPDATES", "FORM_FILLING"}
    page_png(final, "reply-sealed")
    with exchange_app.extensions["khd.sessions"]() as s:
        entry = s.scalars(select(RegisterEntry).where(RegisterEntry.document_id == reply_id,
                                                      RegisterEntry.role == "lead")).one()
        assert entry.doc_number == sealed["doc_number"]  # the organisation's one yearly series

    issued = client.post(f"/api/v1/documents/{reply_id}/issue", headers=h, json={"secret": DEMO_PASSWORD})
    assert issued.status_code == 201, issued.get_json()
    packages = [m for m in outbox(exchange_app) if b"edXMLEnvelope" in m and b"<edXML:Status>" not in m]
    pkg, _ = edxml.open_package(packages[-1])
    assert pkg.header.type_name == "Công văn" and pkg.header.code_notation == "HKH-TĐ"
