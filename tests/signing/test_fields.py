"""Locating the signature gap and adding both fields before signing."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from khuyenhoc_docs.signing import (
    SignatureBlock,
    SignatureBlockNotFound,
    SigningError,
    locate_signature_boxes,
    prepare_fields,
)
from tests.signing.conftest import BLOCKS


def _words(pdf: bytes, page: int) -> dict[str, dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        p = doc.pages[page]
        return {w["text"]: {**w, "page_height": p.height} for w in p.extract_words()}


def test_boxes_sit_between_position_and_name(base_pdf):
    boxes = locate_signature_boxes(base_pdf, BLOCKS)
    assert [b.field_name for b in boxes] == ["sig_hkh", "sig_td"]
    hkh, td = boxes
    with pdfplumber.open(io.BytesIO(base_pdf)) as doc:
        last = len(doc.pages) - 1
    assert hkh.page_index == td.page_index == last
    words = _words(base_pdf, last)
    height = words["Hoa"]["page_height"]
    # PDF y grows upwards; pdfplumber's top grows downwards
    assert hkh.y2 <= height - words["TỊCH"]["bottom"]
    assert hkh.y1 >= height - words["Hoa"]["top"]
    assert td.y2 <= height - words["THƯ"]["bottom"]
    assert td.y1 >= height - words["Quỳnh"]["top"]
    assert hkh.height >= 30  # three empty 13 pt lines
    # side by side, not overlapping, each under its own column
    assert hkh.x2 <= td.x1
    assert hkh.x1 < words["Hoa"]["x0"] and words["Quỳnh"]["x1"] < td.x2


def test_missing_block_is_reported(base_pdf):
    blocks = [*BLOCKS, SignatureBlock("sig_x", "BÍ THƯ", "Nguyễn Văn Không")]
    with pytest.raises(SignatureBlockNotFound) as err:
        locate_signature_boxes(base_pdf, blocks)
    assert "Nguyễn Văn Không" in err.value.reason_vi


def test_name_must_follow_its_position_line(base_pdf):
    # the names exist, but each under the other position line
    crossed = [SignatureBlock("a", "CHỦ TỊCH", "Lâm Như Quỳnh")]
    with pytest.raises(SignatureBlockNotFound):
        locate_signature_boxes(base_pdf, crossed)


def test_prepare_adds_both_empty_fields_incrementally(base_pdf, prepared_pdf):
    assert prepared_pdf.startswith(base_pdf)  # incremental update only
    reader = PdfFileReader(io.BytesIO(prepared_pdf))
    fields = {name: value for name, value, _ in enumerate_sig_fields(reader)}
    assert fields == {"sig_hkh": None, "sig_td": None}


def test_prepare_refuses_duplicate_field(prepared_pdf):
    boxes = locate_signature_boxes(prepared_pdf, BLOCKS)
    with pytest.raises(SigningError):
        prepare_fields(prepared_pdf, boxes)


def test_prepare_refuses_signed_document(signed_pdf, base_pdf):
    boxes = locate_signature_boxes(base_pdf, BLOCKS)
    with pytest.raises(SigningError):
        prepare_fields(signed_pdf, boxes)
