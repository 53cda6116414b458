"""Active content in a PDF: JavaScript, launch actions, embedded or attached files.

Reports must be plain documents; a PDF carrying any of these is refused as a report and the verify
report names what it found. Every indirect object of every revision is read through the parser
(object streams and name escapes such as ``/J#61vaScript`` included), not searched as bytes.
"""
from __future__ import annotations

from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.errors import SignatureValidationError

JAVASCRIPT = "JavaScript"
LAUNCH = "hành động mở chương trình (Launch)"
EMBEDDED = "tệp nhúng (EmbeddedFiles)"
ATTACHMENT = "tệp đính kèm (FileAttachment)"
_MAX_DEPTH = 32
_MAX_OBJECTS = 200_000


def _inspect(obj: Any, found: set[str], depth: int = 0) -> None:
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, generic.DictionaryObject):
        keys = set(dict.keys(obj))
        action = dict.get(obj, "/S")
        if "/JS" in keys or "/JavaScript" in keys or action == "/JavaScript":
            found.add(JAVASCRIPT)
        if action == "/Launch" or "/Launch" in keys:
            found.add(LAUNCH)
        if "/EmbeddedFiles" in keys or "/EF" in keys or dict.get(obj, "/Type") == "/EmbeddedFile":
            found.add(EMBEDDED)
        if dict.get(obj, "/Subtype") == "/FileAttachment":
            found.add(ATTACHMENT)
        for value in dict.values(obj):
            _inspect(value, found, depth + 1)
    elif isinstance(obj, generic.ArrayObject):
        for value in list.__iter__(obj):
            _inspect(value, found, depth + 1)


# What a damaged file makes pyHanko raise while it reads or compares revisions, besides its own
# errors (a malformed number such as "1.2.3", which one flipped bit can make: decimal.InvalidOperation).
DAMAGED = (SignatureValidationError, PdfError, ValueError, KeyError, IndexError, TypeError, ArithmeticError)


def active_content(reader: PdfFileReader) -> tuple[str, ...]:
    """Names (Vietnamese) of the kinds of active content in the PDF, empty for a plain document."""
    found: set[str] = set()
    _inspect(reader.trailer_view, found)
    seen = 0
    xrefs = reader.xrefs
    for revision in range(reader.xrefs.total_revisions):
        for ref in reader.xrefs.explicit_refs_in_revision(revision):
            seen += 1
            if seen > _MAX_OBJECTS:
                return tuple(sorted(found))
            try:
                # the same definition as get_object(ref, revision=revision), through the caches the
                # validation's other passes filled: the current one when this revision's definition
                # is still the latest, else this revision's historical resolver
                if xrefs[ref] == xrefs.get_historical_ref(ref, revision):
                    obj = reader.get_object(ref)
                else:
                    obj = reader.get_historical_resolver(revision)(ref)
            except (*DAMAGED, AttributeError):
                continue  # an unreadable object carries nothing a reader would run
            _inspect(obj, found)
    return tuple(sorted(found))
