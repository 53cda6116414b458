"""The record code and its QR code in the footer of page 1, written before any signature (so
every signature covers it). Recipients scan it to reach the public verification page."""
from __future__ import annotations

import io
import secrets

import segno
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import enumerate_sig_fields

from . import SigningError

# Crockford base32 without look-alikes (no I, L, O, U): easy to read aloud and to type.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
QR_SIZE = 52.0  # points (~18 mm): scannable from print, small enough for the bottom margin
MARGIN = 18.0  # from the page's bottom-right corner


def new_record_code() -> str:
    """8 random characters shown as XXXX-XXXX (40 bits: not guessable by enumeration)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def public_url(base_url: str, code: str) -> str:
    """The public verification page of a record (what the QR code holds)."""
    return f"{base_url.rstrip('/')}/v/{code}"


def normalise_code(value: str) -> str:
    """What a person typed (lower case, no dash, O for 0...) → the canonical code."""
    cleaned = value.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != 8 or any(c not in _ALPHABET for c in cleaned):
        return ""
    return f"{cleaned[:4]}-{cleaned[4:]}"


def _qr_ops(url: str, x: float, y: float, size: float) -> str:
    qr = segno.make(url, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 2  # modules of white border inside the box
    module = size / (n + 2 * quiet)
    ops = ["q", "1 1 1 rg", f"{x:.2f} {y:.2f} {size:.2f} {size:.2f} re f", "0 0 0 rg"]
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                mx = x + (c + quiet) * module
                my = y + size - (r + quiet + 1) * module
                ops.append(f"{mx:.2f} {my:.2f} {module:.3f} {module:.3f} re")
    ops += ["f", "Q"]
    return "\n".join(ops)


def stamp_record_code(pdf: bytes, code: str, url: str) -> bytes:
    """Draw the QR code (to ``url``) and the record code at the bottom right of page 1.

    Refuses a signed document: the footer must be covered by the first signature."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    if any(value is not None for _, value, _ in enumerate_sig_fields(writer.prev)):
        raise SigningError(code="record_code_after_signature", detail="already signed")
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    x1, y1, x2, _y2 = (float(v) for v in page["/MediaBox"])
    qx, qy = x2 - MARGIN - QR_SIZE, y1 + MARGIN
    text = f"Ma tra cuu / record code: {code}"  # Helvetica (WinAnsi): ASCII only
    font = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
        generic.NameObject("/Encoding"): generic.NameObject("/WinAnsiEncoding"),
    })
    resources = generic.DictionaryObject({generic.NameObject("/Font"): generic.DictionaryObject(
        {generic.NameObject("/KhdRc"): writer.add_object(font)})})
    ops = (f"{_qr_ops(url, qx, qy, QR_SIZE)}\nq BT /KhdRc 7 Tf 0 0 0 rg "
           f"{qx - 4 - 7 * 0.5 * len(text):.2f} {qy + 4:.2f} Td ({text}) Tj ET Q")
    stream = generic.StreamObject(stream_data=ops.encode("ascii"))
    writer.add_stream_to_page(0, writer.add_object(stream), resources=resources)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
