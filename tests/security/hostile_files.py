"""Hostile files (zip bombs, lying ZIPs, XXE, JavaScript PDFs, PNG bombs) and the checks every
refusal must pass: a 4xx with a Vietnamese message, and nothing written (``Snapshot``)."""
from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

from PIL import Image

from tests.security.conftest import object_files, table_counts

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
MB = 1024 * 1024
VIETNAMESE = re.compile(r"[ạảãàáâầấậẩẫăằắặẳẵđĐêềếệểễôồốộổỗơờớợởỡưừứựửữỳýỵỷỹíìỉĩịúùủũụóòỏõọéèẻẽẹ]")
FLASH_ERROR = re.compile(r'<div class="flash error" role="alert">([^<]+)</div>')


# --- hostile files ------------------------------------------------------------------------------

def real_template() -> bytes:
    return (TEMPLATES / "programme_province.docx").read_bytes()


def docx_parts(extra: dict[str, bytes] | None = None, document: bytes | None = None) -> bytes:
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
    out = io.BytesIO(docx_parts())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, \
            zf.open("word/media/image1.png", "w", force_zip64=True) as member:
        chunk = bytes(MB)
        for _ in range(expanded // MB):
            member.write(chunk)
    return out.getvalue()


def lying_zip_docx() -> bytes:
    """document.xml declares 1 000 bytes in both headers but inflates to 30 MB (size check evasion)."""
    xml = b'<?xml version="1.0"?><w:document xmlns:w="x">' + b" " * (30 * MB) + b"</w:document>"
    data = bytearray(docx_parts(document=xml))
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
    return docx_parts(extra={f"customXml/extra{i}.xml": b"<a/>" for i in range(n)})


def xxe_docx() -> bytes:
    xml = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
           b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           b"<w:body><w:p><w:r><w:t>&xxe;&b;</w:t></w:r></w:p></w:body></w:document>")
    return docx_parts(document=xml)


def jinja_attack_docx() -> bytes:
    """A template that tries to reach Python internals from a placeholder (sandbox escape)."""
    xml = real_template_document().replace(
        b"{{ summary }}", b"{{ summary.__class__.__mro__[1].__subclasses__() }}", 1)
    return docx_parts(document=xml)


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
