"""Template management: new versions, placeholder listing, refusals, documents pinned to their version."""
from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import Document, TemplateVersion
from tests.conftest import api_token, csrf_token, login

ROOT = Path(__file__).resolve().parent.parent


def _upload(client, kind: str, data: bytes, name: str):
    return client.post("/admin/templates/", data={"csrf_token": csrf_token(client, "/admin/templates/"), "kind": kind,
                                                  "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_new_version_lists_placeholders_and_documents_keep_theirs(app, client):
    h = api_token(client, "vanthu")
    listed = {t["kind"]: t for t in client.get("/api/v1/templates", headers=h).get_json()["items"]}
    assert set(listed) == {"programme_province", "programme_district", "programme_grassroots", "agreement",
                            "official_letter"}
    assert "doc_number" in listed["programme_province"]["placeholders"] and listed["programme_province"]["version"] == 1
    old_doc = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    login(client, "admin")
    resp = _upload(client, "programme_province", (ROOT / "templates" / "programme_province.docx").read_bytes(),
                   "mau-tinh-v2.docx")
    assert resp.status_code == 302
    page = client.get("/admin/templates/").get_data(as_text=True)
    assert "mau-tinh-v2.docx" in page and "doc_number" in page
    new = client.post("/api/v1/documents", headers=h, json={"kind": "programme_province",
                                                             "fields": reference_fields().to_dict()}).get_json()
    fields = client.get(f"/api/v1/documents/{old_doc}", headers=h).get_json()["fields"]
    client.patch(f"/api/v1/documents/{old_doc}", headers=h, json={"fields": fields})
    with app.extensions["khd.sessions"]() as s:
        version_of = {d.id: d.template_version.version for d in s.scalars(select(Document))}
    assert version_of[old_doc] == 1 and version_of[new["id"]] == 2


def test_bad_templates_are_refused_with_a_clear_message(app, client):
    login(client, "admin")
    with app.extensions["khd.sessions"]() as s:
        before = s.scalar(select(func.count()).select_from(TemplateVersion))
    not_docx = _upload(client, "programme_province", b"this is not a zip", "x.docx")
    assert not_docx.status_code == 422 and "docx" in not_docx.get_data(as_text=True).lower()
    wrong_kind = _upload(client, "nonsense", (ROOT / "templates" / "agreement.docx").read_bytes(), "a.docx")
    assert wrong_kind.status_code == 422
    # the agreement template lacks placeholders a district programme requires (the parent programme)
    missing = _upload(client, "programme_district", (ROOT / "templates" / "agreement.docx").read_bytes(), "a.docx")
    assert missing.status_code == 422 and "report_deadline" in missing.get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(TemplateVersion)) == before
