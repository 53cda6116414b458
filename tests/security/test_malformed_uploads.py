"""Hostile uploads: corrupt and hostile DOCX/PDF/PNG files and oversized bodies.

Each upload must be refused with a clear 4xx carrying a Vietnamese message, and nothing may be
stored: template_versions, stored_objects (and the other tables) keep their row counts and no
file appears under the data dir's objects/. The PDF checker stores nothing by design; a PDF that
carries JavaScript gets a Vietnamese verdict that it is not a valid signed document.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import api_token, csrf_token, login
from tests.security.conftest import OTHER_CLERK, World, table_counts
from tests.security.hostile_files import (
    MB,
    TEMPLATES,
    Snapshot,
    assert_vietnamese_refusal,
    docx_parts,
    jinja_attack_docx,
    js_pdf,
    lying_zip_docx,
    many_members_docx,
    png,
    real_template,
    with_js_appended,
    xxe_docx,
)

# --- template uploads (admin) -------------------------------------------------------------------

TEMPLATE_ATTACKS = {
    "random bytes": lambda: b"\x00\x01garbage" * 1000,
    "zip signature then junk": lambda: b"PK\x03\x04" + bytes(range(256)) * 40,
    "truncated docx": lambda: real_template()[: len(real_template()) // 2],
    "pdf named .docx": js_pdf,
    "png named .docx": lambda: png(),
    "plain text": lambda: "Đây không phải tệp Word".encode() * 100,
    "empty file": lambda: b"",
    "lying zip sizes": lying_zip_docx,
    "1 500 zip members": many_members_docx,
    "xxe and entity expansion": xxe_docx,
    "jinja sandbox escape": jinja_attack_docx,
    "docx without document.xml": lambda: _zip({"[Content_Types].xml": b"<Types/>", "word/other.xml": b"<a/>"}),
    "encrypted zip member flag": lambda: _flag_encrypted(docx_parts()),
}


NOT_ZIP = "không đọc được cấu trúc nén ZIP"
#: the reason each refusal must give (so a refusal for the wrong reason fails)
TEMPLATE_REASONS = {
    "random bytes": NOT_ZIP, "zip signature then junk": NOT_ZIP, "truncated docx": NOT_ZIP,
    "pdf named .docx": NOT_ZIP, "png named .docx": NOT_ZIP, "plain text": NOT_ZIP,
    "empty file": "rỗng", "lying zip sizes": "không giải nén được phần word/document.xml",
    "1 500 zip members": "quá nhiều thành phần", "xxe and entity expansion": "DOCTYPE không được phép",
    "jinja sandbox escape": "không được phép", "docx without document.xml": "thiếu phần nội dung chính",
    "encrypted zip member flag": "mật khẩu",
}


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _flag_encrypted(docx: bytes) -> bytes:
    data = bytearray(docx)
    pos = -1
    while (pos := data.find(b"PK\x01\x02", pos + 1)) >= 0:
        data[pos + 8] |= 0x1  # central directory general purpose flag: encrypted
    return bytes(data)


def _upload_template(world_app, admin, data: bytes, filename: str = "mau.docx", kind: str = "programme_province"):
    return admin.post("/admin/templates/", data={
        "csrf_token": csrf_token(admin, "/admin/templates/"), "kind": kind,
        "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


@pytest.mark.parametrize("attack", sorted(TEMPLATE_ATTACKS))
def test_hostile_template_upload_is_refused_and_stores_nothing(world_app, admin, attack):
    data = TEMPLATE_ATTACKS[attack]()
    snap = Snapshot(world_app)
    resp = _upload_template(world_app, admin, data)
    message = assert_vietnamese_refusal(resp, attack)
    assert TEMPLATE_REASONS[attack] in message, message
    assert "root:" not in resp.get_data(as_text=True) and "aaaaaaaaaaaaaaaaaaaa" not in message
    snap.assert_unchanged(attack)


def test_zip_bomb_template_is_refused_from_its_directory(world_app, admin, bomb):
    snap = Snapshot(world_app)
    resp = _upload_template(world_app, admin, bomb)
    message = assert_vietnamese_refusal(resp, "zip bomb")
    assert "zip bomb" in message and "giải nén" in message
    snap.assert_unchanged("zip bomb")


def test_template_of_the_wrong_kind_and_unknown_kind(world_app, admin):
    snap = Snapshot(world_app)
    agreement = (TEMPLATES / "agreement.docx").read_bytes()
    wrong = _upload_template(world_app, admin, agreement, kind="programme_district")
    assert "thiếu chỗ điền" in assert_vietnamese_refusal(wrong, "wrong kind")
    unknown = _upload_template(world_app, admin, real_template(), kind="../../etc/passwd")
    assert_vietnamese_refusal(unknown, "unknown kind")
    missing = admin.post("/admin/templates/", data={"csrf_token": csrf_token(admin, "/admin/templates/"),
                                                    "kind": "programme_province"})
    assert_vietnamese_refusal(missing, "no file")
    snap.assert_unchanged("template kinds")
    # The control case: the genuine template is accepted (so the refusals above are not blanket).
    ok = _upload_template(world_app, admin, real_template(), filename="<script>x</script>.docx")
    assert ok.status_code == 302
    assert table_counts(world_app)["template_versions"] == snap.rows["template_versions"] + 1


# --- oversized bodies ---------------------------------------------------------------------------

class LazyBody(io.RawIOBase):
    """A stream that makes its bytes up as they are read and counts them (never 100 MB in memory)."""

    def __init__(self, size: int, head: bytes = b"") -> None:
        self.size, self.head, self.pos = size, head, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.pos = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.size}[whence] + offset
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buf) -> int:
        n = min(len(buf), self.size - self.pos)
        if n <= 0:
            return 0
        start = self.pos
        chunk = (self.head[start:start + n] if start < len(self.head) else b"").ljust(n, b"x")
        buf[:n] = chunk
        self.pos += n
        return n


@pytest.mark.parametrize("target", ["template", "api verify", "ui verify", "report"])
def test_100mb_upload_is_413_without_reading_it(world_app, security_world: World, target):
    size = 100 * MB
    boundary = "khd-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n"
            "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n").encode()
    client = world_app.test_client()
    headers = {}
    if target == "api verify":
        path = "/api/v1/verify"
        headers = api_token(client, "vanthu")
    elif target == "report":
        path = f"/api/v1/reports/{security_world.obligation_id}/submission"
        headers = api_token(client, OTHER_CLERK)
    else:
        assert login(client, "admin").status_code == 302
        path = "/admin/templates/" if target == "template" else "/verify"
        headers = {"X-CSRFToken": csrf_token(client, "/login")}
    snap = Snapshot(world_app)
    body = LazyBody(size, head)
    resp = client.post(path, input_stream=body, content_length=size, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 413, (target, resp.status_code, resp.get_data(as_text=True)[:300])
    assert_vietnamese_refusal(resp, target, statuses=(413,))
    assert body.pos < 1 * MB, f"the server read {body.pos} bytes before refusing"
    snap.assert_unchanged(target)


# --- PDF checks (API and UI) --------------------------------------------------------------------

PDF_ATTACKS = {
    "random bytes": b"\x00" * 5000,
    "pdf header only": b"%PDF-1.7\n",
    "truncated (no %%EOF)": js_pdf()[:-30],
    "broken xref": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\nxref\nzzz\ntrailer << /Root 9 0 R >>\n%%EOF\n",
    "docx named .pdf": b"",  # filled below
    "empty": b"",
}


def _pdf_attack(name: str) -> bytes:
    return real_template() if name == "docx named .pdf" else PDF_ATTACKS[name]


@pytest.mark.parametrize("attack", sorted(PDF_ATTACKS))
def test_corrupt_pdf_is_refused_by_both_checkers(world_app, attack):
    data = _pdf_attack(attack)
    client = world_app.test_client()
    snap = Snapshot(world_app)
    api = client.post("/api/v1/verify", headers=api_token(client, "luutru"),
                      data={"file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data")
    assert_vietnamese_refusal(api, f"api {attack}", statuses=(422,))
    assert login(client, "luutru").status_code == 302
    ui = client.post("/verify", data={"csrf_token": csrf_token(client, "/verify"),
                                      "file": (io.BytesIO(data), "x.pdf")}, content_type="multipart/form-data")
    assert_vietnamese_refusal(ui, f"ui {attack}", statuses=(422,))
    snap.assert_unchanged(attack)


def test_pdf_with_javascript_gets_a_vietnamese_verdict_and_nothing_stored(world_app, security_world: World):
    client = world_app.test_client()
    h = api_token(client, "vanthu")
    signed = client.get(f"/api/v1/documents/{security_world.signed_id}/file", headers=h).data
    snap = Snapshot(world_app)

    unsigned = client.post("/api/v1/verify", headers=h, data={"file": (io.BytesIO(js_pdf()), "js.pdf")},
                           content_type="multipart/form-data")
    assert unsigned.status_code == 200
    report = unsigned.get_json()
    assert report["ok"] is False and report["signatures"] == [] and "không có chữ ký" in report["summary"]

    tampered = client.post("/api/v1/verify", headers=h,
                           data={"file": (io.BytesIO(with_js_appended(signed)), "js.pdf")},
                           content_type="multipart/form-data")
    assert tampered.status_code == 200
    report = tampered.get_json()
    assert report["ok"] is False and len(report["signatures"]) == 2
    assert all(not s["ok"] and any("sửa đổi sau khi ký" in p for p in s["problems"]) for s in report["signatures"])

    assert login(client, "vanthu").status_code == 302
    token = csrf_token(client, "/verify")
    for data, expected in ((js_pdf(), "không có chữ ký"), (with_js_appended(signed), "sửa đổi sau khi ký")):
        ui = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(data),
                                                                        "<script>alert(1)</script>.pdf")},
                         content_type="multipart/form-data")
        html = ui.get_data(as_text=True)
        assert ui.status_code == 200 and expected in html
        assert "<script>alert(1)</script>" not in html and "app.alert" not in html
    snap.assert_unchanged("pdf with javascript")
