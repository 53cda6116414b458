"""The rendered reference through LibreOffice: text, fonts, paper size, page numbers, page images."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .conftest import ARTIFACTS, norm, reference_lines


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True, timeout=60).stdout


def _pages(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(pdf)), re.M).group(1))


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if first:
        args += ["-f", str(first), "-l", str(last or first)]
    return _run(*args, str(pdf), "-")


def test_pdf_contains_every_reference_sentence(province_pdf: Path) -> None:
    # Page numbers sit alone on a line at the top of pages 2+; drop them before joining.
    lines = [line for line in _text(province_pdf).splitlines() if not re.fullmatch(r"\s*\d+\s*", line)]
    text = norm(" ".join(lines))
    missing = [line for line in reference_lines() if line not in text]
    assert not missing, missing


def test_pdf_keeps_vietnamese_diacritics(province_pdf: Path) -> None:
    text = norm(_text(province_pdf))
    for word in ("Đặng Thị Hoa", "Lâm Như Quỳnh", "THƯỜNG VỤ", "xã hội học tập", "Nơi nhận:", "ĐOÀN"):
        assert word in text


def test_all_fonts_are_embedded(province_pdf: Path) -> None:
    rows = _run("pdffonts", str(province_pdf)).splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        emb = row.split()[-5]  # columns from the right: emb sub uni object ID
        assert emb == "yes", row
    assert any("Serif" in row or "Times" in row for row in rows)


def test_pdf_is_a4(province_pdf: Path) -> None:
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", _run("pdfinfo", "-f", "1", "-l", "99", str(province_pdf)))
    assert sizes
    for w, h in sizes:
        assert abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5


def test_page_numbers_start_on_page_two(province_pdf: Path) -> None:
    pages = _pages(province_pdf)
    assert pages >= 2
    assert _text(province_pdf, 1).split()[0] == "HỘI"  # page 1 starts with the header, no number
    for page in range(2, pages + 1):
        assert _text(province_pdf, page).split()[0] == str(page)


def test_signatures_and_recipients_on_the_last_page(province_pdf: Path) -> None:
    last = norm(_text(province_pdf, _pages(province_pdf)))
    for text in ("CHỦ TỊCH", "PHÓ BÍ THƯ", "Đặng Thị Hoa", "Lâm Như Quỳnh", "Nơi nhận:", "- Lưu VT."):
        assert text in last


def test_first_and_last_page_images(province_pdf: Path) -> None:
    """Page images for a human to look at (tests/_artifacts/drafting/page-*.png)."""
    pages = _pages(province_pdf)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for page in (1, pages):
        prefix = ARTIFACTS / f"page-{page}"
        _run("pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile", str(province_pdf),
             str(prefix))
        png = prefix.with_suffix(".png")
        header = png.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        assert (width, height) == (579, 819)  # A4 at 70 dpi
