"""A faster reader for PDF hex strings, installed into pyHanko's parser.

pyHanko 0.38 reads a hex string one byte at a time through a Python generator. Every signature's
``/Contents`` is a hex string of tens of kilobytes (CMS with certificates, timestamp and revocation
data), and pyHanko reads it again for each revision it looks at: one issuance spent ~10 % of its
time there. This reader finds the closing ``>`` with ``bytes.find`` and decodes with ``binascii``;
anything unusual (a comment sign inside, a bad digit, no closing bracket) is handed back to
pyHanko's own reader from the same position, so the result and the errors are pyHanko's.
"""
from __future__ import annotations

import binascii
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PDF_WHITESPACE

_original = generic.read_hex_string_from_stream
_HEX = b"0123456789abcdefABCDEF"
_FIRST_CHUNK, _MAX_CHUNK = 512, 1 << 20  # short strings (names, IDs) read little; /Contents grows fast


def read_hex_string_from_stream(stream: Any) -> Any:
    """Same contract as ``pyhanko.pdf_utils.generic.read_hex_string_from_stream``."""
    start = stream.tell()
    stream.read(1)  # the opening "<"
    parts: list[bytes] = []
    size = _FIRST_CHUNK
    while True:
        chunk = stream.read(size)
        size = min(size * 8, _MAX_CHUNK)
        if not chunk:  # truncated: pyHanko raises its own error
            stream.seek(start)
            return _original(stream)
        end = chunk.find(b">")
        if end >= 0:
            parts.append(chunk[:end])
            break
        parts.append(chunk)
    body = b"".join(parts)
    digits = body.translate(None, PDF_WHITESPACE)
    if digits.translate(None, _HEX):  # a comment or a bad token: pyHanko decides
        stream.seek(start)
        return _original(stream)
    stream.seek(start + 1 + len(body) + 1)
    if len(digits) % 2:
        digits += b"0"  # an odd final digit counts as followed by 0 (ISO 32000-1, 7.3.4.3)
    return generic.pdf_string(binascii.unhexlify(digits))


def install() -> None:
    """Make pyHanko's object parser use this reader (idempotent)."""
    generic.read_hex_string_from_stream = read_hex_string_from_stream
