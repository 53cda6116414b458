"""Find where each chair signs (the gap between the position line and the
name) and add the signature fields before anything is signed.

Both fields must exist before the certification signature: adding a field
afterwards counts as a modification (level OTHER) and breaks it.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign.fields import SigFieldSpec, append_signature_field, enumerate_sig_fields

from . import SignatureBlockNotFound, SigningError

if TYPE_CHECKING:
    from .page_text import PdfPages


@dataclass(frozen=True)
class SignatureBlock:
    """A chair's signature block, e.g. ("sig_hkh", "CHỦ TỊCH", "Đặng Thị Hoa")."""

    field_name: str
    position_line: str
    signer_name: str


@dataclass(frozen=True)
class FieldBox:
    """Field rectangle in PDF user space (points, origin bottom-left)."""

    field_name: str
    page_index: int  # 0-based
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def rect(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


@dataclass(frozen=True)
class LocateOptions:
    box_width: float = 200.0  # fits a two-column signature table on A4
    min_height: float = 24.0  # below this the stamp text is unreadable
    padding: float = 4.0  # keep clear of the glyphs above and below
    max_gap: float = 200.0  # name must follow the position line within this
    page_margin: float = 18.0
    max_pages: int = 2  # signature blocks sit on the last page(s)


@dataclass(frozen=True)
class _Hit:
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2


def _norm(s: str) -> str:
    return unicodedata.normalize("NFC", s).casefold()


def _lines(words: list[dict]) -> list[list[dict]]:
    """Group words into visual lines (same baseline within 2 pt), left to right."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["bottom"]), w["x0"])):
        if lines and abs(lines[-1][0]["bottom"] - w["bottom"]) <= 2.0:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def _find(lines: list[list[dict]], text: str) -> list[_Hit]:
    """Runs of adjacent words equal to ``text`` (NFC, casefold). A large
    horizontal gap ends a run, so the two table columns never merge."""
    tokens = _norm(text).split()
    hits: list[_Hit] = []
    if not tokens:
        return hits
    for line in lines:
        texts = [_norm(w["text"]) for w in line]
        for i in range(len(line) - len(tokens) + 1):
            if texts[i : i + len(tokens)] != tokens:
                continue
            run = line[i : i + len(tokens)]
            size = max(w["bottom"] - w["top"] for w in run)
            if any(b["x0"] - a["x1"] > 1.5 * size for a, b in zip(run, run[1:], strict=False)):
                continue
            hits.append(_Hit(run[0]["x0"], run[-1]["x1"], min(w["top"] for w in run),
                             max(w["bottom"] for w in run)))
    return hits


def _pair(lines: list[list[dict]], block: SignatureBlock, opts: LocateOptions
          ) -> tuple[_Hit, _Hit] | None:
    """Closest (position line, name below it, horizontally aligned) pair."""
    best: tuple[float, _Hit, _Hit] | None = None
    names = _find(lines, block.signer_name)
    for pos in _find(lines, block.position_line):
        for name in names:
            gap = name.top - pos.bottom
            half = max(pos.x1 - pos.x0, name.x1 - name.x0) / 2
            if 0 < gap <= opts.max_gap and abs(name.cx - pos.cx) <= half and (best is None or gap < best[0]):
                best = (gap, pos, name)
    return None if best is None else (best[1], best[2])


def locate_signature_boxes(
    pdf: bytes, blocks: Sequence[SignatureBlock], options: LocateOptions = LocateOptions(),
    pages: PdfPages | None = None,
) -> list[FieldBox]:
    """One box per block, in the gap between position line and name, searched
    on the last ``options.max_pages`` pages (last first; a page is read only while a block is
    still missing). ``pages``: the PDF already parsed (``page_text.PdfPages``).
    Raises ``SignatureBlockNotFound`` naming the missing signer."""
    from .page_text import PdfPages, extract_words  # pdfminer only: no pdfplumber/pypdfium2/Pillow

    found: dict[str, FieldBox] = {}
    pages = pages or PdfPages(pdf)
    for wanted in range(-1, -1 - max(1, options.max_pages), -1):  # last first
        pending = [b for b in blocks if b.field_name not in found]
        if not pending:
            break
        try:
            page = pages.get(wanted)
        except Exception as exc:  # pdfminer raises many types on bad input
            raise SignatureBlockNotFound(code="signature_block_pdf_unreadable",
                                         detail=repr(exc)) from exc
        if page is None:
            continue
        lines = _lines(extract_words(page.chars))
        x_min, y_min, x_max, _ = page.mediabox
        index = page.index
        for block in pending:
            pair = _pair(lines, block, options)
            if pair is None:
                continue
            pos, name = pair
            top, bottom = pos.bottom + options.padding, name.top - options.padding
            if bottom - top < options.min_height:
                raise SignatureBlockNotFound(
                    code="signature_space_too_small", params={"signer_name": block.signer_name},
                    detail=f"gap {bottom - top:.1f}pt",
                )
            # words measure x from the page's left edge and y from its top (as pdfplumber's);
            # PDF user space starts at the mediabox origin, bottom-up
            cx = x_min + (pos.cx + name.cx) / 2
            x1 = max(x_min + options.page_margin, cx - options.box_width / 2)
            x2 = min(x_max - options.page_margin, cx + options.box_width / 2)
            found[block.field_name] = FieldBox(
                block.field_name, index, x1, y_min + page.height - bottom,
                x2, y_min + page.height - top,
            )
    missing = [b for b in blocks if b.field_name not in found]
    if missing:
        who = ", ".join(f"{b.position_line} {b.signer_name}" for b in missing)
        raise SignatureBlockNotFound(code="signature_block_missing", params={"who": who})
    return _separate([found[b.field_name] for b in blocks])


def _separate(boxes: list[FieldBox]) -> list[FieldBox]:
    """Shrink boxes on the same page that overlap so the two columns' fields
    never overlap (overlapping widgets confuse viewers and click targets)."""
    out = list(boxes)
    for i in range(len(out)):
        for j in range(i + 1, len(out)):
            a, b = out[i], out[j]
            same_page = a.page_index == b.page_index
            if not same_page or a.x2 <= b.x1 or b.x2 <= a.x1 or a.y2 <= b.y1 or b.y2 <= a.y1:
                continue
            mid = (a.x1 + a.x2 + b.x1 + b.x2) / 4
            if a.x1 <= b.x1:
                out[i], out[j] = replace(a, x2=mid - 2), replace(b, x1=mid + 2)
            else:
                out[i], out[j] = replace(a, x1=mid + 2), replace(b, x2=mid - 2)
    return out


def prepare_fields(pdf: bytes, boxes: Sequence[FieldBox], text_boxes: Sequence = ()) -> bytes:
    """Append all (empty) signature fields, then the text fields (``form_fields.TextFieldBox``),
    in one incremental update. Refuses a document that already carries a signature."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    existing = {name: value for name, value, _ in enumerate_sig_fields(writer.prev)}
    if any(value is not None for value in existing.values()):
        raise SigningError(code="fields_after_signature",
                           detail="document already signed")
    for box in boxes:
        if box.field_name in existing:
            raise SigningError(code="field_exists", params={"field_name": box.field_name}, detail="duplicate field")
        append_signature_field(
            writer, SigFieldSpec(sig_field_name=box.field_name, on_page=box.page_index, box=box.rect())
        )
    if text_boxes:
        from .form_fields import add_text_fields

        add_text_fields(writer, list(text_boxes))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True)
class FieldPlace:
    """Where an existing signature field sits: page (0-based), its box and the page height (points)."""

    box: FieldBox
    page_height: float

    def open_params(self) -> str:
        """PDF open parameters for a viewer: go to the page and highlight the field (top-left origin)."""
        b = self.box
        top, bottom = self.page_height - b.y2, self.page_height - b.y1
        return f"page={b.page_index + 1}&highlight={round(b.x1)},{round(b.x2)},{round(top)},{round(bottom)}"


def find_field(pdf: bytes, field_name: str) -> FieldPlace | None:
    """The page and rectangle of a signature field already in the PDF (None when absent or unreadable)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        for page_index in range(reader.root["/Pages"]["/Count"]):
            page_ref, _ = reader.find_page_for_modification(page_index)
            page = page_ref.get_object()
            for annot in page.get("/Annots", ()):
                annot = annot.get_object()
                if annot.get("/T") == field_name or (annot.get("/Parent") is not None
                                                     and annot["/Parent"].get_object().get("/T") == field_name):
                    x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
                    height = float(page["/MediaBox"][3]) - float(page["/MediaBox"][1])
                    return FieldPlace(FieldBox(field_name, page_index, min(x1, x2), min(y1, y2), max(x1, x2),
                                               max(y1, y2)), height)
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        return None
    return None


def highlight_field(pdf: bytes, place: FieldPlace, note: str) -> bytes:
    """A preview copy of ``pdf`` with a coloured frame (a Square annotation) around the field.

    For the signer's preview only; the stored record is never changed.
    """
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    b = place.box
    pad = 3.0
    annot = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Annot"),
        generic.NameObject("/Subtype"): generic.NameObject("/Square"),
        generic.NameObject("/Rect"): generic.ArrayObject(
            generic.FloatObject(v) for v in (b.x1 - pad, b.y1 - pad, b.x2 + pad, b.y2 + pad)),
        generic.NameObject("/C"): generic.ArrayObject(generic.FloatObject(v) for v in (0.9, 0.45, 0.0)),
        generic.NameObject("/BS"): generic.DictionaryObject({generic.NameObject("/W"): generic.NumberObject(3)}),
        generic.NameObject("/F"): generic.NumberObject(4),
        generic.NameObject("/Contents"): generic.TextStringObject(note),
    })
    ref = writer.add_object(annot)
    page_ref, _ = writer.find_page_for_modification(b.page_index)
    page = page_ref.get_object()
    annots = page.get("/Annots")
    if isinstance(annots, generic.IndirectObject):
        array = annots.get_object()
        array.append(ref)
        writer.update_container(array)
    else:
        page[generic.NameObject("/Annots")] = generic.ArrayObject([*(annots or ()), ref])
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_box(box: FieldBox, aspect: float) -> FieldBox:
    """The signature image's own rectangle: the largest of ``aspect`` (width/height) centred in
    the gap, so the field is exactly the drawn image and the seal can be placed over its left third."""
    width = min(box.width, box.height * aspect)
    height = width / aspect
    cx, cy = (box.x1 + box.x2) / 2, (box.y1 + box.y2) / 2
    return replace(box, x1=cx - width / 2, x2=cx + width / 2, y1=cy - height / 2, y2=cy + height / 2)


def seal_box(signature: FieldBox, field_name: str, diameter_pt: float) -> FieldBox:
    """The organisation's seal at its real size over about the left third of the signature image
    (Decree 30, Appendix I), vertically centred on it."""
    right = signature.x1 + signature.width / 3
    left = max(0.0, right - diameter_pt)
    cy = (signature.y1 + signature.y2) / 2
    return FieldBox(field_name, signature.page_index, left, cy - diameter_pt / 2, left + diameter_pt,
                    cy + diameter_pt / 2)
