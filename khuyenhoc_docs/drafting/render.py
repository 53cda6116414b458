"""Render a template with programme fields (docxtpl, sandboxed) and read text back for search."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, RichText
from jinja2.exceptions import SecurityError
from lxml import etree

from ..conversion.lean import lean_docx
from .builder import CELL_MARGIN_MM, LETTER_STYLES, STYLES, TEXT_WIDTH_MM
from .container import TemplateInvalid, check_container
from .fields import ProgrammeFields
from .templates import sandbox_env
from .vn import format_doc_number_blank, format_place_date, format_place_date_blank, format_short_date, recipient_lines

# XML 1.0 cannot hold these; \a and \f are also docxtpl's paragraph/page-break escapes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")
_STRICT = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_W_T_WITH_CHILD = etree.XPath("//w:t[*]", namespaces={"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"})


def clean(text: str | None) -> str:
    """One paragraph of plain text: control characters dropped, whitespace runs collapsed."""
    return _SPACE.sub(" ", _CONTROL.sub("", text or "")).strip()


def rich(text: str | None) -> RichText:
    """RichText for one paragraph; **…** marks bold (an unpaired ** stays literal)."""
    pieces = clean(text).split("**")
    if len(pieces) % 2 == 0:  # odd number of markers: the last one has no partner
        pieces[-2:] = [pieces[-2] + "**" + pieces[-1]]
    out = RichText()
    for i, piece in enumerate(pieces):
        if piece:
            out.add(piece, bold=bool(i % 2))
    return out


def _paragraphs(text: str) -> list[str]:
    return [p for p in (clean(line) for line in _CONTROL.sub("", text).splitlines()) if p]


def build_context(fields: ProgrammeFields, *, doc_number: str | None, issue_date: date | None) -> dict[str, Any]:
    """The Jinja context every template kind renders from (keys: templates.CONTEXT_KEYS)."""
    left, right = fields.header_parties()
    sign_left, sign_right = fields.signature_parties()
    ctx: dict[str, Any] = {
        "header_left_parent": clean(left.parent_org_name), "header_left_name": clean(left.org_name_upper_for_header),
        "header_right_parent": clean(right.parent_org_name),
        "header_right_name": clean(right.org_name_upper_for_header),
        # An unnumbered draft leaves blanks where the clerk's number and date are filled in at sealing
        # (PDF text fields over the blanks; see signing.form_fields).
        "doc_number": clean(doc_number) if doc_number else format_doc_number_blank(fields.type_abbr, fields.org_abbrs),
        "place_date": (format_place_date(clean(fields.place), issue_date) if issue_date
                       else format_place_date_blank(clean(fields.place))),
        "issue_date": format_short_date(issue_date) if issue_date else "",
        "is_draft": doc_number is None,
        "doc_type": clean(fields.doc_type), "summary": clean(fields.summary),
        "period": clean(fields.period), "place": clean(fields.place),
        "party_a_name": clean(fields.party_a.org_name), "party_b_name": clean(fields.party_b.org_name),
        "parent_citation": clean(fields.parent.citation()) if fields.parent else "",
        "preamble": rich(fields.preamble),
        "purposes": [rich(p) for p in fields.purposes],
        "requirements": [rich(p) for p in fields.requirements],
        "contents": [{"number": i, "paragraphs": [rich(p) for p in _paragraphs(item)]}
                     for i, item in enumerate(fields.contents, 1)],
        "responsibilities": [{"number": i, "heading": clean(r.heading), "lines": [rich(x) for x in r.items]}
                             for i, r in enumerate(fields.responsibilities, 1)],
        "report_to": clean(fields.report_to), "report_deadline": clean(fields.report_deadline),
        "closing": rich(fields.closing),
        "recipients": recipient_lines([clean(r) for r in fields.recipients], clean(fields.archive)),
        "summary_vv": f"V/v {lower_first(clean(fields.summary))}",
        "addressees": addressee_text([clean(a) for a in fields.addressees]),
    }
    for side, party in (("left", sign_left), ("right", sign_right)):
        ctx[f"sign_{side}_authority"] = clean(party.authority_prefix)
        ctx[f"sign_{side}_position"] = clean(party.position)
        ctx[f"sign_{side}_name"] = clean(party.signer_name)
    _balance(ctx)
    return ctx


def lower_first(text: str) -> str:
    """ "Phúc đáp …" → "phúc đáp …" after "V/v"; a word in capitals ("UBND", "Hội") keeps its case."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower() and first.lower() not in _PROPER_STARTS:
        return text[:1].lower() + text[1:]
    return text


# Words that begin an organisation's name in a trích yếu and therefore keep their capital.
_PROPER_STARTS = frozenset({"hội", "đoàn", "ban", "ủy", "uỷ", "trung", "tỉnh", "thành"})


def addressee_text(names: list[str]) -> str:
    """What follows "Kính gửi:": one addressee on the same line ("X."), several as "- X;" lines."""
    names = [n.rstrip(" .;") for n in names if n.rstrip(" .;")]
    if len(names) <= 1:
        return f"{names[0]}." if names else ""
    return "\n" + "\n".join(f"- {n}{'.' if i == len(names) - 1 else ';'}" for i, n in enumerate(names))


def _balance(ctx: dict[str, Any]) -> None:
    """Insert line breaks into the centred short lines for the built-in templates' geometry."""
    cell = TEXT_WIDTH_MM / 2 - 2 * CELL_MARGIN_MM
    size = {name: spec[0] for name, spec in STYLES.items()}
    for key, style in (("header_{}_parent", "KH Org Parent"), ("header_{}_name", "KH Org Name"),
                       ("sign_{}_authority", "KH Sign"), ("sign_{}_position", "KH Sign")):
        left, right = key.format("left"), key.format("right")
        ctx[left], ctx[right] = balance_pair(ctx[left], ctx[right], cell, size[style],
                                             bold=STYLES[style][1])
    ctx["doc_number"] = balance_lines(ctx["doc_number"], cell, size["KH Number"])
    place, _, rest = ctx["place_date"].partition(", ")
    if text_width_mm(ctx["place_date"], size["KH Place Date"], italic=True) > cell * _FIT and rest:
        # A long place name goes on its own line: "Thành phố Hồ Chí Minh," / "ngày 05 tháng 3 năm 2018".
        ctx["place_date"] = f"{place},\n{rest}"
    ctx["doc_type"] = balance_lines(ctx["doc_type"], TEXT_WIDTH_MM, size["KH Doc Type"], bold=True)
    ctx["summary"] = balance_lines(ctx["summary"], TEXT_WIDTH_MM, size["KH Summary"], bold=True)
    ctx["summary_vv"] = balance_lines(ctx["summary_vv"], cell, LETTER_STYLES["KH Letter Subject"][0])


# -- line balancing -------------------------------------------------------------------------------
# Word and LibreOffice wrap the centred header, title and signature lines greedily, which leaves a
# lone "2020" under the summary or one signature block a line taller than the other (so the two
# names, and the signature boxes placed above them, no longer line up). Times New Roman and
# Liberation Serif share metrics, so measuring with Liberation lets us insert the breaks ourselves.
_FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
              "/usr/share/fonts/truetype/msttcorefonts")
_FONT_FILES = {(False, False): ("LiberationSerif-Regular.ttf", "Times_New_Roman.ttf"),
               (True, False): ("LiberationSerif-Bold.ttf", "Times_New_Roman_Bold.ttf"),
               (False, True): ("LiberationSerif-Italic.ttf", "Times_New_Roman_Italic.ttf"),
               (True, True): ("LiberationSerif-BoldItalic.ttf", "Times_New_Roman_Bold_Italic.ttf")}
_FIT = 0.98  # safety margin: renderers round widths differently


@cache
def _advances(bold: bool, italic: bool) -> tuple[dict[int, float], float]:
    """Advance width per code point in em, and a fallback width for unknown characters."""
    for folder in _FONT_DIRS:
        for name in _FONT_FILES[(bold, italic)]:
            path = Path(folder) / name
            if path.is_file():
                # HarfBuzz reads the cmap and hmtx (a font at its own scale answers in font units);
                # the signing stamp loads it anyway, and fontTools would add ~2 MB to the worker
                face = hb.Face(path.read_bytes())
                font = hb.Font(face)
                widths = {cp: font.get_glyph_h_advance(font.get_nominal_glyph(cp)) / face.upem
                          for cp in face.unicodes}
                return widths, widths.get(ord("N"), 0.72)
    return {}, 0.72 if bold else 0.66  # no font installed: err on the wide side (more breaks)


def text_width_mm(text: str, size_pt: float, *, bold: bool = False, italic: bool = False) -> float:
    """Printed width of text in Times New Roman at size_pt."""
    widths, fallback = _advances(bold, italic)
    em = sum(widths.get(ord(ch), fallback) for ch in unicodedata.normalize("NFC", text))
    return em * size_pt * 25.4 / 72


class _Measure:
    """Widths of word runs from per-word widths (prefix sums), so splitting costs no re-measuring."""

    def __init__(self, words: list[str], size_pt: float, bold: bool, italic: bool) -> None:
        self.prefix = [0.0]
        for word in words:
            self.prefix.append(self.prefix[-1] + text_width_mm(word, size_pt, bold=bold, italic=italic))
        self.space = text_width_mm(" ", size_pt, bold=bold, italic=italic)

    def span(self, i: int, j: int) -> float:
        """Width of words[i:j] joined by single spaces."""
        return self.prefix[j] - self.prefix[i] + self.space * max(j - i - 1, 0)


def _line_count(m: _Measure, width: float) -> int:
    lines, start = 1, 0
    for j in range(1, len(m.prefix)):
        if j - 1 > start and m.span(start, j) > width:
            lines, start = lines + 1, j - 1
    return lines


def _best_split(words: list[str], lines: int, m: _Measure) -> list[str]:
    """Split words into exactly `lines` lines minimising the widest one (small DP; titles are short)."""
    n = len(words)
    best: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}

    def solve(start: int, k: int) -> tuple[float, tuple[int, ...]]:
        if k == 1:
            return m.span(start, n), (n,)
        if (start, k) not in best:
            best[(start, k)] = min((max(m.span(start, cut), rest), (cut, *cuts))
                                   for cut in range(start + 1, n - k + 2)
                                   for rest, cuts in [solve(cut, k - 1)])
        return best[(start, k)]

    bounds = (0, *solve(0, lines)[1])
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


@lru_cache(maxsize=1024)  # pure; a cascade balances the same header and signature lines for every unit
def balance_lines(text: str, width_mm: float, size_pt: float, *, bold: bool = False, italic: bool = False,
                  max_lines: int = 4) -> str:
    """Break a centred line into evenly long lines ("\\n" between them) when it would wrap."""
    words = text.split()
    m = _Measure(words, size_pt, bold, italic)
    lines = _line_count(m, width_mm * _FIT)
    if lines <= 1 or lines > max_lines:
        return text
    return "\n".join(_best_split(words, lines, m))


@lru_cache(maxsize=1024)
def balance_pair(left: str, right: str, width_mm: float, size_pt: float, *, bold: bool = True) -> tuple[str, str]:
    """Give two side-by-side blocks the same number of lines (two) when either needs a second one.

    Both break after their shared opening words when they have some ("TM. BAN THƯỜNG VỤ" /
    "HỘI KHUYẾN HỌC" beside "TM. BAN THƯỜNG VỤ" / "TỈNH ĐOÀN"), otherwise each at its most even point.
    """
    limit = width_mm * _FIT
    lw, rw = left.split(), right.split()
    ml, mr = _Measure(lw, size_pt, bold, False), _Measure(rw, size_pt, bold, False)
    if max(_line_count(ml, limit), _line_count(mr, limit)) != 2 or len(lw) < 2 or len(rw) < 2:
        return left, right
    shared = 0
    while shared < min(len(lw), len(rw)) - 1 and lw[shared] == rw[shared]:
        shared += 1
    if shared >= 2 and max(ml.span(0, shared), ml.span(shared, len(lw)), mr.span(shared, len(rw))) <= limit:
        head = " ".join(lw[:shared])
        return f"{head}\n{' '.join(lw[shared:])}", f"{head}\n{' '.join(rw[shared:])}"
    return "\n".join(_best_split(lw, 2, ml)), "\n".join(_best_split(rw, 2, mr))

@lru_cache(maxsize=8)
def _lean_template(template: bytes) -> bytes:
    """The template without the style definitions no part of it names (python-docx's ~160 built-ins,
    Word's stylesWithEffects copy and latent list): parsing and saving those was over half of a
    rendering's CPU, and LibreOffice then had them to import too. See conversion.lean; cached, as a
    cascade renders one template per unit."""
    return lean_docx(template)[0]


@lru_cache(maxsize=16)
def _patched(src_xml: str) -> str:
    return DocxTemplate.patch_xml(None, src_xml)  # a pure function of the text: it uses no state


class _StrictTemplate(DocxTemplate):
    """docxtpl parses the rendered body with recover=True, silently dropping broken markup; refuse it instead."""

    def patch_xml(self, src_xml: str) -> str:
        # The same template body is patched (a dozen regex passes) for every rendering: cached.
        return _patched(src_xml)

    def fix_tables(self, xml: str) -> Any:
        try:
            tree = etree.fromstring(xml.encode("utf-8"), _STRICT)
        except etree.XMLSyntaxError as exc:
            raise TemplateInvalid(reason="template_output_corrupt", code="render") from exc
        if _W_T_WITH_CHILD(tree):
            raise TemplateInvalid(reason="template_rich_in_loop", code="render")
        return super().fix_tables(xml)


def render_docx(template: bytes, fields: ProgrammeFields, *, doc_number: str | None,
                issue_date: date | None) -> bytes:
    """Fill template with fields; doc_number/issue_date None give a draft with dotted blanks."""
    return render_docx_text(template, fields, doc_number=doc_number, issue_date=issue_date)[0]


def render_docx_text(template: bytes, fields: ProgrammeFields, *, doc_number: str | None,
                     issue_date: date | None) -> tuple[bytes, str]:
    """``render_docx`` and the rendered body's text (as ``extract_text`` gives it), read from the
    tree just rendered rather than from a second parse of the saved DOCX."""
    check_container(template, parse_xml=False)
    context = build_context(fields, doc_number=doc_number, issue_date=issue_date)
    tpl = _StrictTemplate(io.BytesIO(_lean_template(template)))
    try:
        tpl.render(context, jinja_env=sandbox_env(), autoescape=True)
    except TemplateInvalid:
        raise
    except SecurityError as exc:
        raise TemplateInvalid(reason="template_forbidden_operation", params={"reason": exc}, code="render") from exc
    except Exception as exc:  # the template is untrusted input: any failure is the template's
        raise TemplateInvalid(reason="template_render_failed", params={"reason": exc}, code="render") from exc
    out = io.BytesIO()
    tpl.save(out)
    lines: list[str] = []
    _block_text(tpl.docx.element.body, lines)
    return out.getvalue(), "\n".join(lines)


def _block_text(element: Any, out: list[str]) -> None:
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            text = Paragraph(child, None).text  # type: ignore[arg-type]  # detached: only its text is read
            if text.strip():
                out.append(text)
        elif child.tag == qn("w:tbl"):
            for row in child.iterchildren(qn("w:tr")):
                for cell in row.iterchildren(qn("w:tc")):
                    _block_text(cell, out)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                _block_text(content, out)


def extract_text(docx: bytes) -> str:
    """Body text in reading order, one paragraph per line (tables cell by cell), for search indexing."""
    check_container(docx, parse_xml=False)
    body = Document(io.BytesIO(docx)).element.body
    lines: list[str] = []
    _block_text(body, lines)
    return "\n".join(lines)
