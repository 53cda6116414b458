"""The visible stamp: Vietnamese text in an embedded, rescaled font."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, datetime

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from khuyenhoc_docs.signing import StampInfo, stamp_font_path, stamp_text, validate_pdf
from tests.signing.conftest import HOA, sign_with, signature_png


def test_stamp_text_in_vietnam_time():
    at = datetime(2025, 1, 31, 17, 5, tzinfo=UTC)
    assert stamp_text(HOA, at).splitlines() == [
        "Đặng Thị Hoa", "CHỦ TỊCH", "Hội Khuyến học tỉnh Bến Tre",
        "Ký ngày: 01/02/2025 00:05 (GMT+7)",
    ]


def test_percent_signs_are_literal():
    info = StampInfo("A", "B", "Quỹ 100% khuyến học")
    assert "100%% khuyến" in stamp_text(info, datetime.now(UTC))


def test_font_rescaled_once_and_covers_vietnamese():
    path = stamp_font_path()
    assert stamp_font_path() == path  # cached per process
    font = TTFont(path)
    assert font["head"].unitsPerEm == 1000
    cmap = font.getBestCmap()
    assert all(ord(ch) in cmap for ch in "ĐặngThịHoaCHỦTỊCHỳươếẫỹ")


def _stamp_fonts(pdf: bytes):
    reader = PdfFileReader(io.BytesIO(pdf))
    for name, _, ref in enumerate_sig_fields(reader):
        appearance = ref.get_object()["/AP"]["/N"]
        for font in appearance["/Resources"]["/Font"].values():
            yield name, font.get_object()


def test_stamp_font_is_embedded_type0_with_scaled_widths(signed_pdf):
    fonts = list(_stamp_fonts(signed_pdf))
    assert {name for name, _ in fonts} == {"sig_hkh", "sig_td"}
    for _, font in fonts:
        assert font["/Subtype"] == "/Type0" and font["/Encoding"] == "/Identity-H"
        assert "LiberationSerif" in font["/BaseFont"]
        assert "/ToUnicode" in font  # text stays extractable/searchable
        cid = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in cid["/FontDescriptor"]
        widths = [w for entry in list(cid["/W"])[1::2] for w in entry]
        # at 1000 units/em Liberation Serif glyphs are < 1000 wide (a space is
        # 250); unscaled 2048-upem widths would spread letters ~2x apart
        assert widths and max(widths) <= 1000 and min(widths) >= 200


def test_signature_image_renders(prepared_pdf, key_hoa, timestamper, pki, tmp_path):
    stamp = StampInfo(HOA.full_name, HOA.position, HOA.organisation, signature_image=signature_png())
    out = sign_with(key_hoa, prepared_pdf, "sig_hkh", stamp, certify=True,
                    timestamper=timestamper, chain=pki.chain)
    assert validate_pdf(out, trust_roots=[pki.ca.cert]).ok
    assert b"/SMask" in out  # transparency kept
    if shutil.which("pdftoppm"):
        (tmp_path / "img.pdf").write_bytes(out)
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-l", "9", str(tmp_path / "img.pdf"),
                        str(tmp_path / "page")], check=True, capture_output=True)
        assert list(tmp_path.glob("page*.png"))
