"""The organisation's signature on an electronic copy (Decree 30, Appendix I, "bản sao điện tử").

Top right of page 1, no image, Times New Roman 10 upright black: the form of copy ("SAO Y"), the
copying organisation's name and the signing time in ISO 8601 with the Vietnam offset. The field is
added and signed in one incremental update; the original bytes stay unchanged.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography import x509
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from . import SigningError
from .appearance import AppearanceOptions, _InMemoryFontFactory, stamp_font_path
from .keys import SigningKey
from .pki import to_asn1_cert

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4
FONT_SIZE = 10
COPY_FIELD = "KHD_BanSao"


def copy_text(form: str, organisation: str, at: datetime) -> str:
    """The three lines of the copy stamp, e.g. "SAO Y" / "HỘI KHUYẾN HỌC TỈNH BẾN TRE" / time."""
    return f"{form}\n{organisation}\n{at.astimezone(VN_TZ).isoformat(timespec='seconds')}"


def _box(writer: IncrementalPdfFileWriter) -> tuple[int, int, int, int]:
    """Top right of page 1, inside the top margin (20–25 mm) so it covers no text: 80 × 15 mm, 3 mm
    from the top and 15 mm from the right edge."""
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    x0, y0, x1, y1 = (float(v) for v in page["/MediaBox"])
    right, top = x1 - 15 * MM, y1 - 3 * MM
    return int(right - 80 * MM), int(top - 15 * MM), int(right), int(top)


def sign_copy(pdf: bytes, *, key: SigningKey, cert_chain: Sequence[x509.Certificate], form: str,
              organisation: str, at: datetime, timestamper: TimeStamper,
              validation_context: ValidationContext | None = None, reason: str = "") -> bytes:
    """Add the copy field to ``pdf`` and sign it as the organisation (PAdES B-T, B-LT with a context)."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningError("Tệp PDF không hợp lệ.", detail=repr(exc)) from exc
    sig_fields.append_signature_field(writer, sig_fields.SigFieldSpec(COPY_FIELD, on_page=0, box=_box(writer)))
    key.signer.cert_registry.register_multiple([to_asn1_cert(c) for c in cert_chain])
    # in memory: pyHanko's own factory leaves the font file open
    font = _InMemoryFontFactory(str(stamp_font_path(AppearanceOptions())), font_size=FONT_SIZE, bcp47_lang_code="vi")
    style = TextStampStyle(
        stamp_text=copy_text(form, organisation, at),
        text_box_style=TextBoxStyle(font=font, font_size=FONT_SIZE, leading=12, text_color=(0.0, 0.0, 0.0),
                                    box_layout_rule=layout.SimpleBoxLayoutRule(
                                        x_align=layout.AxisAlignment.ALIGN_MIN,
                                        y_align=layout.AxisAlignment.ALIGN_MID)),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        border_width=0, background=None, background_opacity=1.0)
    meta = signers.PdfSignatureMetadata(
        field_name=COPY_FIELD, md_algorithm="sha256", reason=reason or None,
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        embed_validation_info=validation_context is not None, validation_context=validation_context)
    try:
        out = signers.PdfSigner(meta, signer=key.signer, timestamper=timestamper,
                                stamp_style=style).sign_pdf(writer, existing_fields_only=True)
    except TimestampRequestError as exc:
        raise SigningError("Không lấy được dấu thời gian từ máy chủ TSA.", detail=repr(exc)) from exc
    except (PyHankoSigningError, PdfError) as exc:
        raise SigningError(detail=repr(exc)) from exc
    return out.getvalue()
