"""The pdfminer-only page reader (``page_text``) against pdfplumber as the oracle: on every built-in
template converted by LibreOffice (numbered and as a draft with blanks), the words of the last pages
equal pdfplumber's ``extract_words(use_text_flow=False)`` and the signature boxes located from them
equal those located from pdfplumber's words (the former implementation)."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from khuyenhoc_docs.drafting.reference import REFERENCE_DATE, REFERENCE_NUMBER, reference_fields
from khuyenhoc_docs.drafting.render import render_docx
from khuyenhoc_docs.drafting.templates import TemplateKind
from khuyenhoc_docs.signing import fields as fields_module
from khuyenhoc_docs.signing.fields import LocateOptions, locate_signature_boxes
from khuyenhoc_docs.signing.page_text import extract_words, page_chars
from khuyenhoc_docs.workflow.submission import signature_blocks
from tests.soffice import convert_cold

ROOT = Path(__file__).resolve().parents[2]
WORD_KEYS = ("text", "x0", "x1", "top", "bottom", "upright")


@pytest.fixture(scope="module")
def template_pdfs(tmp_path_factory) -> dict[str, bytes]:
    """Every built-in template rendered with the reference fields, numbered and as a draft,
    converted in one LibreOffice run."""
    sources = {}
    for kind in TemplateKind:
        template = (ROOT / "templates" / kind.filename).read_bytes()
        for numbered in (True, False):
            sources[f"{kind.value}_{'numbered' if numbered else 'draft'}"] = render_docx(
                template, reference_fields(), doc_number=REFERENCE_NUMBER if numbered else None,
                issue_date=REFERENCE_DATE if numbered else None)
    return convert_cold(tmp_path_factory.mktemp("templates"), sources)


def _plumber_boxes(pdf: bytes, blocks) -> list:
    """The former implementation: pdfplumber's words, same pairing and box arithmetic."""
    options = LocateOptions()
    found = {}
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        n = len(doc.pages)
        for index in range(n - 1, max(0, n - options.max_pages) - 1, -1):
            page = doc.pages[index]
            lines = fields_module._lines(page.extract_words(use_text_flow=False))
            x_min, y_min, x_max, _ = (float(v) for v in page.mediabox)
            for block in blocks:
                pair = None if block.field_name in found else fields_module._pair(lines, block, options)
                if pair is None:
                    continue
                pos, name = pair
                top, bottom = pos.bottom + options.padding, name.top - options.padding
                cx = x_min + (pos.cx + name.cx) / 2
                found[block.field_name] = fields_module.FieldBox(
                    block.field_name, index, max(x_min + options.page_margin, cx - options.box_width / 2),
                    y_min + page.height - bottom, min(x_max - options.page_margin, cx + options.box_width / 2),
                    y_min + page.height - top)
    return fields_module._separate([found[b.field_name] for b in blocks])


def test_words_of_the_last_pages_equal_pdfplumbers(template_pdfs: dict[str, bytes]) -> None:
    assert len(template_pdfs) == 2 * len(TemplateKind)
    for name, pdf in template_pdfs.items():
        ours = page_chars(pdf, [-1, -2, 0])
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            n = len(doc.pages)
            assert [p.index for p in ours] == [i % n for i in (-1, -2, 0) if -n <= i < n]
            for page in ours:
                theirs = [{k: w[k] for k in WORD_KEYS} for w in
                          doc.pages[page.index].extract_words(use_text_flow=False)]
                assert len(theirs) > 20, name
                assert extract_words(page.chars) == theirs, f"{name} page {page.index}"
                assert page.height == doc.pages[page.index].height


def test_signature_boxes_equal_the_pdfplumber_ones(template_pdfs: dict[str, bytes]) -> None:
    blocks = signature_blocks(reference_fields())
    for name, pdf in template_pdfs.items():
        boxes = locate_signature_boxes(pdf, blocks)
        assert [b.field_name for b in boxes] == [b.field_name for b in blocks]
        assert boxes == _plumber_boxes(pdf, blocks), name


def test_word_splitting_follows_pdfplumbers_rules() -> None:
    def char(text: str, x0: float, top: float = 10.0, width: float = 5.0) -> dict:
        return {"text": text, "x0": x0, "x1": x0 + width, "top": top, "bottom": top + 10, "doctop": top,
                "upright": True}

    # e (top 12.5) joins the line at top 10 and sorts first; a space ends "eab"; d is 3.5 after c
    chars = [char("b", 20), char("a", 14.5), char(" ", 25), char("c", 31),
             char("d", 39.5), char("e", 12, top=12.5), char("ﬁ", 60, top=40)]
    words = extract_words(chars)
    assert [w["text"] for w in words] == ["eab", "c", "d", "fi"]
    assert words[0]["x0"] == 12 and words[0]["top"] == 10 and words[0]["bottom"] == 22.5
    assert [w["text"] for w in extract_words(chars)] == \
        [w["text"] for w in pdfplumber.utils.extract_words(chars)]


def test_submission_locates_without_pdfplumber_pdfium_or_requests(template_pdfs: dict[str, bytes],
                                                                  tmp_path: Path) -> None:
    """What a worker carries after a submission: neither pdfplumber nor PDFium nor requests."""
    pdf = tmp_path / "draft.pdf"
    pdf.write_bytes(template_pdfs["programme_province_draft"])
    code = f"""
import sys
from pathlib import Path
from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.drafting.vn import DATE_BLANK_LEN, NUMBER_BLANK_LEN
from khuyenhoc_docs.signing.form_fields import locate_blanks
from khuyenhoc_docs.workflow import submission
pdf = Path({str(pdf)!r}).read_bytes()
assert len(submission.locate_signature_boxes(pdf, submission.signature_blocks(reference_fields()))) == 2
assert len(locate_blanks(pdf, number_len=NUMBER_BLANK_LEN, date_len=DATE_BLANK_LEN)) == 2
print(sorted(m for m in ("pdfplumber", "pypdfium2", "requests", "pdfminer") if m in sys.modules))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[-2] == "['pdfminer']"
