"""Certified electronic copies (sao y, trích sao) of a final record: signed by the copying organisation,
numbered in its copy register, stored, listed, and recognised by the verify API."""
from __future__ import annotations

import io
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from khuyenhoc_docs.models import AuditEvent, DocumentCopy
from khuyenhoc_docs.web.messages import CODE_MESSAGES
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.factories import make_user
from tests.flow import api_token, seal_both  # tokens reused: whole flows would hit the sign-in limit
from tests.services.nss import NssDb
from tests.test_signing_flow import CHAIRS, current_pdf, sign, submitted


@pytest.fixture
def nssdb(app, tmp_path):
    roots = [c.public_bytes(Encoding.PEM) for c in app.extensions["khd.services"].trust_roots]
    return NssDb.create(tmp_path / "nss", roots)


def _msg(resp) -> str:
    return resp.get_json()["error"]["message"]


def _final(client) -> tuple[int, dict]:
    doc_id, h = submitted(client)
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)  # final once both organisations have sealed it
    return doc_id, h


def _copy(client, doc_id: int, username: str, **body):
    body.setdefault("secret", DEMO_PASSWORD)
    return client.post(f"/api/v1/documents/{doc_id}/copies", headers=api_token(client, username), json=body)


def _text(pdf: bytes, tmp_path, page: int = 1) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def _pages(pdf: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_sao_y_keeps_the_original_signatures_and_adds_the_organisations(app, client, nssdb, tmp_path):
    doc_id, h = _final(client)
    record = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
    original = current_pdf(client, doc_id, h)

    resp = _copy(client, doc_id, "luutru", kind="sao_y")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    copy = resp.get_json()
    assert copy["kind"] == "sao_y" and copy["number"] == 1 and copy["copy_number"].startswith("01/")
    assert copy["pages"] == list(range(1, _pages(original, tmp_path) + 1))
    pdf = client.get(copy["download_url"], headers=h).data
    assert pdf.startswith(original)  # an incremental update: the record's bytes are untouched

    # pyHanko: the chairs' and the seals' signatures, the document timestamp and the copy signature all valid
    report = client.post("/api/v1/verify", headers=h, data={"file": (io.BytesIO(pdf), "sao-y.pdf")},
                         content_type="multipart/form-data").get_json()
    assert report["ok"] is True, report["summary"]
    assert len(report["signatures"]) == 5 and all(s["intact"] and s["trusted"] for s in report["signatures"])
    copy_sig = next(s for s in report["signatures"] if s["field_name"] == "KHD_BanSao")
    assert copy_sig["signer_cn"] != "" and copy_sig["signer_cn"] not in ("Đặng Thị Hoa", "Lâm Như Quỳnh")
    assert report["copy_of"] == {"document_id": doc_id, "doc_number": record["doc_number"],
                                 "copy_number": copy["copy_number"], "kind": "sao_y",
                                 "organisation": copy["organisation"]}
    assert report["summary"].startswith(f"Bản sao y của văn bản số {record['doc_number']}")

    # poppler's pdfsig, an independent verifier: every signature valid and trusted
    sigs = [s for s in nssdb.pdfsig(pdf) if not s.field_name.startswith("LTA_timestamp")]
    assert len(sigs) == 5 and all(s.valid and s.trusted for s in sigs), nssdb.pdfsig_text(pdf)
    assert any(s.field_name == "KHD_BanSao" for s in sigs)

    # the copy text, top right of page 1: form, copying organisation, ISO 8601 time with +07:00
    text = _text(pdf, tmp_path)
    assert "SAO Y" in text and "+07:00" in text
    first = next(line for line in text.splitlines() if "SAO Y" in line)
    assert first.index("SAO Y") > len(first) // 2  # right half of the page

    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "certified_copy",
                                                 AuditEvent.object_id == doc_id)) is not None


def test_trich_sao_of_page_2_and_the_register_numbers(app, client, tmp_path):
    doc_id, h = _final(client)
    original = current_pdf(client, doc_id, h)
    assert _pages(original, tmp_path) >= 2

    first = _copy(client, doc_id, "vanthu", kind="trich_sao", pages=[2])
    assert first.status_code == 201, first.get_data(as_text=True)
    second = _copy(client, doc_id, "vanthu", kind="sao_y")
    assert second.status_code == 201, second.get_data(as_text=True)
    numbers = [first.get_json()["number"], second.get_json()["number"]]
    assert numbers == [1, 2]
    # another organisation keeps its own register
    partner = _copy(client, doc_id, "vanthu.td", kind="trich_sao", pages=[1])
    assert partner.status_code == 201 and partner.get_json()["number"] == 1

    trich = first.get_json()
    assert trich["pages"] == [2] and "không còn kiểm tra" in trich["note"]
    pdf = client.get(trich["download_url"], headers=h).data
    assert _pages(pdf, tmp_path) == 1
    assert "TRÍCH SAO" in _text(pdf, tmp_path)
    report = client.post("/api/v1/verify", headers=h, data={"file": (io.BytesIO(pdf), "trich.pdf")},
                         content_type="multipart/form-data").get_json()
    assert report["ok"] is True and len(report["signatures"]) == 1, report["summary"]
    assert report["copy_of"]["kind"] == "trich_sao" and report["copy_of"]["document_id"] == doc_id
    assert report["summary"].startswith("Trích sao của văn bản số")

    listed = client.get(f"/api/v1/documents/{doc_id}/copies", headers=h).get_json()["items"]
    assert [c["id"] for c in listed] == [partner.get_json()["id"], second.get_json()["id"], trich["id"]]
    import hashlib

    assert trich["sha256"] == hashlib.sha256(pdf).hexdigest()


def test_copy_refusals(app, client):
    doc_id, h = submitted(client)
    not_final = _copy(client, doc_id, "vanthu", kind="sao_y")
    assert not_final.status_code == 409 and _msg(not_final) == CODE_MESSAGES["copy_not_final"]
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    signed_only = _copy(client, doc_id, "vanthu", kind="sao_y")  # signed, not sealed: not final yet
    assert signed_only.status_code == 409 and _msg(signed_only) == CODE_MESSAGES["copy_not_final"]
    seal_both(client, doc_id)

    assert _copy(client, doc_id, "chutich.hkh", kind="sao_y").status_code == 403
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")  # an organisation not holding it
    assert _copy(client, doc_id, "vanthu.ct", kind="sao_y").status_code in (403, 404)
    bad_kind = _copy(client, doc_id, "vanthu", kind="photocopy")
    assert bad_kind.status_code == 422 and _msg(bad_kind) == CODE_MESSAGES["copy_kind"]
    empty = _copy(client, doc_id, "vanthu", kind="trich_sao", pages=[])
    assert empty.status_code == 422 and _msg(empty) == CODE_MESSAGES["copy_pages_empty"]
    out = _copy(client, doc_id, "vanthu", kind="trich_sao", pages=[1, 99])
    assert out.status_code == 422 and _msg(out) == CODE_MESSAGES["copy_pages_range"]
    zero = _copy(client, doc_id, "vanthu", kind="trich_sao", pages=[0])
    assert zero.status_code == 422
    wrong = _copy(client, doc_id, "vanthu", kind="sao_y", secret="sai-mat-khau")
    assert wrong.status_code == 422 and _msg(wrong) == CODE_MESSAGES["WrongPassphrase"]
    missing = _copy(client, doc_id, "vanthu", kind="sao_y", secret="")
    assert missing.status_code == 422
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(DocumentCopy.id)) is None  # nothing half-written, no number taken
    ok = _copy(client, doc_id, "vanthu", kind="sao_y")
    assert ok.status_code == 201 and ok.get_json()["number"] == 1


def test_record_page_button_and_list(app, client):
    doc_id, h = _final(client)
    chair = app.test_client()
    login(chair, "chutich.hkh")
    assert "Tạo bản sao" not in chair.get(f"/documents/{doc_id}").get_data(as_text=True)  # a chair: no form

    login(client, "luutru")
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Tạo bản sao" in page and "Chưa có bản sao nào." in page
    token = csrf_token(client, f"/documents/{doc_id}")
    bad = client.post(f"/documents/{doc_id}/copies", data={"csrf_token": token, "kind": "trich_sao", "pages": "9-12",
                                                           "secret": DEMO_PASSWORD}, follow_redirects=True)
    assert CODE_MESSAGES["copy_pages_range"] in bad.get_data(as_text=True)
    done = client.post(f"/documents/{doc_id}/copies", data={"csrf_token": token, "kind": "trich_sao", "pages": "1-2",
                                                            "secret": DEMO_PASSWORD}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Đã tạo bản sao số 01/" in html and "Trích sao" in html and "1, 2" in html
    with app.extensions["khd.sessions"]() as s:
        copy_id = s.scalar(select(DocumentCopy.id).where(DocumentCopy.document_id == doc_id))
    pdf = client.get(f"/documents/{doc_id}/copies/{copy_id}/file")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")

    # the verify page names it as a copy; so does the public page of its record (nothing else disclosed)
    token = csrf_token(client, "/verify")
    checked = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(pdf.data), "ban-sao.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="copy-of"' in checked and "Trích sao" in checked
    code = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["record_code"]
    public = app.test_client().post(f"/v/{code}?format=json", data={"file": (io.BytesIO(pdf.data), "x.pdf")},
                                    content_type="multipart/form-data").get_json()
    assert public["summary"].startswith("Trích sao của văn bản số") and public["copy_of"]["kind"] == "trich_sao"
    assert "document_id" not in public["copy_of"]

    # the archive search finds the record by the copy number
    number = done_number(html)
    found = client.get("/api/v1/search", headers=h, query_string={"q": number})
    assert found.status_code == 200 and doc_id in [i["document_id"] for i in found.get_json()["items"]], number


def done_number(html: str) -> str:
    import re

    match = re.search(r"Đã tạo bản sao số (\S+?)\.", html)
    assert match, "no copy number flashed"
    return match.group(1)
