"""Cold LibreOffice conversions for tests that need a PDF exactly as LibreOffice makes it, apart from
the service's own converter (which some of them are compared against)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def convert_cold(workdir: Path, sources: dict[str, bytes], *, timeout: float = 300) -> dict[str, bytes]:
    """Convert every ``{name: docx}`` in one one-shot LibreOffice run with a private profile;
    returns ``{name: pdf}`` (the PDFs also stay in ``workdir`` as ``name.pdf``)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is required for the PDF tests")
    workdir.mkdir(parents=True, exist_ok=True)
    for name, docx in sources.items():
        (workdir / f"{name}.docx").write_bytes(docx)
    proc = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{workdir / 'lo-profile'}",
         "--convert-to", "pdf", "--outdir", str(workdir), *(str(workdir / f"{n}.docx") for n in sources)],
        capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return {name: (workdir / f"{name}.pdf").read_bytes() for name in sources}
