"""The DOCX→PDF conversion contract: protocol, errors, options and shared helpers.

Domain core: no Flask, no environment reading. The web/config layer builds the options.
"""

from __future__ import annotations

import functools
import io
import os
import signal
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

#: LibreOffice import filter for DOCX. Forcing it matters: with type detection left on,
#: LibreOffice happily "converts" random bytes or plain text into a PDF.
DOCX_IMPORT_FILTER = "MS Word 2007 XML"

PDF_MAGIC = b"%PDF-"


class ConversionError(Exception):
    """A document could not be converted."""


class ConversionTimeout(ConversionError, TimeoutError):
    """The conversion did not finish within its time limit."""


class ConverterUnavailable(ConversionError):
    """No conversion backend can serve requests right now."""


class InvalidDocument(ConversionError, ValueError):
    """The input is not a DOCX document LibreOffice can load."""


@runtime_checkable
class Converter(Protocol):
    """Anything that turns DOCX bytes into PDF bytes."""

    def convert(self, docx: bytes, *, timeout: float | None = None) -> bytes:
        """Convert `docx` and return the PDF bytes.

        Raises InvalidDocument, ConversionTimeout, ConverterUnavailable or ConversionError.
        """
        ...

    def check(self) -> None:
        """Raise ConverterUnavailable unless some backend can serve a conversion."""
        ...


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


@dataclass(frozen=True)
class OneShotOptions:
    """A fresh `soffice --convert-to pdf` per document (~1.1 s each, no shared state).

    `max_parallel` bounds concurrent soffice processes per Python process: each one
    costs ~200 MB, and the one-shot path is what runs when the warm pool is down,
    i.e. exactly when a burst could otherwise spawn dozens of them.
    """

    soffice: str = "soffice"
    timeout: float = 60
    workdir: Path | None = None
    max_parallel: int = 2

    def __post_init__(self) -> None:
        _positive("timeout", self.timeout)
        if self.max_parallel < 1:
            raise ValueError("max_parallel must be >= 1")
        if self.workdir is not None:
            object.__setattr__(self, "workdir", Path(self.workdir))


@dataclass(frozen=True)
class UnoserverOptions:
    """Client options for warm unoserver instances (`endpoints` are (host, XML-RPC port))."""

    endpoints: tuple[tuple[str, int], ...]
    timeout: float = 60
    fallback: OneShotOptions | None = OneShotOptions()
    connect_timeout: float = 2.0
    #: How long an endpoint that refused a connection is tried last by this process.
    down_penalty: float = 2.0

    def __post_init__(self) -> None:
        _positive("timeout", self.timeout)
        _positive("connect_timeout", self.connect_timeout)
        endpoints = tuple((str(host), int(port)) for host, port in self.endpoints)
        object.__setattr__(self, "endpoints", endpoints)
        if not endpoints and self.fallback is None:
            raise ValueError("UnoserverOptions needs endpoints or a fallback")


@dataclass(frozen=True)
class SupervisorOptions:
    """How to run N local unoserver instances.

    Instance i listens for XML-RPC on `base_port + i` and LibreOffice's UNO socket on
    `base_port + instances + i` (always on 127.0.0.1). Each instance gets its own
    profile directory under `workdir`: LibreOffices sharing a profile hand jobs to each
    other and the receiving one exits.
    """

    instances: int
    base_port: int
    workdir: Path
    python: str = sys.executable
    host: str = "127.0.0.1"
    soffice: str | None = None
    #: Server-side limit: unoserver kills LibreOffice (and exits, so we restart it) when a
    #: conversion runs longer. Keep it above the clients' timeout.
    conversion_timeout: int | None = 120
    startup_timeout: float = 60
    #: Convert a tiny document before declaring an instance ready: the first conversion
    #: of a fresh LibreOffice costs ~0.5 s instead of ~0.15 s.
    warmup: bool = True

    def __post_init__(self) -> None:
        if self.instances < 1:
            raise ValueError("instances must be >= 1")
        if self.base_port < 1 or self.base_port + 2 * self.instances - 1 > 65535:
            raise ValueError("ports must lie within 1..65535")
        _positive("startup_timeout", self.startup_timeout)
        object.__setattr__(self, "workdir", Path(self.workdir))


@functools.cache
def minimal_docx() -> bytes:
    """A minimal valid DOCX (Times New Roman, Vietnamese): warms up fonts and filters."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:rPr><w:rFonts '
            'w:ascii="Times New Roman" w:hAnsi="Times New Roman"/><w:b/></w:rPr><w:t>Khởi động '
            "— Hội Khuyến học</w:t></w:r></w:p></w:body></w:document>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


_REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")
_MAX_CONTENT_TYPES = 1 << 20


def validate_docx(data: bytes) -> None:
    """Cheaply check that `data` looks like a DOCX package; raise InvalidDocument if not.

    Only the zip directory and `[Content_Types].xml` are read (well under 1 ms for a
    typical programme), so garbage never reaches LibreOffice.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected DOCX bytes, got {type(data).__name__}")
    if not data:
        raise InvalidDocument("empty input: expected a DOCX document")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            missing = [name for name in _REQUIRED_PARTS if name not in names]
            if missing:
                raise InvalidDocument(f"not a DOCX document: the zip has no {', '.join(missing)}")
            info = package.getinfo("[Content_Types].xml")
            if info.file_size > _MAX_CONTENT_TYPES:
                raise InvalidDocument("not a DOCX document: [Content_Types].xml is implausibly large")
            content_types = package.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError) as exc:
        raise InvalidDocument(f"not a DOCX document: not a readable zip ({exc})") from exc
    except (RuntimeError, NotImplementedError) as exc:  # encrypted / unsupported compression
        raise InvalidDocument(f"not a DOCX document: {exc}") from exc
    if b"wordprocessingml" not in content_types:
        raise InvalidDocument("not a Word document: no WordprocessingML part in [Content_Types].xml")


def check_pdf(data: bytes, source: str) -> bytes:
    """Return `data` if it is a PDF, else raise ConversionError naming `source`."""
    if not data.startswith(PDF_MAGIC):
        raise ConversionError(f"{source} returned {len(data)} bytes that are not a PDF")
    return data


# --- process groups -------------------------------------------------------------------
# LibreOffice is a tree (soffice script → oosplash → soffice.bin, plus unoserver's Python
# above it). Killing only the top leaves soffice.bin holding the profile and the UNO port,
# so every LibreOffice we start leads its own process group and dies as a group.


def group_pids(pgid: int) -> list[int]:
    """Live (non-zombie) pids in process group `pgid`; Linux /proc based."""
    pids: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # comm may contain spaces and parentheses: fields resume after the last ")".
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and fields[0] != b"Z" and int(fields[2]) == pgid:
            pids.append(int(entry.name))
    return pids


def kill_group(pgid: int, sig: int = signal.SIGKILL, wait: float = 5.0) -> list[int]:
    """Send `sig` to group `pgid`, wait up to `wait` s for it to empty; return survivors."""
    if not group_pids(pgid):
        return []  # never signal an empty group: its number may since have been reused
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return []
    deadline = time.monotonic() + wait
    while (alive := group_pids(pgid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return alive
