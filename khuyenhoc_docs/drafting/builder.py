"""Generate the .docx templates (programmes, agreement, công văn) in the Decree 30 layout.

Run: .venv/bin/python -m khuyenhoc_docs.drafting.builder templates/

Output is byte-for-byte reproducible (fixed core properties, fixed ZIP timestamps) so the
committed templates can be checked against a fresh build.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from .templates import TemplateKind

FONT = "Times New Roman"
TEXT_WIDTH_MM = 210 - 30 - 15
CELL_MARGIN_MM = 1.9  # Word's default left/right cell padding
_FIXED_TIME = datetime(2024, 1, 1, tzinfo=UTC)

C, J, L = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT
# name: (size pt, bold, italic, alignment, first-line indent cm, space after pt, line spacing)
STYLES: dict[str, tuple[float, bool, bool, int, float, float, float]] = {
    "KH Org Parent": (13, False, False, C, 0, 0, 1.0),
    "KH Org Name": (13, True, False, C, 0, 0, 1.0),
    "KH Rule": (2, False, False, C, 0, 0, 1.0),  # space before set below: keeps the rule off the descenders
    "KH Spacer": (6, False, False, C, 0, 0, 1.0),
    "KH Number": (13, False, False, C, 0, 0, 1.0),
    "KH Place Date": (13, False, True, C, 0, 0, 1.0),
    "KH Doc Type": (14, True, False, C, 0, 0, 1.0),
    "KH Summary": (14, True, False, C, 0, 0, 1.0),
    "KH Body": (14, False, False, J, 1.27, 6, 1.15),
    "KH Heading": (14, True, False, J, 1.27, 6, 1.15),
    "KH Sign": (13, True, False, C, 0, 0, 1.0),
    "KH Sign Gap": (14, False, False, C, 0, 0, 1.5),
    "KH Sign Name": (14, True, False, C, 0, 0, 1.0),
    "KH Recipients Title": (12, True, True, L, 0, 0, 1.0),
    "KH Recipient": (11, False, False, L, 0, 0, 1.0),
    "KH Page Number": (13, False, False, C, 0, 0, 1.0),
}
# Only the công văn template defines these (the other templates stay as they were built).
LETTER_STYLES: dict[str, tuple[float, bool, bool, int, float, float, float]] = {
    "KH Letter Subject": (12, False, False, C, 0, 0, 1.0),  # "V/v …" under the number
    "KH Addressee": (14, False, False, L, 0, 6, 1.15),  # "Kính gửi: …"
}


def _child(parent: object, tag: str) -> object:
    el = parent.find(qn(tag))  # type: ignore[attr-defined]
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)  # type: ignore[attr-defined]
    return el


def _set_fonts(owner: object) -> object:
    """Times New Roman for every script slot (python-docx's font.name sets only ascii/hAnsi); returns rPr."""
    rpr = _child(owner, "w:rPr")
    fonts = _child(rpr, "w:rFonts")
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)  # type: ignore[attr-defined]
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)  # type: ignore[attr-defined]
    return rpr


def _setup_styles(doc: DocxDocument, *, letter: bool = False) -> None:
    # Document defaults and Normal: the base every style and every RichText run inherits.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = _set_fonts(rpr_default)
    _child(rpr, "w:lang").set(qn("w:val"), "vi-VN")  # type: ignore[attr-defined]
    normal = doc.styles["Normal"]
    _set_fonts(normal.element)
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0
    styles = {**STYLES, **LETTER_STYLES} if letter else STYLES
    for name, (size, bold, italic, align, indent, after, spacing) in styles.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        _set_fonts(style.element)
        style.font.size, style.font.bold, style.font.italic = Pt(size), bold, italic
        pf = style.paragraph_format
        pf.alignment, pf.space_before, pf.space_after, pf.line_spacing = align, Pt(0), Pt(after), spacing
        pf.first_line_indent = Cm(indent) if indent else None
        pf.widow_control = True
    doc.styles["KH Heading"].paragraph_format.keep_with_next = True
    doc.styles["KH Doc Type"].paragraph_format.space_before = Pt(18)
    doc.styles["KH Recipients Title"].paragraph_format.space_before = Pt(12)
    doc.styles["KH Rule"].paragraph_format.space_before = Pt(2)
    _bottom_border(doc.styles["KH Rule"].element.get_or_add_pPr())


def _bottom_border(ppr: object) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # Schema order matters to Word (LibreOffice forgives): pBdr comes before shd/spacing/ind/jc.
    ppr.insert_element_before(borders, *_AFTER_PBDR)  # type: ignore[attr-defined]


_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


Container = DocxDocument | _Cell


def _p(where: Container, text: str = "", style: str = "KH Body", *, first: bool = False) -> Paragraph:
    """Add a paragraph (reusing a fresh cell's empty first paragraph)."""
    para = where.paragraphs[0] if first else where.add_paragraph()
    para.style = style
    if text:
        para.add_run(text)
    return para


def _rule(where: Container, width_mm: float, length_mm: float) -> None:
    """A short centred rule: an empty bordered paragraph indented to length_mm."""
    para = _p(where, style="KH Rule")
    indent = Mm(max((width_mm - length_mm) / 2, 0))
    para.paragraph_format.left_indent = para.paragraph_format.right_indent = indent


def _borderless_table(doc: DocxDocument, rows: int, widths_mm: tuple[float, ...]):
    table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(round(sum(widths_mm) / 25.4 * 1440)))
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                 "w:tblDescription", "w:tblPrChange")
    # Word reads cell widths, LibreOffice the grid: set both.
    for col, width in zip(table.columns, widths_mm, strict=False):
        col.width = Mm(width)
        for cell in col.cells:
            cell.width = Mm(width)
    return table


def _header(doc: DocxDocument) -> None:
    widths = (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2)
    table = _borderless_table(doc, 2, widths)
    for side, cell, width in (("left", table.cell(0, 0), widths[0]), ("right", table.cell(0, 1), widths[1])):
        _p(cell, f"{{%p if header_{side}_parent %}}", "KH Org Parent", first=True)
        _p(cell, f"{{{{ header_{side}_parent }}}}", "KH Org Parent")
        _p(cell, "{%p endif %}", "KH Org Parent")
        _p(cell, f"{{{{ header_{side}_name }}}}", "KH Org Name")
        _rule(cell, width - 2 * CELL_MARGIN_MM, 30)
    _p(table.cell(1, 0), "Số: {{ doc_number }}", "KH Number", first=True)
    _p(table.cell(1, 1), "{{ place_date }}", "KH Place Date", first=True)
    for cell in table.rows[1].cells:
        cell.paragraphs[0].paragraph_format.space_before = Pt(6)


def _letter_header(doc: DocxDocument) -> None:
    """A công văn's header: the organisations, then "Số: …" with "V/v …" under it, and the place and date."""
    _header(doc)
    table = doc.tables[-1]
    _p(table.cell(1, 0), "{{ summary_vv }}", "KH Letter Subject").paragraph_format.space_before = Pt(4)
    _p(doc, "", "KH Spacer")
    addressee = _p(doc, "Kính gửi: {{ addressees }}", "KH Addressee")
    addressee.paragraph_format.space_before = Pt(12)
    addressee.paragraph_format.left_indent = Mm(25)
    _p(doc, "", "KH Spacer")


def _letter_body(doc: DocxDocument) -> None:
    """Opening ("Phúc đáp văn bản số …, … trả lời như sau:"), then the clerk's paragraphs, unnumbered."""
    _p(doc, "{{r preamble }}")
    _p(doc, "{%p for item in contents %}")
    _loop(doc, "para in item.paragraphs", "{{r para }}")
    _p(doc, "{%p endfor %}")


def _title(doc: DocxDocument) -> None:
    _p(doc, "{{ doc_type }}", "KH Doc Type")
    _p(doc, "{{ summary }}", "KH Summary")
    _rule(doc, TEXT_WIDTH_MM, 50)
    _p(doc, "", "KH Spacer")  # breathing space before the body


def _loop(doc: DocxDocument, header: str, line: str, style: str = "KH Body") -> None:
    _p(doc, f"{{%p for {header} %}}")
    _p(doc, line, style)
    _p(doc, "{%p endfor %}")


def _purposes(doc: DocxDocument, heading: str) -> None:
    _p(doc, heading, "KH Heading")
    _p(doc, "1. Mục đích", "KH Heading")
    _loop(doc, "p in purposes", "- {{r p }}")
    _p(doc, "2. Yêu cầu", "KH Heading")
    _loop(doc, "p in requirements", "- {{r p }}")


def _contents(doc: DocxDocument, heading: str) -> None:
    _p(doc, heading, "KH Heading")
    _p(doc, "{%p for item in contents %}")
    # Only an item's first paragraph carries its number; later paragraphs continue it.
    _loop(doc, "para in item.paragraphs", "{% if loop.first %}{{ item.number }}. {% endif %}{{r para }}")
    _p(doc, "{%p endfor %}")


def _responsibilities(doc: DocxDocument, heading: str, *, report: bool) -> None:
    _p(doc, heading, "KH Heading")
    _p(doc, "{%p for level in responsibilities %}")
    _p(doc, "{{ level.number }}. {{ level.heading }}", "KH Heading")
    _loop(doc, "line in level.lines", "- {{r line }}")
    _p(doc, "{%p endfor %}")
    if report:
        para = _p(doc, "Định kỳ hàng năm, hai đơn vị báo cáo kết quả thực hiện chương trình phối hợp về "
                       "{{ report_to }} ")
        para.add_run("chậm nhất vào ngày {{ report_deadline }} hàng năm.").bold = True


def _closing_and_signatures(doc: DocxDocument) -> None:
    closing = _p(doc, "{{r closing }}")
    closing.paragraph_format.keep_with_next = True
    _p(doc, "", "KH Spacer").paragraph_format.keep_with_next = True
    table = _borderless_table(doc, 1, (TEXT_WIDTH_MM / 2, TEXT_WIDTH_MM / 2))
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))  # a signature block never straddles two pages
    for side, cell in (("left", table.cell(0, 0)), ("right", table.cell(0, 1))):
        _p(cell, f"{{{{ sign_{side}_authority }}}}", "KH Sign", first=True).paragraph_format.keep_with_next = True
        _p(cell, f"{{{{ sign_{side}_position }}}}", "KH Sign")
        for _ in range(3):  # the gap where the signature image and seal are placed
            _p(cell, "", "KH Sign Gap")
        _p(cell, f"{{{{ sign_{side}_name }}}}", "KH Sign Name")
    _p(doc, "Nơi nhận:", "KH Recipients Title")
    _loop(doc, "line in recipients", "{{ line }}", "KH Recipient")


def _page_numbers(doc: DocxDocument) -> None:
    """Page number centred in the top margin from page 2 on (first-page header left empty)."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    para = section.header.paragraphs[0]
    para.style = doc.styles["KH Page Number"]
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        run = para.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def _page_setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance, section.footer_distance = Mm(10), Mm(10)


def _preamble(doc: DocxDocument, kind: TemplateKind) -> None:
    if kind is TemplateKind.AGREEMENT:
        _p(doc, "{%p if parent_citation %}")
        _p(doc, "Căn cứ {{ parent_citation }};")
        _p(doc, "{%p endif %}")
        _p(doc, "{{r preamble }}")
    elif kind.needs_parent:
        _p(doc, "Thực hiện {{ parent_citation }}, {{r preamble }}")
    else:
        _p(doc, "{% if parent_citation %}Thực hiện {{ parent_citation }}, {% endif %}{{r preamble }}")


def _body(doc: DocxDocument, kind: TemplateKind) -> None:
    if kind is TemplateKind.AGREEMENT:
        _purposes(doc, "Điều 1. Mục đích, yêu cầu")
        _contents(doc, "Điều 2. Nội dung hợp tác")
        _responsibilities(doc, "Điều 3. Trách nhiệm của mỗi bên", report=False)
        _p(doc, "Điều 4. Điều khoản thi hành", "KH Heading")
        return
    _purposes(doc, "I. MỤC ĐÍCH YÊU CẦU")
    _contents(doc, "II. NỘI DUNG PHỐI HỢP")
    heading = "III. TỔ CHỨC THỰC HIỆN" if kind is TemplateKind.PROGRAMME_GRASSROOTS else "III. TRÁCH NHIỆM THỰC HIỆN"
    _responsibilities(doc, heading, report=kind.needs_parent)


def build_template(kind: TemplateKind) -> bytes:
    """The .docx template of one kind, as bytes."""
    doc = Document()
    doc.part.package.rels.pop(next(k for k, r in doc.part.package.rels.items() if r.reltype.endswith("/thumbnail")))
    _page_setup(doc)
    _setup_styles(doc, letter=not kind.is_programme)
    body = doc.element.body
    for para in list(body.iterchildren(qn("w:p"))):  # python-docx's template starts with an empty paragraph
        body.remove(para)
    if kind.is_programme:
        _header(doc)
        _title(doc)
        _preamble(doc, kind)
        _body(doc, kind)
    else:
        _letter_header(doc)
        _letter_body(doc)
    _closing_and_signatures(doc)
    _page_numbers(doc)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = kind.label_vi, "khuyenhoc_docs", "khuyenhoc_docs"
    props.comments = "Mẫu văn bản; chỗ điền theo cú pháp docxtpl (Jinja)."
    props.created = props.modified = _FIXED_TIME.replace(tzinfo=None)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return _normalise_zip(out.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the ZIP with fixed timestamps and attributes so builds are reproducible."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def build_all(out_dir: Path, *, on_write: Callable[[Path], None] | None = None) -> dict[TemplateKind, Path]:
    """Write every template kind into out_dir; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in TemplateKind:
        path = out_dir / kind.filename
        path.write_bytes(build_template(kind))
        paths[kind] = path
        if on_write:
            on_write(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m khuyenhoc_docs.drafting.builder OUT_DIR", file=sys.stderr)
        return 2
    build_all(Path(args[0]), on_write=lambda p: print(f"wrote {p}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
