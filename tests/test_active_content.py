"""Issue 14 item 24: PDFs with JavaScript, launch actions or embedded files are refused as reports and
named in verify reports."""
from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from khuyenhoc_docs.models import StoredObject
from khuyenhoc_docs.signing.active_content import ATTACHMENT, EMBEDDED, JAVASCRIPT, LAUNCH, active_content
from tests.conftest import api_token
from tests.factories import make_user
from tests.test_followup import first_report_year, issued_programme, jobs_app  # noqa: F401  (fixture)

N = generic.NameObject


def _action(w, kind: str):
    if kind == "js":
        return w.add_object(generic.DictionaryObject({N("/S"): N("/JavaScript"),
                                                      N("/JS"): generic.TextStringObject("app.alert(1)")}))
    return w.add_object(generic.DictionaryObject({N("/S"): N("/Launch"),
                                                  N("/F"): generic.TextStringObject("cmd.exe")}))


def hostile(pdf: bytes, *kinds: str) -> bytes:
    """The PDF with an /OpenAction JavaScript or Launch, an embedded .exe, or a file attachment annotation."""
    w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for kind in kinds:
        if kind in ("js", "launch"):
            w.root[N("/OpenAction")] = _action(w, kind)
            w.update_root()
        elif kind == "embedded":
            ef = embed.EmbeddedFileObject.from_file_data(w, b"MZ\x90\x00 fake exe", mime_type="application/x-msdownload")
            embed.embed_file(w, embed.FileSpec(file_spec_string="setup.exe", embedded_data=ef))
        elif kind == "page_js":  # an additional action on page 1, no catalog entry at all
            page_ref = w.root["/Pages"]["/Kids"].raw_get(0)
            page = page_ref.get_object()
            page[N("/AA")] = generic.DictionaryObject({N("/O"): _action(w, "js")})
            w.mark_update(page_ref)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.fixture
def programme_pdf(jobs_app):  # noqa: F811
    client = jobs_app.test_client()
    year = first_report_year()
    doc_id, h, _ = issued_programme(client, jobs_app, period=f"{year} – {year + 4}")
    return client, doc_id, h, client.get(f"/api/v1/documents/{doc_id}/file?version=1", headers=h).data


def test_scanner_names_each_kind(programme_pdf):
    *_, pdf = programme_pdf
    read = lambda data: active_content(PdfFileReader(io.BytesIO(data), strict=False))  # noqa: E731
    assert read(pdf) == ()
    assert read(hostile(pdf, "js")) == (JAVASCRIPT,)
    assert read(hostile(pdf, "launch")) == (LAUNCH,)
    assert EMBEDDED in read(hostile(pdf, "embedded"))
    assert read(hostile(pdf, "page_js")) == (JAVASCRIPT,)
    assert set(read(hostile(pdf, "js", "embedded"))) >= {JAVASCRIPT, EMBEDDED}
    assert ATTACHMENT not in read(pdf)


def test_a_report_with_active_content_is_refused(jobs_app, programme_pdf):  # noqa: F811
    client, doc_id, h, pdf = programme_pdf
    year = first_report_year()
    make_user(jobs_app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    h_ct = api_token(client, "vanthu.ct")
    items = client.get(f"/api/v1/reports?year={year}", headers=h).get_json()["items"]
    mine = next(i for i in items if i["unit"] == "Hội Khuyến học huyện Châu Thành")
    with jobs_app.extensions["khd.sessions"]() as s:
        before = s.scalar(select(func.count()).select_from(StoredObject))
    for kinds, named in ((("js", "embedded"), "JavaScript"), (("launch",), "Launch"), (("embedded",), "tệp nhúng")):
        resp = client.post(f"/api/v1/reports/{mine['id']}/submission", headers=h_ct,
                           data={"file": (io.BytesIO(hostile(pdf, *kinds)), "bao-cao.pdf")},
                           content_type="multipart/form-data")
        assert resp.status_code == 422, kinds
        assert named in resp.get_json()["error"]["message"]
    with jobs_app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(StoredObject)) == before
    clean = client.post(f"/api/v1/reports/{mine['id']}/submission", headers=h_ct,
                        data={"file": (io.BytesIO(pdf), "bao-cao.pdf")}, content_type="multipart/form-data")
    assert clean.status_code == 201


def test_verify_report_names_active_content(programme_pdf):
    client, doc_id, h, _ = programme_pdf
    signed = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    resp = client.post("/api/v1/verify", headers=h, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(hostile(signed, "js", "embedded")), "x.pdf")})
    body = resp.get_json()
    assert resp.status_code == 200
    assert JAVASCRIPT in body["active_content"] and EMBEDDED in body["active_content"]
    assert "nội dung chủ động" in body["summary"]
    plain = client.post("/api/v1/verify", headers=h, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(signed), "x.pdf")}).get_json()
    assert plain["active_content"] == [] and plain["ok"] is True
