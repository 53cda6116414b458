"""The lean copy LibreOffice converts and the hidden loads: same PDF, less work.

The PDFs of every built-in template are compared page by page (text layer and pixels) between the
DOCX rendered from the lean template, converted lean and hidden, and the DOCX rendered from the template
as it is, converted as it is with its indexes updated, as before.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from khuyenhoc_docs.conversion import UnoserverConverter, UnoserverOptions
from khuyenhoc_docs.conversion.lean import lean_docx
from khuyenhoc_docs.conversion.unoserver import convert_params, rpc
from khuyenhoc_docs.conversion.unoserver_hidden import HiddenLoads
from khuyenhoc_docs.drafting import render as render_module
from khuyenhoc_docs.drafting.reference import REFERENCE_DATE, REFERENCE_NUMBER, reference_fields
from khuyenhoc_docs.drafting.render import render_docx
from khuyenhoc_docs.drafting.templates import TemplateKind

ROOT = Path(__file__).resolve().parents[2]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _styles(docx: bytes) -> dict[str, str]:
    """styleId → name of every style definition in the package."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        root = etree.fromstring(package.read("word/styles.xml"))
    return {s.get(f"{W}styleId"): s.find(f"{W}name").get(f"{W}val") for s in root.iter(f"{W}style")}


def _rendered(kind: TemplateKind, *, number: bool = False) -> bytes:
    template = (ROOT / "templates" / kind.filename).read_bytes()
    return render_docx(template, reference_fields(), doc_number=REFERENCE_NUMBER if number else None,
                       issue_date=REFERENCE_DATE if number else None)


def _pages(pdf: bytes, tmp: Path, label: str) -> tuple[str, list[bytes]]:
    path = tmp / f"{label}.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    subprocess.run(["pdftoppm", "-r", "50", "-gray", str(path), str(tmp / label)], check=True)
    return text.decode(), [p.read_bytes() for p in sorted(tmp.glob(f"{label}-*.pgm"))]


def test_lean_copy_keeps_the_styles_the_document_reaches_and_drops_the_rest() -> None:
    docx = (ROOT / "templates" / TemplateKind.PROGRAMME_GRASSROOTS.filename).read_bytes()
    lean, update_index = lean_docx(docx)
    assert update_index is False  # no index in a programme
    before, after = _styles(docx), _styles(lean)
    assert len(after) < len(before) / 4, (len(before), len(after))
    assert "Heading1" in before and "Heading1" not in after  # python-docx's unused built-ins go
    used = {s.style.style_id for s in Document(io.BytesIO(docx)).paragraphs if s.style is not None}
    assert len(used) > 3 and used <= set(after), used - set(after)
    assert "Normal" in after  # the default, and every basedOn chain's end
    with zipfile.ZipFile(io.BytesIO(lean)) as package:
        names = package.namelist()
        assert "word/stylesWithEffects.xml" not in names
        assert b"stylesWithEffects" not in package.read("word/_rels/document.xml.rels")
        assert b"stylesWithEffects" not in package.read("[Content_Types].xml")
        assert package.read("word/document.xml") == zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml")
        assert {i.compress_type for i in package.infolist()} == {zipfile.ZIP_STORED}
        assert b"latentStyles" not in package.read("word/styles.xml")


def test_a_lean_package_passes_through_unchanged() -> None:
    rendered = _rendered(TemplateKind.PROGRAMME_DISTRICT)
    template = (ROOT / "templates" / TemplateKind.PROGRAMME_DISTRICT.filename).read_bytes()
    assert len(_styles(rendered)) < len(_styles(template)) / 4  # rendered from the lean template
    lean, _ = lean_docx(rendered)  # still drops the styles of the template's branches not taken
    again, update_index = lean_docx(lean)
    assert again is lean and update_index is False


def _with_field(docx: bytes, instruction: str) -> bytes:
    document = Document(io.BytesIO(docx))
    run = document.add_paragraph().add_run()
    instr = run._r.makeelement(f"{W}instrText", {})
    instr.text = instruction
    run._r.append(instr)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("instruction", [' TOC \\o "1-3" \\h ', "INDEX \\c 2", " BIBLIOGRAPHY "])
def test_a_document_with_an_index_is_converted_as_it_is_with_its_indexes_updated(instruction: str) -> None:
    docx = _with_field(_rendered(TemplateKind.PROGRAMME_PROVINCE), instruction)
    assert lean_docx(docx) == (docx, True)
    other = _with_field(_rendered(TemplateKind.PROGRAMME_PROVINCE), " PAGE ")
    assert lean_docx(other)[0] != other  # an ordinary field does not count


def test_wordprocessingml_under_another_prefix_is_left_alone() -> None:
    docx = _rendered(TemplateKind.AGREEMENT)
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {n: package.read(n) for n in package.namelist()}
    parts["word/header9.xml"] = (b'<x:hdr xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                                 b'<x:p><x:pPr><x:pStyle x:val="Heading1"/></x:pPr></x:p></x:hdr>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    assert lean_docx(out.getvalue()) == (out.getvalue(), True)


@pytest.mark.parametrize("encoding", ["utf-16", "windows-1252"])
def test_a_part_in_another_encoding_is_left_alone(encoding: str) -> None:
    docx = _rendered(TemplateKind.AGREEMENT)
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        parts = {n: package.read(n) for n in package.namelist()}
    xml = parts["word/document.xml"].decode("utf-8").replace("UTF-8", encoding, 1)
    assert encoding in xml[:100]
    parts["word/document.xml"] = xml.encode(encoding, "xmlcharrefreplace")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    assert lean_docx(out.getvalue()) == (out.getvalue(), True)


def test_not_a_zip_is_passed_on_for_libreoffice_to_judge() -> None:
    assert lean_docx(b"PK\x03\x04 broken") == (b"PK\x03\x04 broken", True)


def test_hidden_loads_add_the_hidden_property_and_pass_everything_else_through() -> None:
    calls = []

    class Desktop:
        name = "desktop"

        def loadComponentFromURL(self, *args):  # noqa: N802 - UNO's name
            calls.append(args)
            return "doc"

    desktop = HiddenLoads(Desktop(), "HIDDEN")
    assert desktop.loadComponentFromURL("file:///x.docx", "_default", 0, ("READONLY",)) == "doc"
    assert calls == [("file:///x.docx", "_default", 0, ("READONLY", "HIDDEN"))]
    assert desktop.name == "desktop"


def test_instances_run_the_hidden_server(unoserver_supervisor) -> None:
    cmdlines = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in unoserver_supervisor.instance_pids(0)]
    assert any(b"unoserver_hidden" in c for c in cmdlines), cmdlines


@pytest.mark.parametrize("kind", list(TemplateKind), ids=lambda k: k.value)
def test_lean_hidden_conversion_gives_the_same_pages(kind: TemplateKind, unoserver_supervisor, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    numbered = kind is TemplateKind.PROGRAMME_PROVINCE
    docx = _rendered(kind, number=numbered)  # rendered from the lean template
    with monkeypatch.context() as patch:
        patch.setattr(render_module, "_lean_template", lambda template: template)
        full = _rendered(kind, number=numbered)  # rendered from the template as it is, as before
    assert len(_styles(full)) > 4 * len(_styles(docx))
    endpoint = unoserver_supervisor.endpoints[0]
    converter = UnoserverConverter(UnoserverOptions(endpoints=(endpoint,), fallback=None))
    lean_pdf = converter.convert(docx)
    full_pdf = rpc(endpoint, "convert", *convert_params(full, update_index=True), timeout=60,
                   connect_timeout=2).data  # the DOCX rendered as before, indexes updated: the former path
    lean_text, lean_pages = _pages(lean_pdf, tmp_path, "lean")
    full_text, full_pages = _pages(full_pdf, tmp_path, "full")
    assert lean_text == full_text
    assert "Hội" in lean_text or "HỘI" in lean_text
    assert len(lean_pages) == len(full_pages) >= 1
    for page, (a, b) in enumerate(zip(lean_pages, full_pages, strict=True), 1):
        assert a == b, f"page {page} differs"
