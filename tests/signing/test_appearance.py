"""The visible stamp: Vietnamese text in an embedded, rescaled font."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from khuyenhoc_docs.signing import StampInfo, stamp_font_path, stamp_text, to_pkcs12, validate_pdf
from tests.signing.conftest import HOA, P12_PASSPHRASE, sign_with, signature_png

ROOT = Path(__file__).resolve().parents[2]


def test_stamp_text_in_vietnam_time():
    at = datetime(2025, 1, 31, 17, 5, tzinfo=UTC)
    assert stamp_text(HOA, at).splitlines() == [
        "Đặng Thị Hoa", "CHỦ TỊCH", "Hội Khuyến học tỉnh Bến Tre",
        "Ký ngày: 01/02/2025 00:05 (GMT+7)",
    ]


def test_percent_signs_are_literal():
    info = StampInfo("A", "B", "Quỹ 100% khuyến học")
    assert "100%% khuyến" in stamp_text(info, datetime.now(UTC))


def test_stamp_font_covers_vietnamese():
    path = stamp_font_path()
    assert stamp_font_path() == path
    cmap = TTFont(path).getBestCmap()
    assert all(ord(ch) in cmap for ch in "ĐặngThịHoaCHỦTỊCHỳươếẫỹ")


def test_embedded_font_is_the_stamp_glyphs_of_the_source_font(signed_pdf):
    """The embedded program is a TrueType font fontTools reads whole, made of the glyphs the stamp
    draws: each CID's outline (composites resolved) equals the source font's glyph for the character
    ToUnicode gives it, without hinting; ``/W`` holds the source advances scaled to 1000 units/em."""
    source = TTFont(stamp_font_path())
    scale, cmap = 1000 / source["head"].unitsPerEm, source.getBestCmap()
    for field, font in _stamp_fonts(signed_pdf):
        cid_font = font["/DescendantFonts"][0].get_object()
        program = TTFont(io.BytesIO(cid_font["/FontDescriptor"]["/FontFile2"].data))
        program.ensureDecompiled()
        assert "fpgm" not in program and "GPOS" not in program
        assert len(program.getGlyphOrder()) < 80  # the stamp's glyphs, not the font's 2,602
        w = list(cid_font["/W"])
        widths = {first + i: width for first, run in zip(w[::2], w[1::2], strict=True)
                  for i, width in enumerate(run)}
        to_unicode = {int(cid, 16): bytes.fromhex(text).decode("utf-16-be") for cid, text in
                      re.findall(r"<([0-9a-f]{4})> <([0-9a-f]+)>", font["/ToUnicode"].get_object().data.decode())}
        text = "Ký ngày" + (HOA.full_name if field == "sig_hkh" else "")
        assert set(text) - {" "} <= set(to_unicode.values())
        glyf, source_glyf = program["glyf"], source["glyf"]
        for cid, char in to_unicode.items():
            name = cmap[ord(char)]
            assert widths[cid] == round(source["hmtx"][name][0] * scale)
            glyph = glyf[program.getGlyphName(cid)]
            assert glyph.getCoordinates(glyf)[0] == source_glyf[name].getCoordinates(source_glyf)[0], char
            assert not getattr(glyph, "program", None) or not glyph.program.getBytecode()


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


def test_signing_loads_neither_fonttools_nor_requests(prepared_pdf, pki, tmp_path):
    """Issue 16: the stamp's font is subset without fontTools, so a web worker that signed does
    not keep ``fontTools.subset`` (~12-18 MB), and the remote signing workflow the sign request
    consults first leaves requests/urllib3 (~4 MB) unloaded (online revocation answers are fetched
    with urllib: tests/signing/test_ltv.py). Checked in a fresh process that signs with a stamp."""
    (tmp_path / "in.pdf").write_bytes(prepared_pdf)
    (tmp_path / "key.p12").write_bytes(to_pkcs12(pki.hoa, pki.chain, P12_PASSPHRASE))
    (tmp_path / "tsa.p12").write_bytes(to_pkcs12(pki.tsa, pki.chain, P12_PASSPHRASE))
    code = """
import json, sys
from pathlib import Path
from khuyenhoc_docs.signing import CertKey, DemoTimeStamper, Pkcs12KeySource, StampInfo, sign_document
from khuyenhoc_docs.signing.pki import load_pkcs12
import khuyenhoc_docs.workflow.remote_signing  # the sign endpoint asks it first
d = Path(sys.argv[1])
source = Pkcs12KeySource((d / "key.p12").read_bytes(), sys.argv[2])
tsa_key, tsa_cert, chain = load_pkcs12((d / "tsa.p12").read_bytes(), sys.argv[2])
with source.open() as key:
    out = sign_document((d / "in.pdf").read_bytes(), field_name="sig_hkh", signer=key, cert_chain=chain,
                        timestamper=DemoTimeStamper(CertKey(tsa_cert, tsa_key), chain), certify=True,
                        reason=None,
                        stamp=StampInfo("Đặng Thị Hoa", "CHỦ TỊCH", "Hội Khuyến học tỉnh Bến Tre"))
assert b"/FontFile2" in out
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("fontTools", "requests", "urllib3"))))
"""
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), P12_PASSPHRASE], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_layout_rounding_warning_is_dropped_but_a_real_overflow_is_kept(caplog):
    import logging

    from pyhanko.pdf_utils import layout

    import khuyenhoc_docs.signing.appearance  # noqa: F401  (installs the filter)

    mid = layout.AxisAlignment.ALIGN_MID
    with caplog.at_level(logging.WARNING, logger="pyhanko.pdf_utils.layout"):
        mid.align(102, 102.00000000000001, 0, 0)
        assert not caplog.records
        mid.align(102, 110, 0, 0)
    assert len(caplog.records) == 1 and "110" in caplog.records[0].getMessage()
