"""Stamp images written from streams encoded once are exactly what pyHanko's ``pil_image`` writes."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.images import pil_image
from pyhanko.pdf_utils.writer import PdfFileWriter

from khuyenhoc_docs.signing.appearance import _image
from khuyenhoc_docs.signing.stamp_images import add_image


def _png(mode: str) -> bytes:
    img = Image.new(mode, (240, 160), (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.ellipse((20, 20, 220, 140), outline=(200, 20, 20), width=6)
    draw.line((30, 80, 210, 90), fill=(20, 40, 170), width=4)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_same_streams_as_pil_image_in_every_writer(mode):
    image = _image(_png(mode))
    expected = pil_image(image, PdfFileWriter()).get_object()
    for _ in range(2):  # the second time from the encoded streams kept
        writer = PdfFileWriter()
        ref = add_image(image, writer)
        got = ref.get_object()
        assert ref.get_pdf_handler() is writer
        assert got.encoded_data == expected.encoded_data
        assert {k: v for k, v in got.items() if k != "/SMask"} == {k: v for k, v in expected.items() if k != "/SMask"}
        assert ("/SMask" in got) == ("/SMask" in expected)
        if "/SMask" in got:
            assert got.raw_get("/SMask").get_pdf_handler() is writer
            assert got["/SMask"].get_object().encoded_data == expected["/SMask"].get_object().encoded_data
            assert got["/SMask"].get_object().data == image.split()[-1].tobytes()
