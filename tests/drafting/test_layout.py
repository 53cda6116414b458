"""Line balancing of centred header, title and signature lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from khuyenhoc_docs.drafting.render import _FONT_DIRS, _FONT_FILES, _advances, balance_lines, balance_pair, text_width_mm

CELL = 165 / 2 - 3.8


def test_text_width_uses_real_metrics() -> None:
    narrow, wide = text_width_mm("iiii", 14), text_width_mm("MMMM", 14)
    assert 0 < narrow < wide
    assert abs(text_width_mm("HỘI KHUYẾN HỌC TỈNH BẾN TRE", 13, bold=True) - 75.6) < 1.5
    assert text_width_mm("ab", 28) == 2 * text_width_mm("ab", 14)


@pytest.mark.parametrize("style", sorted(_FONT_FILES))
def test_advances_are_the_fonts_cmap_and_hmtx(style: tuple[bool, bool]) -> None:
    """The widths read through HarfBuzz (issue 16: no fontTools in the worker) are exactly the
    font's best cmap and hmtx advances, per em, as fontTools reads them."""
    path = next(p for d in _FONT_DIRS for n in _FONT_FILES[style] if (p := Path(d) / n).is_file())
    with TTFont(path, lazy=True) as font:
        metrics, upm = font["hmtx"].metrics, font["head"].unitsPerEm
        expected = {cp: metrics[glyph][0] / upm for cp, glyph in font.getBestCmap().items()}
    assert _advances(*style)[0] == expected


def test_short_lines_are_left_alone() -> None:
    assert balance_lines("CHƯƠNG TRÌNH", 165, 14, bold=True) == "CHƯƠNG TRÌNH"
    assert balance_pair("CHỦ TỊCH", "PHÓ BÍ THƯ", CELL, 13) == ("CHỦ TỊCH", "PHÓ BÍ THƯ")


def test_summary_gets_even_lines_without_a_lone_last_word() -> None:
    summary = ("Phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập Giữa Hội Khuyến học và Đoàn "
               "TNCS Hồ Chí Minh tỉnh Bến Tre giai đoạn 2018 – 2020")
    lines = balance_lines(summary, 165, 14, bold=True).split("\n")
    assert len(lines) == 3 and " ".join(lines) == summary
    widths = [text_width_mm(line, 14, bold=True) for line in lines]
    assert max(widths) <= 165 and min(widths) > 0.7 * max(widths)


def test_signature_authorities_break_after_their_shared_words() -> None:
    left, right = balance_pair("TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC", "TM. BAN THƯỜNG VỤ TỈNH ĐOÀN", CELL, 13)
    assert (left, right) == ("TM. BAN THƯỜNG VỤ\nHỘI KHUYẾN HỌC", "TM. BAN THƯỜNG VỤ\nTỈNH ĐOÀN")


def test_pairs_without_shared_words_break_evenly() -> None:
    left, right = balance_pair("HỘI KHUYẾN HỌC HUYỆN CHÂU THÀNH", "BCH ĐOÀN HUYỆN CHÂU THÀNH", CELL, 13)
    assert left == "HỘI KHUYẾN HỌC\nHUYỆN CHÂU THÀNH"
    assert right.count("\n") == 1 and right.replace("\n", " ") == "BCH ĐOÀN HUYỆN CHÂU THÀNH"
