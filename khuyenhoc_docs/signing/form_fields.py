"""The number and issue-date text fields of a document of record.

The draft leaves a blank (a run of no-break spaces) where the clerk writes the number
("Số: ⍽⍽⍽/CTPH-HKH-TĐ") and the date ("Bến Tre, ⍽⍽⍽…"). At submission both blanks become
read-only text fields, created together with every signature field before the first
(certification, FILL_FORMS) signature; at sealing the lead organisation's clerk fills them in
the same revision as its signature. Filling a text field is a permitted change, so every earlier
signature stays valid. The value is drawn with the document's own font and size on the line's
own baseline, so the printed page reads as if typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from . import SignatureBlockNotFound, SigningError
from .appearance import AppearanceOptions, font_factory, stamp_font_path

if TYPE_CHECKING:
    from .page_text import PdfPages

NBSP = "\u00a0"
NUMBER_FIELD, DATE_FIELD = "doc_number", "issue_date"
LIBERATION_SERIF_ITALIC = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf"
_READ_ONLY, _PRINT = 1, 4


@dataclass(frozen=True)
class TextFieldBox:
    """Where a value goes: the blank's extent on its line, with the line's baseline and font."""

    field_name: str
    page_index: int
    x1: float
    x2: float
    baseline: float  # PDF user space, bottom-up
    size: float
    italic: bool
    align: str  # "right": abuts the text after the blank (the number); "left": follows the text before

    def rect(self) -> tuple[float, float, float, float]:
        return (self.x1, self.baseline - self.size * 0.3, self.x2, self.baseline + self.size * 0.95)


def _runs(chars: list[dict], min_len: int) -> list[list[dict]]:
    """Runs of consecutive no-break spaces on one line, in reading order."""
    runs: list[list[dict]] = []
    current: list[dict] = []
    for ch in chars:
        if ch["text"] == NBSP and (not current or abs(ch["top"] - current[-1]["top"]) < 1
                                   and abs(ch["x0"] - current[-1]["x1"]) < 2):
            current.append(ch)
            continue
        if len(current) >= min_len:
            runs.append(current)
        current = [ch] if ch["text"] == NBSP else []
    if len(current) >= min_len:
        runs.append(current)
    return runs


def first_page_chars(pdf: bytes, pages: PdfPages | None = None) -> list[dict]:
    """Page 1's characters as pdfplumber's ``page.chars`` gives the keys used here (text, x0, x1,
    top, size, matrix, fontname), in the same order, read with pdfminer directly
    (``page_text.PdfPages``; ``pages``: the PDF already parsed, e.g. to locate signature blocks)."""
    from .page_text import PdfPages

    page = (pages or PdfPages(pdf)).get(0)
    if page is None:
        raise ValueError("the PDF has no pages")
    return page.chars


def locate_blanks(pdf: bytes, *, number_len: int, date_len: int, pages: PdfPages | None = None) -> list[TextFieldBox]:
    """Find the number blank (``number_len`` no-break spaces) and the date blank on page 1."""
    try:
        chars = first_page_chars(pdf, pages)
    except Exception as exc:  # pdfminer raises many types on bad input
        raise SignatureBlockNotFound(code="number_date_pdf_unreadable", detail=repr(exc)) from exc
    found: dict[str, TextFieldBox] = {}
    for run in _runs(chars, min(number_len, date_len)):
        name = NUMBER_FIELD if len(run) == number_len else DATE_FIELD if len(run) >= date_len else None
        if name is None or name in found:
            continue
        first = run[0]
        size = float(first["size"])
        # the text matrix gives the glyph origin in PDF user space: x and the baseline
        x_origin, baseline = float(first["matrix"][4]), float(first["matrix"][5])
        width = float(run[-1]["x1"]) - float(first["x0"])
        found[name] = TextFieldBox(
            name, 0, x_origin, x_origin + width, baseline, size,
            "italic" in str(first["fontname"]).lower(), "right" if name == NUMBER_FIELD else "left",
        )
    missing = [n for n in (NUMBER_FIELD, DATE_FIELD) if n not in found]
    if missing:
        raise SignatureBlockNotFound(code="number_date_place_missing",
                                     detail=f"missing blanks {missing}")
    return [found[NUMBER_FIELD], found[DATE_FIELD]]


def add_text_fields(writer: IncrementalPdfFileWriter, boxes: list[TextFieldBox]) -> None:
    """Append empty read-only text fields (call in the revision that creates the signature fields)."""
    root = writer.root
    acroform = root["/AcroForm"]
    fields = acroform["/Fields"]
    for box in boxes:
        page_ref = writer.find_page_for_modification(box.page_index)[0]
        widget = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"), pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"), pdf_name("/T"): pdf_string(box.field_name),
            pdf_name("/Ff"): generic.NumberObject(_READ_ONLY), pdf_name("/F"): generic.NumberObject(_PRINT),
            pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(round(v, 2)) for v in box.rect()),
            pdf_name("/DA"): pdf_string(f"/F1 {box.size:g} Tf 0 g"),
            pdf_name("/P"): page_ref,
        })
        ref = writer.add_object(widget)
        fields.append(ref)
        page = page_ref.get_object()
        annots = page.get("/Annots")
        if annots is None:
            page[pdf_name("/Annots")] = generic.ArrayObject([ref])
        else:
            annots.append(ref)
            if isinstance(page.raw_get("/Annots"), generic.IndirectObject):
                writer.mark_update(page.raw_get("/Annots"))
        writer.update_container(page)
    writer.update_container(fields)


def _field(writer: IncrementalPdfFileWriter, name: str) -> generic.DictionaryObject:
    for ref in writer.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj.get("/T") == name:
            writer.mark_update(ref)
            return obj
    raise SigningError(code="form_field_missing", params={"name": name}, detail=f"no text field {name!r}")


def fill_text_field(writer: IncrementalPdfFileWriter, name: str, value: str,
                    options: AppearanceOptions | None = None) -> None:
    """Set the field's value and draw it on the line's baseline in the document's font."""
    options = options or AppearanceOptions()
    field = _field(writer, name)
    if field.get("/V"):
        raise SigningError(code="form_field_filled", params={"name": name}, detail=f"{name} already filled")
    x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
    size = float(str(field["/DA"]).split()[1])
    italic = name == DATE_FIELD
    source = LIBERATION_SERIF_ITALIC if italic else options.font_path
    font_path = stamp_font_path(AppearanceOptions(font_path=source))
    engine = font_factory(font_path, round(size)) \
        .create_font_engine(writer)
    shaped = engine.shape(value)
    width = shaped.x_advance * size
    if width > x2 - x1:  # a number longer than the blank: smaller, never clipped
        size = size * (x2 - x1) / width
        width = x2 - x1
    # the rect starts 0.3 em below the baseline (see TextFieldBox.rect)
    base = (y2 - y1) * 0.3 / 1.25
    x = (x2 - x1) - width if name == NUMBER_FIELD else 0.0
    content = b"/Tx BMC q BT /F1 %g Tf 0 g %g %g Td %s ET Q EMC" % (size, x, base, shaped.graphics_ops)
    stream = generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject([generic.FloatObject(0), generic.FloatObject(0),
                                                generic.FloatObject(x2 - x1),
                                                generic.FloatObject(y2 - y1)]),
        pdf_name("/Resources"): generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject(
            {pdf_name("/F1"): engine.as_resource()})}),
    }, stream_data=content)
    field[pdf_name("/V")] = pdf_string(value)
    field[pdf_name("/AP")] = generic.DictionaryObject({pdf_name("/N"): writer.add_object(stream)})
