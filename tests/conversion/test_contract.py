"""The Converter contract, run against OneShotConverter and UnoserverConverter alike."""

from __future__ import annotations

import io
import random
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from khuyenhoc_docs.conversion import (
    ConversionTimeout,
    Converter,
    InvalidDocument,
    OneShotConverter,
    OneShotOptions,
    UnoserverConverter,
    UnoserverOptions,
)
from tests.services.converter import live_pids_mentioning

from .conftest import VIETNAMESE


def _zip(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return buffer.getvalue()


_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)

# Rejected by the cheap structural check, before any LibreOffice sees them.
CHEAP_INVALID = {
    "random-bytes": random.Random(7).randbytes(4096),
    "zip-not-docx": _zip({"hello.txt": "xin chào"}),
    "empty": b"",
    "xlsx": _zip({"[Content_Types].xml": "<Types>spreadsheetml</Types>", "word/document.xml": "<x/>"}),
}
# Passes the structural check; LibreOffice's DOCX filter must refuse it.
BROKEN_DOCX = _zip({"[Content_Types].xml": _CONTENT_TYPES, "word/document.xml": "<w:document><<garbage"})


def _pdftotext(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _pdffonts(pdf: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) per font."""
    done = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True)
    rows = done.stdout.splitlines()[2:]  # header + ruler
    # Type names contain spaces ("TrueType (CID)"); the last five columns never do.
    return [(row.split()[0], row.split()[-5]) for row in rows if row.strip()]


def test_converts_vietnamese_docx_with_embedded_fonts(
    converter: Converter, sample_docx: bytes, tmp_path: Path
) -> None:
    assert isinstance(converter, Converter)
    pdf = converter.convert(sample_docx)

    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    # Exact, diacritics and typographic quotes included; only whitespace is normalised.
    assert VIETNAMESE in " ".join(_pdftotext(path).split())
    fonts = _pdffonts(path)
    assert fonts, "the PDF uses no fonts at all"
    assert all(embedded == "yes" for _, embedded in fonts), fonts


@pytest.mark.parametrize("payload", [*CHEAP_INVALID.values(), BROKEN_DOCX], ids=[*CHEAP_INVALID, "broken-docx"])
def test_invalid_input_raises_invalid_document(converter: Converter, payload: bytes) -> None:
    with pytest.raises(InvalidDocument):
        converter.convert(payload)


@pytest.mark.parametrize("payload", CHEAP_INVALID.values(), ids=list(CHEAP_INVALID))
@pytest.mark.parametrize(
    "backend",
    [
        OneShotConverter(OneShotOptions(soffice="/nonexistent/soffice")),
        UnoserverConverter(UnoserverOptions(endpoints=(("127.0.0.1", 9),), fallback=None)),
    ],
    ids=["oneshot", "unoserver"],
)
def test_garbage_is_rejected_before_libreoffice(backend: Converter, payload: bytes) -> None:
    # Both backends are unusable: getting InvalidDocument (not ConverterUnavailable)
    # proves the input was never handed to LibreOffice.
    with pytest.raises(InvalidDocument):
        backend.convert(payload)


def test_tiny_timeout_raises_and_backend_stays_usable(
    converter: Converter, sample_docx: bytes, oneshot_workdir: Path, request: pytest.FixtureRequest
) -> None:
    unoserver = isinstance(converter, UnoserverConverter)
    supervisor = request.getfixturevalue("unoserver_supervisor") if unoserver else None
    restarts = supervisor.restarts if supervisor else 0

    # Short enough to interrupt each backend mid-work: a cold soffice needs ~1 s, and at
    # 0.5 s soffice.bin already runs under oosplash, so the whole tree must be killed. A warm,
    # hidden load of the lean sample takes ~30-40 ms, so the unoserver limit is well below that.
    tiny = 0.01 if unoserver else 0.5
    started = time.monotonic()
    with pytest.raises(ConversionTimeout):
        converter.convert(sample_docx, timeout=tiny)
    assert time.monotonic() - started < 3, "the timeout was not enforced"

    if supervisor is not None:
        # Every instance, including the one whose answer was abandoned, still converts,
        # and none had to be restarted for it.
        for endpoint in supervisor.endpoints:
            single = UnoserverConverter(UnoserverOptions(endpoints=(endpoint,), fallback=None))
            assert single.convert(sample_docx).startswith(b"%PDF-")
        assert supervisor.restarts == restarts
    else:
        leftovers = live_pids_mentioning(str(oneshot_workdir))
        assert not leftovers, f"one-shot LibreOffice processes left behind: {leftovers}"
        assert converter.convert(sample_docx).startswith(b"%PDF-")


@pytest.mark.timeout(30)  # the failure mode is a hang
def test_oneshot_timeout_kills_the_whole_process_tree(tmp_path: Path, sample_docx: bytes) -> None:
    # A stand-in for soffice → oosplash → soffice.bin whose grandchild never finishes and
    # holds the output pipes: killing only the direct child would hang or leak it.
    marker = str(tmp_path / "fake-soffice-bin")
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsh -c 'sleep 300; :' {marker} &\nwait\n")
    fake.chmod(0o755)
    converter = OneShotConverter(OneShotOptions(soffice=str(fake), timeout=0.5))

    started = time.monotonic()
    with pytest.raises(ConversionTimeout, match="0.5 s"):
        converter.convert(sample_docx)
    assert time.monotonic() - started < 3
    assert not live_pids_mentioning(marker)
