"""The outgoing register (sổ đăng ký văn bản đi, Decree 30/2020, Appendix IV) as CSV and XLSX.

The columns are the ten of the decree's form, in its order. The CSV is for machines and for
Excel (UTF-8 with a BOM, so Excel detects the encoding); the XLSX is the printable register
(A4 landscape, title, header repeated on every page).

Cells that a spreadsheet could take for a formula (first character ``= + - @``, tab, CR/LF, or
their full-width forms) get a leading apostrophe in the CSV and are stored as plain strings in
the XLSX: document summaries and recipient names come from users.

The Vietnamese column headers and titles are the decree's form itself (document content), so they
live here rather than with the UI's error wording in ``web/messages/``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["COLUMNS", "RegisterRow", "ack_summary", "to_csv", "to_xlsx", "void_note"]

COLUMNS: tuple[str, ...] = (
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung văn bản",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
# Widths in characters, chosen so the ten columns fill an A4 landscape page at 11 pt.
_WIDTHS = (18, 12, 42, 20, 30, 16, 8, 12, 12, 20)
_DATE_FORMAT = "dd/mm/yyyy"
_FONT = "Times New Roman"  # Decree 30, Appendix I
# Full-width = + - @ too: some spreadsheet front ends normalise them to ASCII.
_FORMULA_START = tuple("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class RegisterRow:
    """One line of the outgoing register.

    ``signers`` and ``recipients`` are joined with "; ". ``acknowledged`` is a summary such
    as ``ack_summary(8, 10)`` == "8/10 đã nhận"; ``notes`` e.g. ``void_note(...)``.
    """

    doc_number: str
    issue_date: date
    doc_type: str
    summary: str
    signers: tuple[str, ...]
    recipients: tuple[str, ...]
    archive_unit: str
    copies: int
    dispatched_date: date | None = None
    acknowledged: str = ""
    notes: str = ""

    @property
    def type_and_summary(self) -> str:
        """"Tên loại và trích yếu": "Chương trình: Phối hợp hoạt động …"."""
        return ": ".join(part for part in (self.doc_type.strip(), self.summary.strip()) if part)


def ack_summary(received: int, total: int) -> str:
    """The "ký nhận" cell: ``"8/10 đã nhận"``; empty when nothing was sent."""
    if total < 0 or not 0 <= received <= total:
        raise ValueError(f"invalid acknowledgement counts {received}/{total}")
    return f"{received}/{total} đã nhận" if total else ""


def void_note(voided_on: date, reason: str = "") -> str:
    """The "ghi chú" cell of a void number: ``"Số hủy: thu hồi ngày 05/03/2018 (lý do)"``."""
    note = f"Số hủy: thu hồi ngày {_vn_date(voided_on)}"
    reason = " ".join(reason.split())
    return f"{note} ({reason})" if reason else note


def _vn_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _as_date(value: date | None) -> date | None:
    # A datetime would carry a time fraction into the Excel serial number; keep the day only.
    return value.date() if isinstance(value, datetime) else value


def _cells(row: RegisterRow) -> list[str | int | date | None]:
    return [
        row.doc_number,
        _as_date(row.issue_date),
        row.type_and_summary,
        "; ".join(s.strip() for s in row.signers if s.strip()),
        "; ".join(r.strip() for r in row.recipients if r.strip()),
        row.archive_unit,
        row.copies,
        _as_date(row.dispatched_date),
        row.acknowledged,
        row.notes,
    ]


def _is_formula_like(text: str) -> bool:
    # Leading spaces are skipped: some spreadsheets trim them before deciding.
    return text.lstrip(" ").startswith(_FORMULA_START)


def _check(rows: Sequence[RegisterRow], year: int) -> None:
    # A register runs per calendar year (Art. 15): mixing years is a caller bug.
    for row in rows:
        if not isinstance(row.copies, int) or isinstance(row.copies, bool) or row.copies < 0:
            raise ValueError(f"{row.doc_number}: copies must be a non-negative integer")
        if _as_date(row.issue_date).year != year:  # type: ignore[union-attr]
            raise ValueError(f"{row.doc_number}: issued {row.issue_date}, not in {year}")


def to_csv(rows: Iterable[RegisterRow], *, year: int, organisation: str) -> bytes:
    """The register as CSV: UTF-8 with BOM, comma-separated, CRLF, header row first.

    ``organisation`` is not written (the file is a plain table); it is accepted so both
    exports take the same arguments.
    """
    rows = list(rows)
    _check(rows, year)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        line: list[str] = []
        for value in _cells(row):
            if value is None:
                line.append("")
            elif isinstance(value, date):
                line.append(_vn_date(value))
            elif isinstance(value, int):
                line.append(str(value))
            else:
                line.append("'" + value if _is_formula_like(value) else value)
        writer.writerow(line)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[RegisterRow], *, year: int, organisation: str) -> bytes:
    """The register as a printable XLSX workbook (one sheet, A4 landscape)."""
    # openpyxl (~18 MB) is imported here: app workers that never export a register do not carry it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    rows = list(rows)
    _check(rows, year)
    wb = Workbook()
    ws = wb.active
    ws.title = _SHEET_NAME_BAD.sub(" ", f"Sổ văn bản đi {year}")[:31]
    wb.properties.title = f"Sổ đăng ký văn bản đi năm {year}"
    wb.properties.creator = _clean(organisation)[:200]

    last_col = get_column_letter(len(COLUMNS))
    title = ws.cell(row=1, column=1, value=_clean(f"SỔ ĐĂNG KÝ VĂN BẢN ĐI — {organisation.strip()} — Năm {year}"))
    title.data_type = "s"  # an organisation name is user data too
    title.font = Font(name=_FONT, size=14, bold=True)
    title.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 36

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for col, name in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=2, column=col, value=name)
        cell.font = Font(name=_FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        ws.column_dimensions[get_column_letter(col)].width = _WIDTHS[col - 1]
    ws.row_dimensions[2].height = 32  # two lines: Excel does not re-fit row heights on open

    body_font = Font(name=_FONT, size=11)
    for r, row in enumerate(rows, start=3):
        for col, value in enumerate(_cells(row), start=1):
            cell = ws.cell(row=r, column=col)
            if isinstance(value, date):
                cell.value = value
                cell.number_format = _DATE_FORMAT
                horizontal = "center"
            elif isinstance(value, int):
                cell.value = value
                horizontal = "center"
            elif value is not None:
                cell.value = _clean(value)
                # openpyxl turns any string starting with "=" into a formula; force text.
                cell.data_type = "s"
                horizontal = "left"
            else:
                horizontal = "center"
            cell.font = body_font
            cell.border = border
            cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=True)

    ws.freeze_panes = "A3"  # title and header stay visible
    ws.print_title_rows = "2:2"  # header repeated on every printed page
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as needed, one page wide
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _clean(text: str) -> str:
    # XML 1.0 cannot hold most control characters; openpyxl would raise on them.
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)
