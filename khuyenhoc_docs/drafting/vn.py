"""Decree 30/2020/NĐ-CP formatting helpers (numbers, dates, recipients) and text folding."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

#: What Vietnamese drafts print where the number/day is not assigned yet.
DRAFT_DOTS = "……"


def format_number(n: int) -> str:
    """Document number as printed: two digits below 10 ("05"), plain above."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"document number must be a positive integer, got {n!r}")
    return f"{n:02d}"


def format_day_month(d: date) -> tuple[str, str]:
    """Day and month as Decree 30 writes them: day < 10 and months 1–2 get a leading zero."""
    day = f"{d.day:02d}"
    # Only January and February are padded: "tháng 3" but "tháng 02".
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return day, month


def format_place_date(place: str, d: date) -> str:
    """ "Bến Tre, ngày 05 tháng 3 năm 2018"."""
    day, month = format_day_month(d)
    return f"{place.strip()}, ngày {day} tháng {month} năm {d.year}"


def format_place_date_draft(place: str, year: int | None = None) -> str:
    """Place/date line of an undated draft: "Bến Tre, ngày … tháng … năm …" (short, so it stays on one line)."""
    year_text = str(year) if year else "…"
    return f"{place.strip()}, ngày … tháng … năm {year_text}"


#: Blanks (no-break spaces) left in a submitted draft for the clerk's number and date; the PDF text
#: fields are created over them (signing.form_fields). 6 = three digits, 45 ≈ "ngày 28 tháng 12 năm 2026"
#: in 13 pt italic. Their lengths tell the two blanks apart.
NBSP = "\u00a0"
NUMBER_BLANK_LEN, DATE_BLANK_LEN = 6, 45


def format_doc_number_blank(type_abbr: str, org_abbrs: Sequence[str] | str) -> str:
    """Symbol of a not-yet-numbered document with the blank for the number: "⍽⍽⍽⍽⍽⍽/CTPH-HKH-TĐ"."""
    return f"{NBSP * NUMBER_BLANK_LEN}/{_symbol(type_abbr, org_abbrs)}"


def format_place_date_blank(place: str) -> str:
    """Place line with the blank where the issue date is written at sealing: "Bến Tre, ⍽⍽⍽…"."""
    # A word joiner closes the blank: LibreOffice drops no-break spaces that end a line.
    return f"{place.strip()}, {NBSP * DATE_BLANK_LEN}\u2060"


def format_date_words(d: date) -> str:
    """ "ngày 05 tháng 3 năm 2018" (the date part of the place/date line)."""
    day, month = format_day_month(d)
    return f"ngày {day} tháng {month} năm {d.year}"


def format_short_date(d: date) -> str:
    """Date as cited inside running text: "19/9/2017" (no padding, as the reference writes it)."""
    return f"{d.day}/{d.month}/{d.year}"


def _symbol(type_abbr: str, org_abbrs: Sequence[str] | str) -> str:
    if isinstance(org_abbrs, str):
        org_abbrs = [org_abbrs] if org_abbrs else []
    # A công văn's symbol has no kind abbreviation, only the issuing bodies' (Decree 30, Appendix III:
    # "123/HKH-TĐ"); every other kind starts with its own ("05/CTPH-HKH-TĐ").
    parts = [p for p in (type_abbr.strip(), *(a.strip() for a in org_abbrs)) if p]
    if not parts:
        raise ValueError("a symbol needs a type or an organisation abbreviation")
    return "-".join(parts)


def format_doc_number(n: int, type_abbr: str, org_abbrs: Sequence[str] | str) -> str:
    """Number and symbol: format_doc_number(5, "CTPH", ["HKH", "TĐ"]) == "05/CTPH-HKH-TĐ"."""
    return f"{format_number(n)}/{_symbol(type_abbr, org_abbrs)}"


def format_doc_number_draft(type_abbr: str, org_abbrs: Sequence[str] | str) -> str:
    """Symbol of a not-yet-numbered draft: "……/CTPH-HKH-TĐ"."""
    return f"{DRAFT_DOTS}/{_symbol(type_abbr, org_abbrs)}"


_LEADING_DASH = re.compile(r"^[\s\-–—•+*]+")
_TRAILING_PUNCT = re.compile(r"[\s;.,]+$")


def recipient_lines(recipients: Iterable[str], archive: str | None = "Lưu: VT") -> list[str]:
    """Recipient lines of the "Nơi nhận:" block.

    Each recipient becomes "- X;" whatever dash/punctuation the clerk typed; the archive
    line comes last and ends with a full stop. Decree 30 writes it "- Lưu: VT, <unit>.";
    an archive given without "Lưu" is put in that form, one that starts with "Lưu" is kept
    as written so the reference's "- Lưu VT." is reproduced.
    """
    lines = []
    for raw in recipients:
        text = _TRAILING_PUNCT.sub("", _LEADING_DASH.sub("", raw))
        if text:
            lines.append(f"- {text};")
    if archive is not None:
        text = _TRAILING_PUNCT.sub("", _LEADING_DASH.sub("", archive))
        if text:
            if not text.casefold().startswith("lưu"):
                text = f"Lưu: {text}"
            lines.append(f"- {text}.")
    return lines


def strip_diacritics(text: str) -> str:
    """Fold Vietnamese to plain ASCII letters for search: "Đoàn Khuyến học" -> "Doan Khuyen hoc"."""
    # đ/Đ are separate letters, not a base letter plus a combining mark, so NFD leaves them.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)
