"""Rendering the templates: the reference text comes back in order, in the Decree 30 layout."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from khuyenhoc_docs.drafting.reference import REFERENCE_DATE, REFERENCE_NUMBER, demo_district_fields, reference_fields
from khuyenhoc_docs.drafting.render import build_context, extract_text, render_docx
from khuyenhoc_docs.drafting.templates import CONTEXT_KEYS, TemplateKind
from khuyenhoc_docs.drafting.vn import DATE_BLANK_LEN, NUMBER_BLANK_LEN

from .conftest import REFERENCE_TXT, assert_in_order, norm, reference_lines

PROVINCE = TemplateKind.PROGRAMME_PROVINCE


def _chain(para, run, attr: str, fmt: bool = False):
    """Effective run/paragraph property: direct formatting first, then the style chain."""
    direct = getattr(para.paragraph_format if fmt else run.font, attr)
    if direct is not None:
        return direct
    style = para.style
    while style is not None:
        value = getattr(style.paragraph_format if fmt else style.font, attr)
        if value is not None:
            return value
        style = style.base_style
    return None


def _all_paragraphs(doc):
    body = list(doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                body.extend(cell.paragraphs)
    return body


def _para(doc, text: str):
    """The one paragraph whose whitespace-normalised text equals text."""
    found = [p for p in _all_paragraphs(doc) if norm(p.text) == text]
    assert len(found) == 1, (text, len(found))
    return found[0]


def _size(para) -> float:
    return _chain(para, para.runs[0], "size").pt


def test_reference_split_helper_joins_exactly_one_sentence() -> None:
    lines = reference_lines()
    joined = [line for line in lines if "có trách nhiệm cung cấp tài liệu" in line]
    assert len(joined) == 1 and "Hội Khuyến học có trách nhiệm cung cấp tài liệu về khuyến học" in joined[0]
    raw = [x for x in REFERENCE_TXT.read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(lines) == len(raw) - 1 == 43 and lines[0] == "CHƯƠNG TRÌNH" and lines[-1] == "- Lưu VT."


def test_every_reference_line_comes_back_in_order(province_docx) -> None:
    assert_in_order(norm(extract_text(province_docx)), reference_lines())


def test_reference_order_also_holds_reading_the_body_directly(province_doc) -> None:
    body = norm(" ".join(p.text for p in province_doc.paragraphs))
    body_lines = [line for line in reference_lines() if not line.startswith(("TM.", "CHỦ TỊCH", "PHÓ BÍ THƯ"))
                  and line not in ("Đặng Thị Hoa", "Lâm Như Quỳnh")]
    assert_in_order(body, body_lines)


def test_no_template_syntax_left(province_docx) -> None:
    text = extract_text(province_docx)
    assert not re.search(r"\{[{%#]|[}%#]\}", text)


def test_page_setup_is_a4_with_decree_margins(province_doc) -> None:
    section = province_doc.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    for actual, expected in ((section.page_width, Mm(210)), (section.page_height, Mm(297)),
                             (section.top_margin, Mm(20)), (section.bottom_margin, Mm(20)),
                             (section.left_margin, Mm(30)), (section.right_margin, Mm(15))):
        assert abs(actual - expected) < Mm(0.5)


def test_everything_is_times_new_roman(province_doc) -> None:
    fonts = province_doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "cs", "eastAsia")} == {"Times New Roman"}
    for para in _all_paragraphs(province_doc):
        for run in para.runs:
            assert _chain(para, run, "name") == "Times New Roman", para.text


def test_sizes_and_styles_follow_the_decree_table(province_doc) -> None:
    doc = province_doc
    for name in ("HỘI KHUYẾN HỌC TỈNH BẾN TRE", "BCH ĐOÀN TỈNH BẾN TRE"):  # organisation: CAPS bold 12–13
        para = _para(doc, name)
        assert 12 <= _size(para) <= 13 and _chain(para, para.runs[0], "bold")
    number = _para(doc, "Số: 05/CTPH-HKH-TĐ")
    assert _size(number) == 13 and not _chain(number, number.runs[0], "bold")
    place = _para(doc, "Bến Tre, ngày 05 tháng 3 năm 2018")
    assert 13 <= _size(place) <= 14 and _chain(place, place.runs[0], "italic")
    doc_type = _para(doc, "CHƯƠNG TRÌNH")
    assert 13 <= _size(doc_type) <= 14 and _chain(doc_type, doc_type.runs[0], "bold")
    assert _chain(doc_type, None, "alignment", fmt=True) == WD_ALIGN_PARAGRAPH.CENTER
    summary = _para(doc, reference_fields().summary)
    assert 13 <= _size(summary) <= 14 and _chain(summary, summary.runs[0], "bold")
    assert _chain(summary, None, "alignment", fmt=True) == WD_ALIGN_PARAGRAPH.CENTER
    body = next(p for p in doc.paragraphs if p.text.startswith("Thực hiện chương trình phối hợp số 40"))
    assert 13 <= _size(body) <= 14
    assert _chain(body, None, "alignment", fmt=True) == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert Cm(1) <= _chain(body, None, "first_line_indent", fmt=True) <= Cm(1.27) + 100
    assert _chain(body, None, "space_after", fmt=True) >= Pt(6)
    assert 1.0 <= _chain(body, None, "line_spacing", fmt=True) <= 1.5
    heading = _para(doc, "I. MỤC ĐÍCH YÊU CẦU")
    assert _chain(heading, heading.runs[0], "bold") and 13 <= _size(heading) <= 14
    for text in ("TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC", "CHỦ TỊCH", "Đặng Thị Hoa", "Lâm Như Quỳnh"):
        para = _para(doc, text)
        assert 13 <= _size(para) <= 14 and _chain(para, para.runs[0], "bold"), text
    title = _para(doc, "Nơi nhận:")
    assert _size(title) == 12 and _chain(title, title.runs[0], "bold") and _chain(title, title.runs[0], "italic")
    for line in ("- Ban TNTH TW;", "- Lưu VT."):
        para = _para(doc, line)
        assert _size(para) == 11 and not _chain(para, para.runs[0], "bold")


def test_header_and_signature_tables_are_borderless(province_doc) -> None:
    assert len(province_doc.tables) == 2
    for table in province_doc.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders is not None and {b.get(qn("w:val")) for b in borders} == {"nil"}
    rules = [p for p in province_doc.tables[0].rows[0].cells[0].paragraphs if p.style.name == "KH Rule"]
    assert len(rules) == 1
    bottom = rules[0].style.element.find(qn("w:pPr")).find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:val")) == "single"
    assert rules[0].paragraph_format.left_indent > Mm(10)  # short, not the full column


def test_page_numbers_from_page_two(province_doc) -> None:
    section = province_doc.sections[0]
    assert section.different_first_page_header_footer
    header_xml = section.header._element.xml
    assert "PAGE" in "".join(t.text or "" for t in section.header._element.iter(qn("w:instrText")))
    assert 'w:fldCharType="begin"' in header_xml
    assert section.header.paragraphs[0].alignment in (None, WD_ALIGN_PARAGRAPH.CENTER)
    assert section.header.paragraphs[0].style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    first = section.first_page_header
    assert not first.is_linked_to_previous and not "".join(p.text for p in first.paragraphs).strip()
    assert not list(first._element.iter(qn("w:instrText")))


def test_signature_blocks_leave_three_empty_lines(province_doc) -> None:
    cells = province_doc.tables[1].rows[0].cells
    for cell, (authority, position, name) in zip(cells, (
            ("TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC", "CHỦ TỊCH", "Đặng Thị Hoa"),
            ("TM. BAN THƯỜNG VỤ TỈNH ĐOÀN", "PHÓ BÍ THƯ", "Lâm Như Quỳnh")), strict=False):
        texts = [norm(p.text) for p in cell.paragraphs]
        assert texts == [authority, position, "", "", "", name]
    # Both authority lines break at the same place so the names line up.
    assert [p.text for p in cells[0].paragraphs][0] == "TM. BAN THƯỜNG VỤ\nHỘI KHUYẾN HỌC"
    assert [p.text for p in cells[1].paragraphs][0] == "TM. BAN THƯỜNG VỤ\nTỈNH ĐOÀN"


def test_deadline_is_bold_and_the_rest_is_not(province_doc) -> None:
    para = next(p for p in province_doc.paragraphs if "chậm nhất vào ngày 15/11" in p.text)
    bold = [r.text for r in para.runs if r.bold]
    plain = [r.text for r in para.runs if not r.bold]
    assert bold == ["chậm nhất vào ngày 15/11 hàng năm."]
    assert "".join(plain).startswith("- Hàng năm, xây dựng báo cáo")


def test_unnumbered_draft_leaves_blanks_for_the_clerk(template_bytes) -> None:
    """No-break-space blanks where the number and date are filled in at sealing (PDF text fields)."""
    doc = Document(io.BytesIO(render_docx(template_bytes(PROVINCE), reference_fields(), doc_number=None,
                                          issue_date=None)))
    number = _para(doc, "Số: /CTPH-HKH-TĐ")
    assert "\u00a0" * NUMBER_BLANK_LEN + "/CTPH" in number.text
    place = _para(doc, "Bến Tre, \u2060")  # a word joiner keeps LibreOffice from dropping the trailing blank
    assert "\u00a0" * DATE_BLANK_LEN in place.text


@pytest.mark.parametrize("count", [0, 1, 7])
def test_content_lists_grow_and_shrink(template_bytes, count: int) -> None:
    fields = replace(reference_fields(), contents=[f"Nội dung thứ {i}.\nĐoạn tiếp theo {i}." for i in range(1, count + 1)],
                     purposes=["Mục đích duy nhất."])
    docx = render_docx(template_bytes(PROVINCE), fields, doc_number=REFERENCE_NUMBER, issue_date=REFERENCE_DATE)
    text = extract_text(docx)
    lines = text.splitlines()
    section = lines[lines.index("II. NỘI DUNG PHỐI HỢP") + 1: lines.index("III. TRÁCH NHIỆM THỰC HIỆN")]
    expected = [x for i in range(1, count + 1) for x in (f"{i}. Nội dung thứ {i}.", f"Đoạn tiếp theo {i}.")]
    assert section == expected
    purposes = lines[lines.index("1. Mục đích") + 1: lines.index("2. Yêu cầu")]
    assert purposes == ["- Mục đích duy nhất."]
    assert "{%" not in text and "{{" not in text


def test_text_is_escaped_and_control_characters_dropped(template_bytes) -> None:
    fields = replace(reference_fields(), closing="A & B <w:p> \x07 \x0c C", summary="Tóm <b>tắt</b> & \x00 thêm")
    docx = render_docx(template_bytes(PROVINCE), fields, doc_number="1 & 2", issue_date=REFERENCE_DATE)
    text = extract_text(docx)
    assert "A & B <w:p> C" in text
    assert "Tóm <b>tắt</b> & thêm" in norm(text)
    assert "Số: 1 & 2" in text


def test_signature_order_is_configurable(template_bytes) -> None:
    fields = replace(reference_fields(), lead_left_in_signatures=True, lead_left_in_header=True)
    doc = Document(io.BytesIO(render_docx(template_bytes(PROVINCE), fields, doc_number=None, issue_date=None)))
    assert norm(doc.tables[1].rows[0].cells[0].paragraphs[-1].text) == "Lâm Như Quỳnh"
    assert norm(doc.tables[0].rows[0].cells[0].paragraphs[0].text) == "BCH ĐOÀN TỈNH BẾN TRE"


def test_district_template_cites_the_province_programme(template_bytes) -> None:
    fields = demo_district_fields("huyện Châu Thành")
    docx = render_docx(template_bytes(TemplateKind.PROGRAMME_DISTRICT), fields, doc_number="03/CTPH-HKH-HĐ",
                       issue_date=date(2018, 4, 2))
    text = norm(extract_text(docx))
    assert_in_order(text, [
        "HỘI KHUYẾN HỌC TỈNH BẾN TRE", "HỘI KHUYẾN HỌC HUYỆN CHÂU THÀNH", "TỈNH ĐOÀN BẾN TRE",
        "BCH ĐOÀN HUYỆN CHÂU THÀNH", "Số: 03/CTPH-HKH-HĐ", "Châu Thành, ngày 02 tháng 4 năm 2018",
        "Thực hiện chương trình phối hợp số 05/CTPH-HKH-TĐ, ngày 5/3/2018 giữa Hội Khuyến học tỉnh Bến Tre và "
        "Tỉnh đoàn Bến Tre về việc phối hợp hoạt động khuyến học", "III. TRÁCH NHIỆM THỰC HIỆN",
        "1. Cấp huyện, thành phố", "2. Cấp cơ sở",
        "Định kỳ hàng năm, hai đơn vị báo cáo kết quả thực hiện chương trình phối hợp về Ban Thường vụ Tỉnh đoàn "
        "và Hội Khuyến học tỉnh Bến Tre chậm nhất vào ngày 15/11 hàng năm.", "Nơi nhận:", "- Lưu: VT."])
    doc = Document(io.BytesIO(docx))
    report = next(p for p in doc.paragraphs if p.text.startswith("Định kỳ hàng năm, hai đơn vị"))
    assert [r.text for r in report.runs if r.bold] == ["chậm nhất vào ngày 15/11 hàng năm."]


def test_grassroots_and_agreement_templates(template_bytes) -> None:
    grassroots = extract_text(render_docx(template_bytes(TemplateKind.PROGRAMME_GRASSROOTS), demo_district_fields(),
                                          doc_number=None, issue_date=None))
    assert "III. TỔ CHỨC THỰC HIỆN" in grassroots
    fields = replace(reference_fields(), doc_type="THỎA THUẬN HỢP TÁC", type_abbr="TTHT")
    agreement = extract_text(render_docx(template_bytes(TemplateKind.AGREEMENT), fields, doc_number=None,
                                         issue_date=None))
    assert_in_order(agreement, ["/TTHT-HKH-TĐ", "THỎA THUẬN HỢP TÁC", "Căn cứ chương trình phối hợp số 40",
                                "Điều 1. Mục đích, yêu cầu", "Điều 2. Nội dung hợp tác",
                                "Điều 3. Trách nhiệm của mỗi bên", "Điều 4. Điều khoản thi hành", "Trên đây là"])


def test_context_keys_match_the_validator() -> None:
    for fields in (reference_fields(), demo_district_fields()):
        assert build_context(fields, doc_number=None, issue_date=None).keys() == CONTEXT_KEYS


def test_extract_text_has_one_paragraph_per_line(province_docx) -> None:
    lines = extract_text(province_docx).splitlines()
    assert lines[:4] == ["HỘI KHUYẾN HỌC TỈNH BẾN TRE", "BCH ĐOÀN TỈNH BẾN TRE", "Số: 05/CTPH-HKH-TĐ",
                         "Bến Tre, ngày 05 tháng 3 năm 2018"]
    assert all(line.strip() for line in lines)



@pytest.mark.parametrize("kind", list(TemplateKind))
@pytest.mark.parametrize("numbered", [False, True])
def test_text_read_while_rendering_is_the_saved_documents_text(template_bytes, kind: TemplateKind,
                                                                numbered: bool) -> None:
    from khuyenhoc_docs.drafting.render import render_docx_text

    fields = demo_district_fields() if kind is TemplateKind.PROGRAMME_DISTRICT else reference_fields()
    docx, text = render_docx_text(template_bytes(kind), fields, doc_number=REFERENCE_NUMBER if numbered else None,
                                  issue_date=REFERENCE_DATE if numbered else None)
    assert text == extract_text(docx)
    assert norm(fields.summary[:40]).lower() in norm(text).lower()  # a công văn prints it after "V/v"
