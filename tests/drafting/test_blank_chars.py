"""Page 1's characters read with pdfminer directly (submission's number/date blanks) equal what
pdfplumber's ``page.chars`` gives, on the reference programme with its number and on a draft with
the blanks; the blanks are found where pdfplumber's characters place them."""
from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.drafting.render import render_docx
from khuyenhoc_docs.drafting.templates import TemplateKind
from khuyenhoc_docs.drafting.vn import DATE_BLANK_LEN, NUMBER_BLANK_LEN
from khuyenhoc_docs.signing.form_fields import DATE_FIELD, NBSP, NUMBER_FIELD, first_page_chars, locate_blanks
from tests.soffice import convert_cold

KEYS = ("text", "x0", "x1", "top", "size", "matrix", "fontname")


@pytest.fixture(scope="module")
def blanks_pdf(template_bytes, tmp_path_factory) -> bytes:
    """The reference programme as a draft (number and date left blank), converted once."""
    draft = render_docx(template_bytes(TemplateKind.PROGRAMME_PROVINCE), reference_fields(),
                        doc_number=None, issue_date=None)
    return convert_cold(tmp_path_factory.mktemp("blanks"), {"draft": draft}, timeout=180)["draft"]


def plumber_chars(pdf: bytes) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [{k: (tuple(c[k]) if k == "matrix" else c[k]) for k in KEYS} for c in doc.pages[0].chars]


def test_first_page_chars_equal_pdfplumbers(province_pdf: Path, blanks_pdf: bytes) -> None:
    for pdf in (province_pdf.read_bytes(), blanks_pdf):
        ours = [{k: (tuple(c[k]) if k == "matrix" else c[k]) for k in KEYS} for c in first_page_chars(pdf)]
        assert len(ours) > 500
        assert ours == plumber_chars(pdf)


def test_blanks_found_where_pdfplumber_sees_them(blanks_pdf: bytes) -> None:
    number, date = locate_blanks(blanks_pdf, number_len=NUMBER_BLANK_LEN, date_len=DATE_BLANK_LEN)
    assert (number.field_name, date.field_name) == (NUMBER_FIELD, DATE_FIELD)
    assert (number.italic, date.italic, number.align, date.align) == (False, True, "right", "left")
    chars = plumber_chars(blanks_pdf)
    for box, length in ((number, NUMBER_BLANK_LEN), (date, None)):
        first = next(c for c in chars if c["text"] == NBSP and c["matrix"][4] == box.x1 and c["matrix"][5] == box.baseline)
        assert first["size"] == box.size
        if length:
            assert box.x2 - box.x1 == pytest.approx(length * (first["x1"] - first["x0"]), rel=0.01)


def test_no_pages_or_not_a_pdf_is_refused() -> None:
    from khuyenhoc_docs.signing import SignatureBlockNotFound

    with pytest.raises(SignatureBlockNotFound):
        locate_blanks(b"%PDF-1.7\nnot really", number_len=NUMBER_BLANK_LEN, date_len=DATE_BLANK_LEN)
