"""Drafting through the API and the UI: versions, files, numbering on submission, withdrawal."""
from __future__ import annotations

import copy
import io
import subprocess

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from sqlalchemy import func, select

from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import Document, DocumentVersion, RegisterEntry
from tests.conftest import api_token, csrf_token, login


def pdftext(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(out.decode().split())


def _demo_doc_id(client, headers) -> int:
    items = client.get("/api/v1/documents", headers=headers).get_json()["items"]
    assert len(items) == 1
    return items[0]["id"]


def _count(app, model) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_demo_draft_holds_the_reference_programme(client):
    h = api_token(client, "vanthu")
    doc_id = _demo_doc_id(client, h)
    doc = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
    assert doc["status"] == "draft" and doc["current_version"] == 1 and doc["doc_number"] is None
    assert doc["fields"] == reference_fields().to_dict()
    pdf = client.get(f"/api/v1/documents/{doc_id}/file?format=pdf", headers=h).data
    text = pdftext(pdf)
    assert pdf.startswith(b"%PDF") and "“Gia đình học tập”" in text and "Lâm Như Quỳnh" in text
    docx = client.get(f"/api/v1/documents/{doc_id}/file?format=docx&version=1", headers=h)
    assert docx.status_code == 200 and docx.data[:2] == b"PK"


def test_create_edit_and_versions(app, client):
    h = api_token(client, "vanthu")
    fields = reference_fields().to_dict()
    created = client.post("/api/v1/documents", headers=h, json={"kind": "programme_province", "fields": fields})
    assert created.status_code == 201, created.get_json()
    doc = created.get_json()
    fields["contents"] = fields["contents"][:3] + ["Phối hợp tổ chức ngày hội “Đọc sách vì tương lai”."]
    patched = client.patch(f"/api/v1/documents/{doc['id']}", headers=h, json={"fields": fields, "version": 1})
    assert patched.status_code == 200 and patched.get_json()["current_version"] == 2
    stale = client.patch(f"/api/v1/documents/{doc['id']}", headers=h, json={"fields": fields, "version": 1})
    assert stale.status_code == 409 and "phiên bản" in stale.get_json()["error"]["message"]
    versions = client.get(f"/api/v1/documents/{doc['id']}/versions", headers=h).get_json()["items"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["pdf_sha256"] != versions[1]["pdf_sha256"]
    v2 = pdftext(client.get(f"/api/v1/documents/{doc['id']}/file?version=2", headers=h).data)
    assert "Đọc sách vì tương lai" in v2 and "Đọc sách vì tương lai" not in pdftext(
        client.get(f"/api/v1/documents/{doc['id']}/file?version=1", headers=h).data)


def test_bad_input_creates_nothing(app, client):
    h = api_token(client, "vanthu")
    before = (_count(app, Document), _count(app, DocumentVersion))
    fields = reference_fields().to_dict()
    missing = copy.deepcopy(fields)
    missing["summary"] = ""
    missing["party_b"]["signer_name"] = ""
    resp = client.post("/api/v1/documents", headers=h, json={"kind": "programme_province", "fields": missing})
    assert resp.status_code == 422
    errs = resp.get_json()["error"]["fields"]
    assert "summary" in errs and "party_b.signer_name" in errs
    huge = copy.deepcopy(fields)
    huge["preamble"] = "khuyến học " * 300_000  # ~3.3 MB
    assert client.post("/api/v1/documents", headers=h,
                       json={"kind": "programme_province", "fields": huge}).status_code in (413, 422)
    unknown = client.post("/api/v1/documents", headers=h, json={"kind": "hacker", "fields": fields})
    assert unknown.status_code == 422
    not_json = client.post("/api/v1/documents", headers=h, data="{{", content_type="application/json")
    assert not_json.status_code in (400, 422)
    assert (_count(app, Document), _count(app, DocumentVersion)) == before


def test_submit_places_every_field_and_gives_no_number(app, client):
    h = api_token(client, "vanthu")
    doc_id = _demo_doc_id(client, h)
    resp = client.post(f"/api/v1/documents/{doc_id}/submit", headers=h)
    assert resp.status_code == 200, resp.get_json()
    doc = resp.get_json()
    # the lead's clerk numbers and dates the document at sealing, after both chairs have signed
    assert doc["doc_number"] is None and doc["issue_date"] is None and doc["status"] == "awaiting_signatures"
    assert [(s["signer"], s["status"]) for s in doc["signatures"]] == [
        ("phobithu.td", "pending"), ("chutich.hkh", "pending")]
    pdf = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    fields = {name: filled for name, filled, _ in
              ((n, v is not None, r) for n, v, r in enumerate_sig_fields(PdfFileReader(io.BytesIO(pdf))))}
    # every field before the first signature: both chairs', both seals, the copy field a certified copy signs
    assert fields == {"sig_a": False, "sig_b": False, "seal_lead": False, "seal_partner": False, "KHD_BanSao": False}
    form = {str(f.get_object()["/T"]): f.get_object().get("/V")
            for f in PdfFileReader(io.BytesIO(pdf)).root["/AcroForm"]["/Fields"]}
    assert form["doc_number"] is None and form["issue_date"] is None
    text = pdftext(pdf)
    assert "/CTPH-HKH-TĐ" in text and "01/CTPH" not in text and "ngày" not in text.split("CHƯƠNG TRÌNH")[0]
    with app.extensions["khd.sessions"]() as s:
        assert s.scalars(select(RegisterEntry)).all() == []
    again = client.post(f"/api/v1/documents/{doc_id}/submit", headers=h)
    assert again.status_code == 409


def test_withdrawn_number_is_void_and_never_reused(app, client):
    from tests.flow import sign_and_seal

    h = api_token(client, "vanthu")
    fields = reference_fields().to_dict()
    ids = [client.post("/api/v1/documents", headers=h, json={"kind": "programme_province", "fields": fields})
           .get_json()["id"] for _ in range(2)]
    assert client.post(f"/api/v1/documents/{ids[0]}/submit", headers=h).status_code == 200
    first = sign_and_seal(client, ids[0])["doc_number"]
    assert client.post(f"/api/v1/documents/{ids[0]}/withdraw", headers=h, json={}).status_code == 422
    w = client.post(f"/api/v1/documents/{ids[0]}/withdraw", headers=h, json={"reason": "Sai nội dung mục 3"})
    assert w.status_code == 200 and w.get_json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/documents/{ids[1]}/submit", headers=h).status_code == 200
    second = sign_and_seal(client, ids[1])["doc_number"]
    assert (first, second) == ("01/CTPH-HKH-TĐ", "02/CTPH-HKH-TĐ")
    with app.extensions["khd.sessions"]() as s:
        rows = s.execute(select(RegisterEntry.number, RegisterEntry.status).where(RegisterEntry.role == "lead")
                         .order_by(RegisterEntry.number)).all()
    assert rows == [(1, "void"), (2, "active")]


def test_other_roles_cannot_draft_or_submit(client):
    h = api_token(client, "chutich.hkh")
    fields = reference_fields().to_dict()
    assert client.post("/api/v1/documents", headers=h, json={"kind": "programme_province",
                                                              "fields": fields}).status_code == 403
    archivist = api_token(client, "luutru")
    doc_id = _demo_doc_id(client, archivist)
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=archivist).status_code == 403
    assert client.get(f"/api/v1/documents/{doc_id}", headers=archivist).status_code == 200


def test_ui_draft_form_preview_and_versions(client):
    login(client, "vanthu")
    form = client.get("/documents/new?kind=programme_province")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and "Tăng cường sự phối hợp giữa Hội Khuyến học" in html
    token = csrf_token(client, "/documents/new")
    fields = reference_fields()
    data = {
        "csrf_token": token, "kind": "programme_province", "doc_type": fields.doc_type, "summary": fields.summary,
        "period": fields.period, "place": fields.place, "preamble": fields.preamble, "closing": fields.closing,
        "archive": fields.archive, "type_abbr": "CTPH", "org_abbrs": "HKH, TĐ", "routing": "sequential",
        "purposes": list(fields.purposes), "requirements": list(fields.requirements),
        "contents": list(fields.contents) + [""], "recipients": list(fields.recipients),
        "resp_heading": [r.heading for r in fields.responsibilities],
        "resp_items": ["\n".join(r.items) for r in fields.responsibilities],
    }
    for party, value in (("party_a", fields.party_a), ("party_b", fields.party_b)):
        for f in ("org_name", "org_name_upper_for_header", "authority_prefix", "position", "signer_name"):
            data[f"{party}.{f}"] = getattr(value, f)
    resp = client.post("/documents/new", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert 'iframe class="preview"' in page and "Tạo dự thảo" in page
    data["summary"] = ""
    bad = client.post("/documents/new", data=data)
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)


def test_new_draft_for_the_demo_clerk_starts_from_the_reference_values(app):
    from khuyenhoc_docs.models import User
    from khuyenhoc_docs.orgtree import counterpart
    from khuyenhoc_docs.workflow.prefill import initial_fields

    with app.extensions["khd.sessions"]() as s:
        clerk = s.scalar(select(User).where(User.username == "vanthu"))
        org = clerk.organisation
        values = initial_fields(s, "programme_province", org, counterpart(s, org))
    assert values == reference_fields().to_dict()
