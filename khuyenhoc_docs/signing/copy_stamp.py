"""The organisation's signature on an electronic copy (Decree 30, Appendix I, "bản sao điện tử").

Top right of page 1, no image, Times New Roman 10 upright black: the form of copy ("SAO Y"), the
copying organisation's name and the signing time in ISO 8601 with the Vietnam offset. The field is
added and signed in one incremental update; the original bytes stay unchanged.
The stamp's words are printed into the PDF (content); the errors raised here carry codes worded in
``web/messages/``.
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
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from . import SigningError
from .appearance import AppearanceOptions, font_factory, stamp_font_path
from .fields import FieldBox
from .keys import SigningKey
from .pki import to_asn1_cert

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4
FONT_SIZE = 10
COPY_FIELD = "KHD_BanSao"


def copy_text(form: str, organisation: str, at: datetime) -> str:
    """The three lines of the copy stamp, e.g. "SAO Y" / "HỘI KHUYẾN HỌC TỈNH BẾN TRE" / time."""
    return f"{form}\n{organisation}\n{at.astimezone(VN_TZ).isoformat(timespec='seconds')}"


def _box(writer: IncrementalPdfFileWriter | PdfFileReader) -> tuple[int, int, int, int]:
    """Top right of page 1, inside the top margin (20–25 mm) so it covers no text (nor a centred page
    number: the text block sits at the box's right): 80 × 15 mm, 3 mm from the top and 15 mm from the right."""
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    x0, y0, x1, y1 = (float(v) for v in page["/MediaBox"])
    right, top = x1 - 15 * MM, y1 - 3 * MM
    return int(right - 80 * MM), int(top - 15 * MM), int(right), int(top)


def copy_field_box(pdf: bytes) -> FieldBox:
    """The empty copy field every record gets before its first signature: a certification signature
    (DocMDP "form filling") lets later signers fill existing fields but not add visible ones, so the
    organisation's copy signature ("sao y") must find its field already there."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    x1, y1, x2, y2 = _box(reader)
    return FieldBox(COPY_FIELD, 0, x1, y1, x2, y2)


def copy_field_name(pdf: bytes) -> str:
    """The field a copy signature goes into: the record's empty copy field, or a new one when the
    record has none free (made before copies existed, or a digitised record certified in it)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        fields = {name: value for name, value, _ in sig_fields.enumerate_sig_fields(reader)}
    except (PdfError, ValueError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    return "KHD_SaoY" if fields.get(COPY_FIELD) is not None else COPY_FIELD


def page_count(pdf: bytes) -> int:
    """Number of pages of ``pdf`` (SigningError when it cannot be read)."""
    import pypdfium2 as pdfium  # here: submission imports this module, only copies need PDFium

    try:
        return len(pdfium.PdfDocument(pdf))
    except pdfium.PdfiumError as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc


def extract_pages(pdf: bytes, pages: Sequence[int]) -> bytes:
    """A new PDF of the given 1-based pages, in that order ("trích sao"); signatures do not survive."""
    import pypdfium2 as pdfium  # here: submission imports this module, only copies need PDFium

    try:
        src = pdfium.PdfDocument(pdf)
        out = pdfium.PdfDocument.new()
        out.import_pages(src, [n - 1 for n in pages])
        buf = io.BytesIO()
        out.save(buf)
    except pdfium.PdfiumError as exc:
        raise SigningError(code="copy_pages_extract_failed", detail=repr(exc)) from exc
    return buf.getvalue()


def sign_copy(pdf: bytes, *, key: SigningKey, cert_chain: Sequence[x509.Certificate], form: str,
              organisation: str, at: datetime, timestamper: TimeStamper,
              validation_context: ValidationContext | None = None, reason: str = "",
              field_name: str = COPY_FIELD) -> bytes:
    """Add the copy field to ``pdf`` and sign it as the organisation (PAdES B-T, B-LT with a context)."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    existing = {name: value for name, value, _ in sig_fields.enumerate_sig_fields(writer.prev)}
    if field_name in existing and existing[field_name] is not None:
        raise SigningError(code="copy_field_signed", detail=f"field {field_name} signed")
    if field_name not in existing:  # records prepared before copies existed, extracted pages
        sig_fields.append_signature_field(writer, sig_fields.SigFieldSpec(field_name, on_page=0, box=_box(writer)))
    key.signer.cert_registry.register_multiple([to_asn1_cert(c) for c in cert_chain])
    font = font_factory(stamp_font_path(AppearanceOptions()), FONT_SIZE)
    style = TextStampStyle(
        stamp_text=copy_text(form, organisation, at),
        text_box_style=TextBoxStyle(font=font, font_size=FONT_SIZE, leading=11, text_color=(0.0, 0.0, 0.0),
                                    box_layout_rule=layout.SimpleBoxLayoutRule(
                                        x_align=layout.AxisAlignment.ALIGN_MAX,
                                        y_align=layout.AxisAlignment.ALIGN_MID)),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        border_width=0, background=None, background_opacity=1.0)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", reason=reason or None,
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        embed_validation_info=validation_context is not None, validation_context=validation_context)
    try:
        out = signers.PdfSigner(meta, signer=key.signer, timestamper=timestamper,
                                stamp_style=style).sign_pdf(writer, existing_fields_only=True)
    except TimestampRequestError as exc:
        raise SigningError(code="tsa_failed", detail=repr(exc)) from exc
    except (PyHankoSigningError, PdfError) as exc:
        raise SigningError(detail=repr(exc)) from exc
    return out.getvalue()
