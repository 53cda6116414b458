"""Fixtures for the drafting tests: templates, the reference text, one rendered DOCX and one PDF per session."""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from khuyenhoc_docs.drafting.reference import REFERENCE_DATE, REFERENCE_NUMBER, reference_fields
from khuyenhoc_docs.drafting.render import render_docx
from khuyenhoc_docs.drafting.templates import TemplateKind
from tests.soffice import convert_cold

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
REFERENCE_TXT = next(
    (p for p in (Path(__file__).resolve().parents[3] / "shared/reference/ctph-ben-tre-2018-2020.txt",
                 Path("/work/shared/reference/ctph-ben-tre-2018-2020.txt")) if p.exists()),
    Path("../shared/reference/ctph-ben-tre-2018-2020.txt"),
)  # shared/ sits beside the checkout (CI: a copy beside the clone)
ARTIFACTS = ROOT / "tests" / "_artifacts" / "drafting"


def norm(text: str) -> str:
    """NFC, every whitespace run (line breaks, NBSP) collapsed to one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def reference_lines() -> list[str]:
    """Non-empty lines of the reference text, bold markers removed, the page-split sentence rejoined."""
    raw = REFERENCE_TXT.read_text(encoding="utf-8").replace("**", "")
    lines: list[str] = []
    for line in (norm(x) for x in raw.splitlines()):
        if not line:
            continue
        # A line ending mid-sentence followed by a lowercase start is one sentence split by a page break.
        if lines and not re.search(r"[.:;!?”)]$", lines[-1]) and line[0].islower():
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def assert_in_order(haystack: str, needles: list[str]) -> None:
    pos = 0
    for needle in needles:
        found = haystack.find(needle, pos)
        assert found >= 0, f"not found (in order) after offset {pos}: {needle!r}"
        pos = found + len(needle)


@pytest.fixture(scope="session")
def template_bytes() -> Callable[[TemplateKind], bytes]:
    return lambda kind: (TEMPLATES / kind.filename).read_bytes()


@pytest.fixture(scope="session")
def province_docx(template_bytes) -> bytes:
    return render_docx(template_bytes(TemplateKind.PROGRAMME_PROVINCE), reference_fields(),
                       doc_number=REFERENCE_NUMBER, issue_date=REFERENCE_DATE)


@pytest.fixture(scope="session")
def province_doc(province_docx):
    return Document(io.BytesIO(province_docx))


@pytest.fixture(scope="session")
def province_pdf(province_docx, tmp_path_factory) -> Path:
    """The rendered reference converted ONCE by a one-shot LibreOffice with a private profile."""
    work = tmp_path_factory.mktemp("pdf")
    convert_cold(work, {"province": province_docx}, timeout=180)
    pdf = work / "province.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "province.pdf")
    return pdf


def docx_with_paragraphs(base: bytes, add: list[str] = (), drop_containing: str | None = None) -> bytes:
    """A copy of a template with paragraphs appended and/or paragraphs containing some text removed."""
    doc = Document(io.BytesIO(base))
    if drop_containing:
        for para in list(doc.paragraphs):
            if drop_containing in para.text:
                para._p.getparent().remove(para._p)
    for text in add:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return out.getvalue()


@pytest.fixture
def sample_date() -> date:
    return REFERENCE_DATE
