"""A unit's yearly report handed in as DOCX is signed as its PDF (converted by the real LibreOffice),
previewed first by the chair; checked by pyHanko and by poppler's pdfsig."""
from __future__ import annotations

import io
import subprocess

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select

from khuyenhoc_docs.models import ReportObligation
from khuyenhoc_docs.signing.validation import validate_pdf
from khuyenhoc_docs.workflow.reports import submit_report
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.services.nss import NssDb
from tests.test_followup import jobs_app, unit_with_chair  # noqa: F401 (fixture)

UNIT_LINE = "Hội Khuyến học huyện Giồng Trôm báo cáo kết quả thực hiện"


def pdftext(pdf: bytes) -> str:
    return " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                   check=True).stdout.decode().split())


def _hand_in_docx(client, obligation_id: int) -> bytes:
    """The unit's clerk downloads the pre-filled report .docx and hands it in unchanged."""
    login(client, "vanthu.gt")
    docx = client.get(f"/reports/{obligation_id}/template.docx").data
    client.get("/logout")
    resp = client.post(f"/api/v1/reports/{obligation_id}/submission", headers=api_token(client, "vanthu.gt"),
                       data={"file": (io.BytesIO(docx), "Báo cáo Giồng Trôm.docx")}, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    return docx


def _signed(app, obligation_id: int) -> bytes | None:
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        row = s.get(ReportObligation, obligation_id).signed_object
        return None if row is None else svc.store.get(row.key, row.version_id, expected_sha256=row.sha256)


def test_the_chair_previews_and_signs_a_docx_report(jobs_app, tmp_path):  # noqa: F811
    client = jobs_app.test_client()
    _, _, number, mine, year = unit_with_chair(jobs_app, client)
    _hand_in_docx(client, mine["id"])

    login(client, "chutich.gt")
    page = client.get(f"/reports?year={year}").get_data(as_text=True)
    assert "Xem bản PDF sẽ ký" in page and f'action="/reports/{mine["id"]}/sign"' in page
    preview = client.get(f"/reports/{mine['id']}/report.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    assert 'filename*=UTF-8\'\'B%C3%A1o' in preview.headers["Content-Disposition"]
    assert UNIT_LINE in pdftext(preview.data)
    client.get("/logout")

    ok = client.post(f"/api/v1/reports/{mine['id']}/sign", headers=api_token(client, "chutich.gt"),
                     json={"secret": DEMO_PASSWORD})
    assert ok.status_code == 200, ok.get_json()
    signed = _signed(jobs_app, mine["id"])
    assert signed is not None and signed.startswith(b"%PDF")
    svc = jobs_app.extensions["khd.services"]
    report = validate_pdf(signed, trust_roots=svc.trust_roots)
    assert report.ok and [sig.signer_cn for sig in report.signatures] == ["Võ Văn Tài"]
    nss = NssDb.create(tmp_path / "nss", [c.public_bytes(Encoding.PEM) for c in svc.trust_roots])
    sigs = nss.pdfsig(signed)
    assert len(sigs) == 1 and sigs[0].valid and sigs[0].trusted, nss.pdfsig_text(signed)
    text = pdftext(signed)
    assert UNIT_LINE in text and number in text  # the report's own words, and the attachment stamp

    # From now on the report is the signed PDF, named as one, for whoever sees the unit's line.
    login(client, "vanthu")
    resp = client.get(f"/reports/{mine['id']}/file")
    assert resp.mimetype == "application/pdf" and resp.data == signed
    assert resp.headers["Content-Disposition"].endswith(".pdf")
    assert client.get(f"/reports/{mine['id']}/report.pdf").data == signed
    assert "Báo cáo Giồng Trôm.pdf</a>" in client.get(f"/reports?year={year}").get_data(as_text=True)


class _ReplacedWhileConverting:
    """The real converter; while it converts, the unit hands in another file (committed elsewhere)."""

    def __init__(self, app, real, obligation_id: int, other: bytes) -> None:
        self.app, self.real, self.obligation_id, self.other = app, real, obligation_id, other

    def convert(self, docx: bytes, *, timeout: float | None = None) -> bytes:
        pdf = self.real.convert(docx, timeout=timeout)
        from khuyenhoc_docs.access import Principal
        from khuyenhoc_docs.audit import Actor
        from khuyenhoc_docs.models import User

        svc = self.app.extensions["khd.services"]
        with self.app.extensions["khd.sessions"]() as s:
            clerk = s.scalars(select(User).where(User.username == "vanthu.gt")).one()
            submit_report(s, svc, Principal.of(s, clerk), Actor(clerk, "127.0.0.1"), self.obligation_id, "moi.docx", self.other)
        return pdf


def test_a_report_replaced_while_the_chair_signs_is_not_signed(jobs_app):  # noqa: F811
    client = jobs_app.test_client()
    _, _, _, mine, _ = unit_with_chair(jobs_app, client)
    docx = _hand_in_docx(client, mine["id"])
    svc = jobs_app.extensions["khd.services"]
    real = svc.converter
    svc.__dict__["converter"] = _ReplacedWhileConverting(jobs_app, real, mine["id"], docx)
    try:
        resp = client.post(f"/api/v1/reports/{mine['id']}/sign", headers=api_token(client, "chutich.gt"),
                           json={"secret": DEMO_PASSWORD})
    finally:
        svc.__dict__["converter"] = real
    assert resp.status_code == 409, resp.get_json()
    assert "nộp lại tệp báo cáo trong lúc ký" in resp.get_json()["error"]["message"]
    assert _signed(jobs_app, mine["id"]) is None
    with jobs_app.extensions["khd.sessions"]() as s:
        assert s.get(ReportObligation, mine["id"]).filename == "moi.docx"


@pytest.mark.parametrize("who", ["vanthu.gt", "chutich.hkh"])
def test_no_preview_before_a_report_is_handed_in(jobs_app, who):  # noqa: F811
    client = jobs_app.test_client()
    _, _, _, mine, _ = unit_with_chair(jobs_app, client)
    login(client, who)
    resp = client.get(f"/reports/{mine['id']}/report.pdf")
    assert resp.status_code == 404 and "Không tìm thấy báo cáo đã nộp" in resp.get_data(as_text=True)


class _Listener:
    """A real HTTP server that records the paths asked of it (what a converted file made LibreOffice fetch)."""

    def __init__(self) -> None:
        import http.server
        import threading

        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                seen.append(self.path)
                self.send_error(404)

            do_OPTIONS = do_HEAD = do_GET  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_docx_report_that_links_outside_itself_is_never_converted(jobs_app):  # noqa: F811
    from tests.drafting.test_outside_refs import edit, with_picture

    listener = _Listener()
    try:
        linked = edit(edit(with_picture(), "word/_rels/document.xml.rels", lambda xml: xml.replace(
            b'Target="media/image1.png"', f'Target="{listener.url}/noi-bo.png" TargetMode="External"'.encode())),
            "word/document.xml", lambda xml: xml.replace(b"r:embed=", b"r:link="))  # a linked, not embedded, picture
        svc = jobs_app.extensions["khd.services"]
        svc.converter.convert(linked)  # why: LibreOffice itself fetches a linked picture while converting
        assert any(path == "/noi-bo.png" for path in listener.seen)
        listener.seen.clear()

        client = jobs_app.test_client()
        _, _, _, mine, year = unit_with_chair(jobs_app, client)
        login(client, "vanthu.gt")
        resp = client.post("/reports", data={"csrf_token": csrf_token(client, f"/reports?year={year}"),
                                             "obligation_id": mine["id"], "year": year,
                                             "file": (io.BytesIO(linked), "bao-cao.docx")},
                           content_type="multipart/form-data", follow_redirects=True)
        page = resp.get_data(as_text=True)
        # Handed in on time all the same (it is only never opened), and the clerk is told at once.
        assert "Đã nộp báo cáo." in page and "người ký sẽ không ký được tệp DOCX này" in page
        assert "noi-bo.png" in page
        client.get("/logout")
        refused = client.post(f"/api/v1/reports/{mine['id']}/sign", headers=api_token(client, "chutich.gt"),
                              json={"secret": DEMO_PASSWORD})
        assert refused.status_code == 422
        message = refused.get_json()["error"]["message"]
        assert "Không chuyển được báo cáo DOCX sang PDF để ký" in message and "noi-bo.png" in message
        login(client, "chutich.gt")
        preview = client.get(f"/reports/{mine['id']}/report.pdf")
        assert preview.status_code == 422 and "hoặc nộp bản PDF" in preview.get_data(as_text=True)
        assert listener.seen == [] and _signed(jobs_app, mine["id"]) is None
    finally:
        listener.close()
