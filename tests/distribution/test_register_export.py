"""The outgoing register exports: CSV for Excel, printable XLSX, formula injection."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from khuyenhoc_docs.distribution import COLUMNS, RegisterRow, ack_summary, to_csv, to_xlsx, void_note

ORG = "Tỉnh Đoàn Bến Tre"

ISSUED = RegisterRow(
    doc_number="40/CTPH-HKVN-ĐTNCSHCM",
    issue_date=date(2018, 3, 5),
    doc_type="Chương trình",
    summary="Phối hợp hoạt động giữa Hội Khuyến học và Đoàn TNCS Hồ Chí Minh giai đoạn 2018 – 2020",
    signers=("Đặng Thị Hoa", "Lâm Như Quỳnh"),
    recipients=("Trung ương Hội Khuyến học Việt Nam", "Ban Thường vụ Tỉnh Đoàn", "Các Huyện, Thành Đoàn"),
    archive_unit="VT, Ban Tuyên giáo",
    copies=10,
    dispatched_date=date(2018, 3, 6),
    acknowledged=ack_summary(8, 10),
)
VOID = RegisterRow(
    doc_number="41/CV-TĐTN",
    issue_date=date(2018, 3, 7),
    doc_type="Công văn",
    summary="V/v tổ chức Ngày hội Khuyến học",
    signers=("Lâm Như Quỳnh",),
    recipients=(),
    archive_unit="VT",
    copies=0,
    notes=void_note(date(2018, 3, 8), "ký nhầm trích yếu"),
)
# Every text column carries something a spreadsheet would execute or mangle.
HOSTILE = RegisterRow(
    doc_number="=HYPERLINK(\"http://evil.example\",\"Bấm vào\")",
    issue_date=date(2018, 12, 31),
    doc_type="",
    summary="+cmd|' /C calc'!A0",
    signers=("-2+3",),
    recipients=("@SUM(1+1)",),
    archive_unit="\t=1+1",
    copies=1,
    acknowledged="\r=1",
    notes="  =1+1",
)
SAFE_TEXTS = {"40/CTPH-HKVN-ĐTNCSHCM", "VT, Ban Tuyên giáo", "8/10 đã nhận"}


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_bom_and_vietnamese_header() -> None:
    data = to_csv([ISSUED, VOID], year=2018, organisation=ORG)
    assert data.startswith(b"\xef\xbb\xbf")
    header, first, second = _csv_rows(data)
    assert header == list(COLUMNS)
    assert header[0] == "Số, ký hiệu văn bản" and header[-1] == "Ghi chú"
    assert first == [
        "40/CTPH-HKVN-ĐTNCSHCM",
        "05/03/2018",
        "Chương trình: Phối hợp hoạt động giữa Hội Khuyến học và Đoàn TNCS Hồ Chí Minh giai đoạn 2018 – 2020",
        "Đặng Thị Hoa; Lâm Như Quỳnh",
        "Trung ương Hội Khuyến học Việt Nam; Ban Thường vụ Tỉnh Đoàn; Các Huyện, Thành Đoàn",
        "VT, Ban Tuyên giáo",
        "10",
        "06/03/2018",
        "8/10 đã nhận",
        "",
    ]
    assert second[7] == "" and second[8] == ""
    assert second[9] == "Số hủy: thu hồi ngày 08/03/2018 (ký nhầm trích yếu)"
    assert data.count(b"\r\n") == 3


def test_csv_neutralises_formulas() -> None:
    _, row = _csv_rows(to_csv([HOSTILE], year=2018, organisation=ORG))
    text_cells = [row[i] for i in (0, 2, 3, 4, 5, 8, 9)]
    assert all(cell.startswith("'") for cell in text_cells), text_cells
    assert row[0] == "'=HYPERLINK(\"http://evil.example\",\"Bấm vào\")"
    assert row[5] == "'\t=1+1"
    assert row[6] == "1"  # numbers are not text and stay numbers


def test_csv_leaves_ordinary_text_alone() -> None:
    _, row = _csv_rows(to_csv([ISSUED], year=2018, organisation=ORG))
    assert not any(cell.startswith("'") for cell in row)
    assert set(row) >= SAFE_TEXTS


def test_rows_of_another_year_are_refused() -> None:
    for export in (to_csv, to_xlsx):
        with pytest.raises(ValueError):
            export([ISSUED], year=2019, organisation=ORG)


def _sheet(rows: list[RegisterRow]):
    data = to_xlsx(rows, year=2018, organisation=ORG)
    return data, load_workbook(io.BytesIO(data)).active


def test_xlsx_layout_for_printing() -> None:
    _, ws = _sheet([ISSUED, VOID])
    assert ws["A1"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐI — Tỉnh Đoàn Bến Tre — Năm 2018"
    assert "A1:J1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == list(COLUMNS)
    assert all(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows in ("2:2", "$2:$2")
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.column_dimensions["C"].width > ws.column_dimensions["G"].width
    assert ws["C3"].alignment.wrap_text is True


def test_xlsx_dates_are_real_dates() -> None:
    _, ws = _sheet([ISSUED, VOID])
    issued = ws["B3"]
    assert issued.is_date and issued.value == datetime(2018, 3, 5)
    assert issued.number_format == "dd/mm/yyyy"
    assert ws["H3"].value == datetime(2018, 3, 6) and ws["H3"].number_format == "dd/mm/yyyy"
    assert ws["H4"].value is None  # not dispatched
    assert ws["G3"].value == 10 and ws["G3"].data_type == "n"
    assert ws["D3"].value == "Đặng Thị Hoa; Lâm Như Quỳnh"
    assert ws["I3"].value == "8/10 đã nhận"
    assert ws["J4"].value.startswith("Số hủy: thu hồi ngày 08/03/2018")


def test_xlsx_stores_formula_like_text_as_strings() -> None:
    data, ws = _sheet([HOSTILE])
    assert ws["A3"].value == "=HYPERLINK(\"http://evil.example\",\"Bấm vào\")"
    for cell in ws[3]:
        if cell.value is not None and not isinstance(cell.value, (int, datetime)):
            assert cell.data_type == "s", cell.coordinate
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml


def test_xlsx_survives_control_characters_and_empty_registers() -> None:
    row = RegisterRow(
        doc_number="01/TB-TĐTN",
        issue_date=datetime(2018, 1, 2, 15, 45),  # a datetime keeps only its day
        doc_type="Thông báo",
        summary="Có ký tự lạ \x00\x07 ở giữa",
        signers=("Lâm Như Quỳnh",),
        recipients=("Như trên",),
        archive_unit="VT",
        copies=2,
    )
    _, ws = _sheet([row])
    assert ws["C3"].value == "Thông báo: Có ký tự lạ  ở giữa"
    assert ws["B3"].value == datetime(2018, 1, 2)
    _, empty = _sheet([])
    assert empty.max_row == 2 and [c.value for c in empty[2]] == list(COLUMNS)


def test_helpers() -> None:
    assert ack_summary(8, 10) == "8/10 đã nhận"
    assert ack_summary(0, 0) == ""
    for received, total in ((11, 10), (-1, 3)):
        with pytest.raises(ValueError):
            ack_summary(received, total)
    assert void_note(date(2018, 3, 8)) == "Số hủy: thu hồi ngày 08/03/2018"
    with pytest.raises(ValueError):
        to_csv([RegisterRow("1/TB", date(2018, 1, 1), "", "", (), (), "", -1)], year=2018, organisation=ORG)
