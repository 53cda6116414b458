"""Hostile uploads: corrupt and hostile DOCX/PDF/PNG files and oversized bodies.

Each upload must be refused with a clear 4xx carrying a Vietnamese message, and nothing may be
stored: template_versions, stored_objects (and the other tables) keep their row counts and no
file appears under the data dir's objects/. The PDF checker stores nothing by design; a PDF that
carries JavaScript gets a Vietnamese verdict that it is not a valid signed document.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from khuyenhoc_docs.models import SigningCredential, User
from tests.conftest import api_token, csrf_token, login
from tests.security.conftest import OTHER_CLERK, World, object_files, table_counts

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MB = 1024 * 1024
VIETNAMESE = re.compile(r"[ạảãàáâầấậẩẫăằắặẳẵđĐêềếệểễôồốộổỗơờớợởỡưừứựửữỳýỵỷỹíìỉĩịúùủũụóòỏõọéèẻẽẹ]")
FLASH_ERROR = re.compile(r'<div class="flash error" role="alert">([^<]+)</div>')


# --- hostile files ------------------------------------------------------------------------------

def real_template() -> bytes:
    return (TEMPLATES / "programme_province.docx").read_bytes()


def _docx_parts(extra: dict[str, bytes] | None = None, document: bytes | None = None) -> bytes:
    """A small .docx built from the real template's parts, with parts replaced or added."""
    src = zipfile.ZipFile(io.BytesIO(real_template()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if document is not None and info.filename == "word/document.xml":
                data = document
            dst.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def zip_bomb_docx(expanded: int = 120 * MB) -> bytes:
    """A real-looking .docx (~120 kB) with one member that inflates to ``expanded`` bytes of zeros."""
    out = io.BytesIO(_docx_parts())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("word/media/image1.png", "w", force_zip64=True) as member:
        chunk = bytes(MB)
        for _ in range(expanded // MB):
            member.write(chunk)
    return out.getvalue()


def lying_zip_docx() -> bytes:
    """document.xml declares 1 000 bytes in both headers but inflates to 30 MB (size check evasion)."""
    xml = b'<?xml version="1.0"?><w:document xmlns:w="x">' + b" " * (30 * MB) + b"</w:document>"
    data = bytearray(_docx_parts(document=xml))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = zf.getinfo("word/document.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)  # local header: uncompressed size
    name = info.filename.encode()
    pos = -1
    while True:  # its central directory entry: signature PK\1\2, uncompressed size at +24
        pos = data.find(b"PK\x01\x02", pos + 1)
        assert pos >= 0, "central directory entry not found"
        if data[pos + 46:pos + 46 + len(name)] == name:
            struct.pack_into("<I", data, pos + 24, 1000)
            break
    return bytes(data)


def many_members_docx(n: int = 1_500) -> bytes:
    return _docx_parts(extra={f"customXml/extra{i}.xml": b"<a/>" for i in range(n)})


def xxe_docx() -> bytes:
    xml = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
           b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b"<w:body><w:p><w:r><w:t>&xxe;&b;</w:t></w:r></w:p></w:body></w:document>")
    return _docx_parts(document=xml)


def jinja_attack_docx() -> bytes:
    """A template that tries to reach Python internals from a placeholder (sandbox escape)."""
    xml = real_template_document().replace(
        b"{{ summary }}", b"{{ summary.__class__.__mro__[1].__subclasses__() }}", 1)
    return _docx_parts(document=xml)


def real_template_document() -> bytes:
    return zipfile.ZipFile(io.BytesIO(real_template())).read("word/document.xml")


def js_pdf() -> bytes:
    """A one-page PDF that runs JavaScript when opened (/OpenAction, page /AA and a /JavaScript name tree)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names << /JavaScript << /Names [(khd) 4 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /AA << /O 4 0 R >> >>",
        b"<< /S /JavaScript /JS (app.alert\\('khd-js'\\); this.exportDataObject\\({cName: 'x', nLaunch: 2}\\);) >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def with_js_appended(signed_pdf: bytes) -> bytes:
    """An incremental update after the signatures that adds an /OpenAction script."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf), strict=False)
    js = writer.add_object(generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert('khd-js')"),
    }))
    writer.root[generic.NameObject("/OpenAction")] = js
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(mode: str = "RGBA", size: tuple[int, int] = (200, 80), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, fmt)
    return out.getvalue()


def png_bomb() -> bytes:
    """A tiny PNG whose header claims 60 000 × 60 000 pixels (decompression bomb)."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = zip_bomb_docx()
    assert len(data) < 2 * MB, len(data)  # small on the wire…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 100 * MB  # …huge inflated
    return data


# --- helpers ------------------------------------------------------------------------------------

def _data_dir(app) -> Path:
    return app.config["KHD_SETTINGS"].data_dir


class Snapshot:
    """Row counts of every table and the files of the object store, to compare after a refusal."""

    def __init__(self, app, ignore: tuple[str, ...] = ("audit_events", "audit_head", "api_tokens", "browser_sessions")):
        self.app, self.ignore = app, ignore
        self.rows, self.files = table_counts(app, exclude=ignore), object_files(_data_dir(app))

    def assert_unchanged(self, what: str) -> None:
        rows = table_counts(self.app, exclude=self.ignore)
        changed = {k: (self.rows[k], rows[k]) for k in rows if rows[k] != self.rows.get(k)}
        assert not changed, f"{what}: rows written {changed}"
        assert object_files(_data_dir(self.app)) == self.files, f"{what}: files stored under objects/"


def assert_vietnamese_refusal(resp, what: str, statuses=(400, 413, 415, 422)) -> str:
    body = resp.get_data(as_text=True)
    assert resp.status_code in statuses, f"{what}: {resp.status_code} {body[:300]!r}"
    if resp.is_json:
        message = resp.get_json()["error"]["message"]
    else:
        flashed = FLASH_ERROR.findall(body)
        page = re.findall(r'<p class="error-text">([^<]+)</p>', body)
        message = " ".join(flashed + page)
    assert message and VIETNAMESE.search(message), f"{what}: no Vietnamese message in {body[:500]!r}"
    return message


@pytest.fixture
def admin(world_app):
    client = world_app.test_client()
    assert login(client, "admin").status_code == 302
    return client


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
    "encrypted zip member flag": lambda: _flag_encrypted(_docx_parts()),
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


# --- signature image and PKCS#12 (admin credential page) ----------------------------------------

IMAGE_ATTACKS = {
    "jpeg": lambda: png("RGB", fmt="JPEG"),
    "gif": lambda: png("P", fmt="GIF"),
    "bmp named .png": lambda: png("RGB", fmt="BMP"),
    "png without transparency": lambda: png("RGB"),
    "png too small": lambda: png("RGBA", (10, 10)),
    "png too large": lambda: png("RGBA", (2100, 50)),
    "png decompression bomb": png_bomb,
    "truncated png": lambda: png()[:40],
    "svg with script": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "pdf": js_pdf,
    "over 512 kB": lambda: b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024),
    "empty": lambda: b"",
}


def _credential_post(admin, user_id: int, form: dict):
    path = f"/admin/users/{user_id}/credential"
    return admin.post(path, data={"csrf_token": csrf_token(admin, path), **form}, content_type="multipart/form-data")


def _signature_state(app, user_id: int):
    with app.extensions["khd.sessions"]() as s:
        image = s.get(User, user_id).signature_image
        creds = [(c.id, c.kind) for c in s.scalars(select(SigningCredential).where(SigningCredential.user_id
                                                                                    == user_id))]
    return image, creds


@pytest.mark.parametrize("attack", sorted(IMAGE_ATTACKS))
def test_non_png_signature_image_is_refused(world_app, admin, security_world: World, attack):
    user_id = security_world.chair_hkh_id
    before, snap = _signature_state(world_app, user_id), Snapshot(world_app)
    resp = _credential_post(admin, user_id, {"action": "image",
                                             "image": (io.BytesIO(IMAGE_ATTACKS[attack]()), "chu-ky.png")})
    assert_vietnamese_refusal(resp, attack, statuses=(422,))
    assert _signature_state(world_app, user_id) == before
    snap.assert_unchanged(attack)


def test_transparent_png_signature_is_accepted(world_app, admin, security_world: World):
    """Control case: the refusals above are about the files, not the page."""
    user_id = security_world.chair_hkh_id
    resp = _credential_post(admin, user_id, {"action": "image", "image": (io.BytesIO(png()), "chu-ky.png")})
    assert resp.status_code == 302
    assert _signature_state(world_app, user_id)[0] == png()


@pytest.mark.parametrize("blob", [b"", b"not a pkcs12", png(), b"0\x82\xff\xff" + bytes(100)], ids=[
    "empty", "text", "png", "broken der"])
def test_junk_pkcs12_is_refused(world_app, admin, security_world: World, blob):
    user_id = security_world.chair_hkh_id
    before, snap = _signature_state(world_app, user_id), Snapshot(world_app)
    resp = _credential_post(admin, user_id, {"action": "pkcs12", "passphrase": "x" * 300,
                                             "p12": (io.BytesIO(blob), "chu-ky.p12")})
    assert_vietnamese_refusal(resp, "pkcs12", statuses=(422,))
    assert _signature_state(world_app, user_id) == before
    snap.assert_unchanged("pkcs12")


# --- yearly report submissions (clerk of the unit) ----------------------------------------------

REPORT_ATTACKS = {
    "random bytes": lambda: b"\x13\x37" * 4000,
    "truncated docx": lambda: real_template()[:5000],
    "broken pdf": lambda: b"%PDF-1.4\n" + bytes(3000) + b"\n%%EOF\n",
    "png": lambda: png(),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("attack", sorted(REPORT_ATTACKS))
def test_hostile_report_submission_is_refused(world_app, security_world: World, attack):
    client = world_app.test_client()
    h = api_token(client, OTHER_CLERK)
    snap = Snapshot(world_app)
    resp = client.post(f"/api/v1/reports/{security_world.obligation_id}/submission", headers=h,
                       data={"file": (io.BytesIO(REPORT_ATTACKS[attack]()), "bao-cao.docx")},
                       content_type="multipart/form-data")
    assert_vietnamese_refusal(resp, attack)
    snap.assert_unchanged(attack)


def test_zip_bomb_report_is_refused(world_app, security_world: World, bomb):
    client = world_app.test_client()
    snap = Snapshot(world_app)
    resp = client.post(f"/api/v1/reports/{security_world.obligation_id}/submission",
                       headers=api_token(client, OTHER_CLERK),
                       data={"file": (io.BytesIO(bomb), "bao-cao.docx")}, content_type="multipart/form-data")
    assert_vietnamese_refusal(resp, "zip bomb report")
    snap.assert_unchanged("zip bomb report")


def _seal_state(app, org_id: int):
    from khuyenhoc_docs.models import Organisation

    with app.extensions["khd.sessions"]() as s:
        org = s.get(Organisation, org_id)
        return org.seal_image, org.seal_size_mm


@pytest.mark.parametrize("attack", sorted(IMAGE_ATTACKS))
def test_non_png_seal_image_is_refused(world_app, admin, security_world: World, attack):
    org_id = security_world.lead_org_id
    before, snap = _seal_state(world_app, org_id), Snapshot(world_app)
    path = f"/admin/organisations/{org_id}/seal"
    resp = admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "image",
                                  "image": (io.BytesIO(IMAGE_ATTACKS[attack]()), "con-dau.png")},
                      content_type="multipart/form-data")
    assert_vietnamese_refusal(resp, attack, statuses=(422,))
    assert _seal_state(world_app, org_id) == before
    snap.assert_unchanged(attack)


def test_seal_image_and_size_are_accepted_and_checked(world_app, admin, security_world: World):
    org_id = security_world.lead_org_id
    path = f"/admin/organisations/{org_id}/seal"
    ok = admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "image",
                                "image": (io.BytesIO(png("RGBA", (300, 300))), "dau.png")},
                    content_type="multipart/form-data")
    assert ok.status_code == 302
    assert admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "size",
                                  "seal_size_mm": "90"}).status_code == 422
    assert admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "size",
                                  "seal_size_mm": "40"}).status_code == 302
    assert _seal_state(world_app, org_id) == (png("RGBA", (300, 300)), 40)
