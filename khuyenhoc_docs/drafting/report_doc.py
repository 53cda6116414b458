"""A unit's yearly report on a programme, pre-filled as a Decree 30 style .docx the clerk completes."""
from __future__ import annotations

import io
from datetime import date

from docx import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from .vn import format_place_date

SECTIONS = (
    "I. KẾT QUẢ THỰC HIỆN",
    "1. Công tác tuyên truyền về khuyến học, khuyến tài, xây dựng xã hội học tập",
    "2. Xây dựng mô hình “Gia đình học tập”, “Dòng họ học tập”, “Cộng đồng học tập”",
    "3. Hoạt động quỹ khuyến học, khuyến tài; học bổng, học phẩm",
    "4. Phát hiện, tôn vinh gương điển hình học tập",
    "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN",
    "III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TIẾP THEO",
    "IV. KIẾN NGHỊ, ĐỀ XUẤT",
)


def _para(doc, text: str, *, size: int = 14, bold: bool = False, italic: bool = False,
          align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False) -> None:
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(6)
    if indent:
        p.paragraph_format.first_line_indent = Mm(12.7)
    run = p.add_run(text)
    run.font.name, run.font.size, run.bold, run.italic = "Times New Roman", Pt(size), bold, italic


def yearly_report_docx(*, unit_header: str, unit_name: str, place: str, programme_number: str,
                       programme_summary: str, year: int, recipient: str, today: date) -> bytes:
    """The report skeleton: header, title citing the programme, the usual sections, signature block."""
    doc = DocxDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run(unit_header).bold = True
    right.paragraphs[0].add_run(format_place_date(place, today)).italic = True
    for cell in (left, right):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "BÁO CÁO", size=14, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"Kết quả thực hiện chương trình phối hợp số {programme_number} năm {year}",
          bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, f"Thực hiện chương trình phối hợp số {programme_number} về việc {programme_summary[:1].lower()}"
               f"{programme_summary[1:]}, {unit_name} báo cáo kết quả thực hiện năm {year} như sau:", indent=True)
    for heading in SECTIONS:
        _para(doc, heading, bold=True)
        if not heading.startswith(("I. ", "II.", "III.", "IV.")) or heading.startswith(("II.", "III.", "IV.")):
            _para(doc, "……………………………………………………………………", indent=True)
    _para(doc, f"Nơi nhận:\n- {recipient};\n- Lưu: VT.", size=12, bold=True, italic=True,
          align=WD_ALIGN_PARAGRAPH.LEFT)
    _para(doc, "TM. BAN THƯỜNG VỤ\n(Ký, ghi rõ họ tên)", bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
