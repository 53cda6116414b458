"""A unit's .docx is converted only when nothing in it points outside the file (drafting/outside_refs.py)."""
from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pytest
from docx import Document
from docx.shared import Inches
from PIL import Image

from khuyenhoc_docs.drafting.container import TemplateInvalid
from khuyenhoc_docs.drafting.outside_refs import check_no_outside_refs

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def with_picture() -> bytes:
    """A plain report: a paragraph with a PAGE field, an external hyperlink and an embedded picture."""
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(png, "PNG")
    doc = Document()
    doc.add_paragraph("Báo cáo năm")
    doc.add_picture(io.BytesIO(png.getvalue()), width=Inches(1))
    out = io.BytesIO()
    doc.save(out)
    data = edit(out.getvalue(), "word/_rels/document.xml.rels", lambda xml: xml.replace(
        b"</Relationships>", b'<Relationship Id="rIdLink" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/hyperlink" Target="https://khuyenhoc.vn/" TargetMode="External"/></Relationships>'))
    return edit(data, "word/document.xml", in_body(
        '<w:p><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
        '<w:hyperlink r:id="rIdLink"><w:r><w:t>khuyenhoc.vn</w:t></w:r></w:hyperlink></w:p>'))


def edit(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The package with ``part`` changed (added when missing)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for name in names:
            blob = src.read(name)
            dst.writestr(name, change(blob) if name == part else blob)
        if part not in names:
            dst.writestr(part, change(b""))
    return out.getvalue()


def in_body(xml: str) -> Callable[[bytes], bytes]:
    return lambda doc: doc.replace(b"<w:body>", b"<w:body>" + xml.encode(), 1)


def field(*pieces: str) -> str:
    """A complex field whose instruction is split over ``pieces`` runs."""
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{p}</w:instrText></w:r>' for p in pieces)
    return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}<w:r><w:fldChar w:fldCharType="separate"/>'
            '</w:r><w:r><w:t>cũ</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def test_a_plain_report_with_a_hyperlink_and_fields_passes():
    check_no_outside_refs(with_picture())


LINKED_PICTURE = (lambda d: edit(edit(d, "word/_rels/document.xml.rels", lambda x: re.sub(
    rb'Target="media/(image1\.png)"', rb'Target="file:///srv/khd/seals/\1" TargetMode="External"', x)),
    "word/document.xml", lambda x: x.replace(b"r:embed=", b"r:link=")), "image")

CASES = {
    "linked picture (file)": LINKED_PICTURE,
    "linked picture (http)": (lambda d: edit(d, "word/_rels/document.xml.rels", lambda x: re.sub(
        rb'Target="media/image1\.png"', b'Target="http://10.0.0.5/x.png" TargetMode="External"', x)), "image"),
    "attached template": (lambda d: edit(d, "word/_rels/settings.xml.rels", lambda _: (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'attachedTemplate" Target="file:///etc/x.dotx" TargetMode="External"/></Relationships>')),
        "attachedTemplate"),
    "INCLUDETEXT split over runs": (lambda d: edit(d, "word/document.xml", in_body(
        field(" INCLUDE", 'TEXT "/etc/passwd" '))), "INCLUDETEXT"),
    "INCLUDEPICTURE in a nested field": (lambda d: edit(d, "word/document.xml", in_body(
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>IF 1 = 1 </w:instrText></w:r>'
        + field(' includepicture "http://10.0.0.5/a.png" ')[5:-6]
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')), "INCLUDEPICTURE"),
    "DDEAUTO as a simple field": (lambda d: edit(d, "word/document.xml", in_body(
        '<w:p><w:fldSimple w:instr=" DDEAUTO c:\\\\windows\\\\cmd.exe x "><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>')),
        "DDEAUTO"),
    "LINK in a header": (lambda d: edit(d, "word/header9.xml", lambda _: (
        "<w:hdr " + W + ">" + field(" LINK Excel.Sheet.12 ", "C:/bao-cao.xlsx") + "</w:hdr>").encode()), "LINK"),
    "altChunk": (lambda d: edit(d, "word/document.xml", in_body('<w:altChunk r:id="rId99"/>')), "altChunk"),
    "VML picture with a file src": (lambda d: edit(d, "word/document.xml", in_body(
        '<w:p><w:r><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:imagedata src="file:///etc/x.png"/>'
        '</v:shape></w:pict></w:r></w:p>')), "src=file:///etc/x.png"),
    "SVG linking a file": (lambda d: edit(d, "word/media/image9.svg", lambda _: (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="file:///etc/x.png"/></svg>')), "SVG"),
    "macros": (lambda d: edit(d, "word/vbaProject.bin", lambda _: b"\xd0\xcf\x11\xe0"), "VBA"),
    "embedded spreadsheet with a linked picture": (lambda d: edit(d, "word/embeddings/bang.xlsx", lambda _: (
        LINKED_PICTURE[0](with_picture()))), "image"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_what_points_outside_is_named_and_refused(case):
    make, named = CASES[case]
    with pytest.raises(TemplateInvalid) as refused:
        check_no_outside_refs(make(with_picture()))
    assert refused.value.code == "outside_ref" and named in refused.value.message
    assert refused.value.message.startswith("Tệp .docx trỏ tới nội dung nằm ngoài tệp")


def test_a_template_that_links_outside_itself_is_refused_at_upload():
    from khuyenhoc_docs.drafting.templates import inspect_template

    inspect_template(with_picture())  # the same file without the link is a template (no placeholders)
    with pytest.raises(TemplateInvalid) as refused:
        inspect_template(LINKED_PICTURE[0](with_picture()))
    assert refused.value.code == "outside_ref" and "file:///srv/khd/seals/image1.png" in refused.value.message


def test_an_embedded_zip_bomb_or_broken_part_is_refused_without_inflating_it():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sheet.xml", b"\0" * (60 * 1024 * 1024))  # ~60 kB compressed: past the size and ratio limits
    with pytest.raises(TemplateInvalid) as refused:
        check_no_outside_refs(edit(with_picture(), "word/embeddings/bang.xlsx", lambda _: bomb.getvalue()))
    assert refused.value.code == "zip_bomb"
    nested = edit(with_picture(), "word/document.xml", lambda _: b"<w:document")  # inside: never size- or XML-checked
    with pytest.raises(TemplateInvalid) as refused:
        check_no_outside_refs(edit(with_picture(), "word/embeddings/bang.docx", lambda _: nested))
    assert refused.value.code == "corrupt" and "word/document.xml" in refused.value.message
