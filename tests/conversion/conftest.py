"""Fixtures for the conversion suite: one contract, run against every backend."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Pt

from khuyenhoc_docs.conversion import (
    Converter,
    OneShotConverter,
    OneShotOptions,
    UnoserverConverter,
    UnoserverOptions,
)
from tests.services.converter import unoserver_supervisor  # noqa: F401  (session fixture)

VIETNAMESE = "Hội Khuyến học tỉnh Bến Tre — Đoàn TNCS Hồ Chí Minh; “Gia đình học tập”"


def make_docx(*paragraphs: str) -> bytes:
    """A DOCX in Times New Roman, as the real templates are."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sample_docx() -> bytes:
    return make_docx(VIETNAMESE)


@pytest.fixture(scope="session")
def oneshot_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where one-shot conversions of this suite run, to look for leftover processes."""
    return tmp_path_factory.mktemp("oneshot")


@pytest.fixture(scope="session", params=["oneshot", "unoserver"])
def converter(request: pytest.FixtureRequest, oneshot_workdir: Path) -> Converter:
    """Each backend in turn; the unoserver one has no fallback, so it cannot hide behind one-shot."""
    if request.param == "oneshot":
        return OneShotConverter(OneShotOptions(workdir=oneshot_workdir))
    supervisor = request.getfixturevalue("unoserver_supervisor")
    return UnoserverConverter(UnoserverOptions(endpoints=supervisor.endpoints, fallback=None))
