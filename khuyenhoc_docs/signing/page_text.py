"""Characters and words of PDF pages read with pdfminer directly, as pdfplumber gives them.

Submission reads page 1's characters (the number and date blanks) and the last pages' words (the
signature blocks). pdfplumber would give the same, but importing it also loads its display module
(pypdfium2, Pillow) and converting every layout object into a dict was ~40 % of the time; a worker
that submits documents carried ~20 MB more for it. The outputs equal pdfplumber's
(tests/signing/test_page_text.py and tests/drafting/test_blank_chars.py)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# pdfplumber's WordExtractor defaults (x_tolerance, y_tolerance and its ligature expansions)
X_TOLERANCE = 3.0
Y_TOLERANCE = 3.0
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}


@dataclass(frozen=True)
class PageChars:
    """One page's characters with its 0-based index and mediabox (PDF user space)."""

    index: int
    mediabox: tuple[float, float, float, float]
    chars: list[dict]

    @property
    def height(self) -> float:
        return self.mediabox[3] - self.mediabox[1]


class PdfPages:
    """One PDF parsed once; each page's characters interpreted on first request, then kept, with
    one resource manager (fonts loaded once). Submission locates the signature blocks on the last
    pages and the number/date blanks on page 1 through one of these, and stops at the last page
    when both blocks are there. pdfminer's errors (many types on bad input) surface from ``get``."""

    def __init__(self, pdf: bytes) -> None:
        self._pdf = pdf
        self._pages: list[Any] | None = None
        self._resources: Any = None
        self._done: dict[int, PageChars] = {}

    def _parsed(self) -> list[Any]:
        if self._pages is None:
            from pdfminer.pdfdocument import PDFDocument
            from pdfminer.pdfinterp import PDFResourceManager
            from pdfminer.pdfpage import PDFPage
            from pdfminer.pdfparser import PDFParser

            self._pages = list(PDFPage.create_pages(PDFDocument(PDFParser(io.BytesIO(self._pdf)))))
            self._resources = PDFResourceManager()
        return self._pages

    def get(self, wanted: int) -> PageChars | None:
        """The characters of the page at ``wanted`` (negative counts from the end), None when out
        of range. Each char has pdfplumber's keys used here (text, x0, x1, top, bottom, size,
        matrix, fontname, upright) in ``page.chars`` order; figures (form XObjects) are entered
        like pdfplumber does."""
        from pdfminer.converter import PDFPageAggregator
        from pdfminer.pdfinterp import PDFPageInterpreter

        pages = self._parsed()
        index = wanted + len(pages) if wanted < 0 else wanted
        if not 0 <= index < len(pages):
            return None
        if index not in self._done:
            page = pages[index]
            device = PDFPageAggregator(self._resources, laparams=None)
            PDFPageInterpreter(self._resources, device).process_page(page)
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            self._done[index] = PageChars(index, (x0, y0, x1, y1), list(_chars(device.get_result(), x0, y1 - y0)))
        return self._done[index]


def page_chars(pdf: bytes, indexes: Iterable[int]) -> list[PageChars]:
    """The characters of the pages at ``indexes`` (negative counts from the end; out of range
    ones are skipped), in the order given, parsed once (see ``PdfPages.get``)."""
    pages = PdfPages(pdf)
    return [page for page in (pages.get(i) for i in indexes) if page is not None]


def _chars(objs: Any, x_shift: float, height: float) -> Iterator[dict]:
    from pdfminer.layout import LTChar, LTContainer

    for obj in objs:
        if isinstance(obj, LTContainer):
            yield from _chars(obj, x_shift, height)
        elif isinstance(obj, LTChar):
            # pdfminer's layout is relative to the mediabox's origin; pdfplumber measures top-down
            yield {"text": obj.get_text(), "x0": obj.x0 + x_shift, "x1": obj.x1 + x_shift,
                   "top": height - obj.y1, "bottom": height - obj.y0, "size": obj.size,
                   "matrix": obj.matrix, "fontname": obj.fontname, "upright": obj.upright}


def extract_words(chars: Sequence[dict]) -> list[dict]:
    """Words as pdfplumber's ``extract_words()`` with its defaults (use_text_flow=False,
    keep_blank_chars=False, tolerances 3): characters grouped by uprightness, clustered into
    lines (by ``top``; rotated text by ``x0``), sorted along the line (x; rotated: top), split
    on blanks and on gaps or overlaps; keys text, x0, x1, top, bottom, upright."""
    words: list[dict] = []
    for upright, group in itertools.groupby(chars, key=lambda c: c["upright"]):
        line_key, along = ("top", "x0") if upright else ("x0", "top")
        for line in _cluster(list(group), line_key):
            ordered = sorted(line, key=(lambda c: c["x0"]) if upright else (lambda c: (c["top"], c["bottom"])))
            words.extend(_merge(w) for w in _split_words(ordered, along, line_key))
    return words


def _cluster(chars: list[dict], key: str) -> list[list[dict]]:
    """pdfplumber's ``cluster_objects``: sorted distinct values chained within the tolerance form
    a line; lines in value order, each keeping the characters' order."""
    cluster: dict[float, int] = {}
    number, last = 0, None
    for value in sorted({c[key] for c in chars}):
        if last is not None and value > last + Y_TOLERANCE:  # both tolerances are 3
            number += 1
        cluster[value] = number
        last = value
    ordered = sorted(chars, key=lambda c: cluster[c[key]])  # stable, as pdfplumber's
    return [list(g) for _, g in itertools.groupby(ordered, key=lambda c: cluster[c[key]])]


def _split_words(line: list[dict], along: str, across: str) -> Iterator[list[dict]]:
    end = "x1" if along == "x0" else "bottom"
    word: list[dict] = []
    for char in line:
        if char["text"].isspace():
            if word:
                yield word
            word = []
        elif word and (char[along] < word[-1][along] or char[along] > word[-1][end] + X_TOLERANCE
                       or abs(char[across] - word[-1][across]) > Y_TOLERANCE):
            yield word
            word = [char]
        else:
            word.append(char)
    if word:
        yield word


def _merge(chars: list[dict]) -> dict:
    x0, x1 = min(c["x0"] for c in chars), max(c["x1"] for c in chars)
    top, bottom = min(c["top"] for c in chars), max(c["bottom"] for c in chars)
    return {"text": "".join(LIGATURES.get(c["text"], c["text"] or "") for c in chars),
            "x0": x0, "x1": x1, "top": top, "bottom": bottom, "upright": chars[0]["upright"]}
