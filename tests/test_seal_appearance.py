"""Decree 30 Appendix I appearance, checked by pixels of the page rendered with pdftoppm: the chairs'
blue signature images between position line and name, the red seals over their left thirds."""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image

from khuyenhoc_docs import images
from khuyenhoc_docs.errors import ValidationFailed
from tests.flow import sealed_document

DPI = 100
SCALE = DPI / 72
BLOCKS = (("CHỦ TỊCH", "Đặng Thị Hoa"), ("PHÓ BÍ THƯ", "Lâm Như Quỳnh"))


def _blue(p) -> bool:
    r, g, b = p[:3]
    return b > 140 and r < 110 and g < 130


def _red(p) -> bool:
    r, g, b = p[:3]
    return r > 150 and g < 90 and b < 90


def _render(pdf: bytes, page_no: int) -> Image.Image:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page_no), "-l", str(page_no), "-singlefile", "-png",
                        str(src), str(Path(tmp) / "page")], capture_output=True, check=True)
        return Image.open(Path(tmp) / "page.png").convert("RGB")


def _pixels(img: Image.Image, box: tuple[float, float, float, float], test) -> list[tuple[int, int]]:
    """Matching pixels inside a box given in PDF points from the top-left (pdfplumber's coordinates)."""
    x0, top, x1, bottom = (int(v * SCALE) for v in box)
    px = img.load()
    return [(x, y) for x in range(max(0, x0), min(img.width, x1)) for y in range(max(0, top), min(img.height, bottom))
            if test(px[x, y])]


@pytest.fixture
def sealed_pdf(app, client) -> bytes:
    doc_id, h = sealed_document(client)
    return client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data


def test_signature_images_and_seals_by_pixels(sealed_pdf):
    with pdfplumber.open(io.BytesIO(sealed_pdf)) as pdf:
        page = pdf.pages[-1]
        page_no, width = len(pdf.pages), float(page.width)
        found = [(page.search(position)[0], page.search(name)[0]) for position, name in BLOCKS]
    img = _render(sealed_pdf, page_no)
    for pos, name in found:
        centre = (pos["x0"] + pos["x1"]) / 2
        gap = (max(0, centre - 110), pos["bottom"], min(width, centre + 110), name["top"])
        blue = _pixels(img, gap, _blue)
        assert len(blue) > 300, f"no signature image between {pos['text']} and {name['text']}"
        bx0, bx1 = min(x for x, _ in blue), max(x for x, _ in blue)
        by0, by1 = min(y for _, y in blue), max(y for _, y in blue)
        assert pos["bottom"] * SCALE <= by0 and by1 <= name["top"] * SCALE  # between the two lines
        # the red seal: around the signature's left part, reaching about a third into it
        # (in points; only up to the signature's right end, so the other block's seal stays out)
        around = (gap[0] - 120, pos["top"] - 60, bx1 / SCALE, name["bottom"] + 60)
        red = _pixels(img, around, _red)
        assert len(red) > 500, "no red seal"
        rx1 = max(x for x, _ in red)
        share = (rx1 - bx0) / (bx1 - bx0)
        assert 0.15 <= share <= 0.5, f"seal covers {share:.0%} of the signature image"
        assert any(bx0 <= x <= bx0 + (bx1 - bx0) / 3 and by0 <= y <= by1 for x, y in red), "seal not over the left third"
        assert not any(x > bx0 + (bx1 - bx0) * 0.55 for x, _ in red), "seal over the right of the signature"


def test_number_and_date_are_printed_in_the_documents_font(sealed_pdf):
    with pdfplumber.open(io.BytesIO(sealed_pdf)) as pdf:
        page = pdf.pages[0]
        slash = page.search("/CTPH-HKH-TĐ")[0]
        place = page.search("Bến Tre,")[0]
    img = _render(sealed_pdf, 1)
    # dark glyphs of the number just left of "/CTPH…", and of the date just right of "Bến Tre,"
    dark = lambda p: sum(p[:3]) < 200  # noqa: E731
    assert len(_pixels(img, (slash["x0"] - 14, slash["top"], slash["x0"], slash["bottom"]), dark)) > 20
    assert len(_pixels(img, (place["x1"] + 3, place["top"], place["x1"] + 120, place["bottom"]), dark)) > 60


def test_demo_images_are_transparent_pngs_and_uploads_are_checked():
    for png in (images.demo_seal_png("Tỉnh đoàn Bến Tre"), images.demo_signature_png("Lâm Như Quỳnh")):
        assert images.check_png(png) == png
    seal = Image.open(io.BytesIO(images.demo_seal_png("Hội Khuyến học tỉnh Bến Tre"))).convert("RGBA")
    assert seal.getpixel((0, 0))[3] == 0 and seal.getpixel((seal.width // 2, 8))[:3] == images.SEAL_RED[:3]
    jpeg = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(jpeg, format="JPEG")
    opaque = io.BytesIO()
    Image.new("RGBA", (100, 100), (200, 0, 0, 255)).save(opaque, format="PNG")
    huge = io.BytesIO()
    Image.new("RGBA", (2500, 40), (0, 0, 0, 0)).save(huge, format="PNG")
    for bad, words in ((b"", "Chưa chọn"), (jpeg.getvalue(), "phải là tệp PNG"), (opaque.getvalue(), "nền trong suốt"),
                       (huge.getvalue(), "kích thước"), (b"\x89PNG\r\n\x1a\n" + b"x" * 600_000, "quá lớn"),
                       (b"\x89PNG\r\n\x1a\nbroken", "không phải ảnh PNG")):
        with pytest.raises(ValidationFailed) as exc:
            images.check_png(bad, "Ảnh con dấu")
        assert words in exc.value.message, (words, exc.value.message)
