"""Issue 14 item 20: organisation abbreviations are validated (422); every file or archive-member name
built from user data is sanitised."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from khuyenhoc_docs.filenames import document_basename, safe_filename
from khuyenhoc_docs.models import Document, Organisation, OrgLevel
from khuyenhoc_docs.organisations import abbreviation_error
from tests.conftest import api_token, csrf_token, login


@pytest.mark.parametrize("value", ["HKH", "TĐ", "ThĐ", "ĐTN", "HĐ-BT", "KH2", "Tđ"])
def test_good_abbreviations(value):
    assert abbreviation_error(value) is None


@pytest.mark.parametrize("value", ["", "A/B", "A\\B", 'A"B', "A'B", "A\r\nB", "A\nB", "-A", "A-", "A--B", "A B",
                                   "..\\..\\x", "A_B", "A;B", "X" * 41, "HKH\t"  "x", "A\u0000B"])
def test_bad_abbreviations(value):
    assert abbreviation_error(value)


@pytest.mark.parametrize(("name", "expected"), [
    ("05/CTPH-HKH-TĐ", "05-CTPH-HKH-TĐ"), ("../../etc/passwd", "etc-passwd"), ("a\\b\r\nc", "a-b c"),
    ("", "tep"), ("Báo cáo năm 2026.pdf", "Báo cáo năm 2026.pdf"), ('x"y', "x-y")])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected
    assert document_basename(None, 7) == "van-ban-7"


def test_admin_form_refuses_a_bad_abbreviation_and_writes_nothing(app, client):
    login(client, "admin")
    with app.extensions["khd.sessions"]() as s:
        parent_id = s.scalar(select(Organisation.id).where(Organisation.name == "Huyện đoàn Ba Tri"))
        level_id = s.scalar(select(OrgLevel.id).where(OrgLevel.code == "grassroots"))
        before = s.scalar(select(func.count()).select_from(Organisation))
    resp = client.post("/admin/organisations", data={
        "csrf_token": csrf_token(client, "/admin/organisations"), "name": "Đoàn xã An Đức", "level_id": level_id,
        "family": "doan", "abbreviation": "ĐTN\\..\\x\r\nabc", "parent_id": parent_id})
    assert resp.status_code == 422
    assert "chỉ gồm chữ cái, chữ số và dấu gạch ngang ở giữa" in resp.get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(Organisation)) == before


def test_evidence_zip_members_and_sums_stay_clean_for_a_hostile_number(app, client):
    """A number built before validation existed (legacy row) still makes no path or forged line."""
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    with app.extensions["khd.sessions"]() as s:
        s.get(Document, doc_id).doc_number = "01/CTPH-X\\..\\..\\evil.exe\n" + "0" * 64 + "  forged.pdf"
        s.commit()
    resp = client.get(f"/api/v1/documents/{doc_id}/evidence.zip", headers=h)
    assert resp.status_code == 200
    disposition = resp.headers["Content-Disposition"]
    assert "\\" not in disposition and "\n" not in disposition
    zf = zipfile.ZipFile(io.BytesIO(resp.data))
    names = zf.namelist()
    assert all("/" not in n and "\\" not in n and "\n" not in n and not n.startswith(".") for n in names), names
    sums = zf.read("SHA256SUMS").decode().splitlines()
    assert len(sums) == len(names) - 2  # every file but the manifest and the sums themselves
    assert all(re.fullmatch(r"[0-9a-f]{64}  [^\r\n]+", line) for line in sums)
    assert not any(line.endswith("forged.pdf") and "evil" not in line for line in sums)
    assert {line.split("  ", 1)[1] for line in sums} <= set(names)
