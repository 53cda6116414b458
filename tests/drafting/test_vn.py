"""Decree 30 formatting helpers."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from khuyenhoc_docs.drafting.vn import (
    format_doc_number,
    format_doc_number_draft,
    format_number,
    format_place_date,
    format_place_date_draft,
    format_short_date,
    recipient_lines,
    strip_diacritics,
)


@pytest.mark.parametrize(("n", "expected"), [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (123, "123")])
def test_format_number_pads_below_ten(n: int, expected: str) -> None:
    assert format_number(n) == expected


@pytest.mark.parametrize("bad", [0, -3, True, 2.0, "5"])
def test_format_number_refuses_non_positive_integers(bad: object) -> None:
    with pytest.raises(ValueError):
        format_number(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("d", "expected"), [
    (date(2018, 3, 5), "Bến Tre, ngày 05 tháng 3 năm 2018"),
    (date(2018, 2, 5), "Bến Tre, ngày 05 tháng 02 năm 2018"),
    (date(2019, 1, 15), "Bến Tre, ngày 15 tháng 01 năm 2019"),
    (date(2020, 12, 25), "Bến Tre, ngày 25 tháng 12 năm 2020"),
    (date(2020, 10, 9), "Bến Tre, ngày 09 tháng 10 năm 2020"),
])
def test_format_place_date(d: date, expected: str) -> None:
    assert format_place_date("Bến Tre", d) == expected


def test_draft_place_date_and_number_use_dots() -> None:
    assert format_place_date_draft("Bến Tre") == "Bến Tre, ngày … tháng … năm …"
    assert format_place_date_draft("Bến Tre", 2018) == "Bến Tre, ngày … tháng … năm 2018"
    assert format_doc_number_draft("CTPH", ["HKH", "TĐ"]) == "……/CTPH-HKH-TĐ"


def test_format_doc_number() -> None:
    assert format_doc_number(5, "CTPH", ["HKH", "TĐ"]) == "05/CTPH-HKH-TĐ"
    assert format_doc_number(40, "CTPH", ("HKVN", "ĐTNCSHCM")) == "40/CTPH-HKVN-ĐTNCSHCM"
    assert format_doc_number(12, "KH", "TĐ") == "12/KH-TĐ"
    assert format_doc_number(3, "CTPH", []) == "03/CTPH"
    # a công văn carries only the issuing bodies' abbreviations (Decree 30, Appendix III)
    assert format_doc_number(3, " ", ["HKH", "TĐ"]) == "03/HKH-TĐ"
    assert format_doc_number_draft("", ["HKH", "TĐ"]) == "……/HKH-TĐ"
    with pytest.raises(ValueError):
        format_doc_number(3, " ", [" "])


def test_short_date_as_cited_in_running_text() -> None:
    assert format_short_date(date(2017, 9, 19)) == "19/9/2017"


def test_recipient_lines_follow_decree_30() -> None:
    lines = recipient_lines(["Ban TNTH TW", "- VP Tỉnh ủy;", "– Hội Khuyến học tỉnh.", "  "], "VT, TTNTH")
    assert lines == ["- Ban TNTH TW;", "- VP Tỉnh ủy;", "- Hội Khuyến học tỉnh;", "- Lưu: VT, TTNTH."]


@pytest.mark.parametrize(("archive", "last"), [
    ("Lưu VT.", "- Lưu VT."),  # the reference's own form is kept
    ("Lưu: VT, Ban TTNTH", "- Lưu: VT, Ban TTNTH."),
    ("VT", "- Lưu: VT."),
])
def test_recipient_archive_line(archive: str, last: str) -> None:
    assert recipient_lines(["Ban TNTH TW"], archive)[-1] == last


def test_recipient_lines_without_archive() -> None:
    assert recipient_lines(["A"], None) == ["- A;"]


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đoàn TNCS Hồ Chí Minh") == "Doan TNCS Ho Chi Minh"
    assert strip_diacritics("Hội Khuyến học đẩy mạnh") == "Hoi Khuyen hoc day manh"
    decomposed = unicodedata.normalize("NFD", "Thường trực Tỉnh ủy")
    assert strip_diacritics(decomposed) == "Thuong truc Tinh uy"
    assert strip_diacritics("ĐƯỜNG") == "DUONG"
