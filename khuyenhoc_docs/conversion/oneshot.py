"""Cold DOCX→PDF conversion: one `soffice --convert-to pdf` process per document."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .base import (
    DOCX_IMPORT_FILTER,
    ConversionError,
    ConversionTimeout,
    ConverterUnavailable,
    InvalidDocument,
    OneShotOptions,
    check_pdf,
    group_pids,
    kill_group,
    validate_docx,
)

logger = logging.getLogger(__name__)

# What soffice prints (exit status 0!) when the import filter rejects the input.
_LOAD_FAILED = "source file could not be loaded"


class OneShotConverter:
    """Runs a private, throw-away LibreOffice for every document.

    Each call gets its own temp dir holding the input, the output and a fresh profile,
    so calls never share state with each other or with unoserver instances (a shared
    profile would hand the job to the running instance and take it down). Thread-safe.
    """

    def __init__(self, options: OneShotOptions | None = None) -> None:
        self.options = options or OneShotOptions()
        self._slots = threading.BoundedSemaphore(self.options.max_parallel)

    def __repr__(self) -> str:
        return f"OneShotConverter(soffice={self.options.soffice!r})"

    def check(self) -> None:
        """Raise ConverterUnavailable if the soffice executable cannot be found."""
        if shutil.which(self.options.soffice) is None:
            raise ConverterUnavailable(f"LibreOffice executable {self.options.soffice!r} not found")

    def convert(self, docx: bytes, *, timeout: float | None = None) -> bytes:
        """Convert DOCX bytes to PDF bytes with a cold LibreOffice (~1.1 s)."""
        validate_docx(docx)
        limit = self.options.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        # Waiting for a slot counts against the caller's time limit.
        if not self._slots.acquire(timeout=max(limit, 0)):
            raise ConversionTimeout(
                f"no one-shot LibreOffice slot freed up within {limit:.3g} s "
                f"({self.options.max_parallel} already running)"
            )
        try:
            workdir = self.options.workdir
            if workdir is not None:
                workdir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="khd-oneshot-", dir=workdir) as tmp:
                return self._run(Path(tmp), bytes(docx), deadline, limit)
        finally:
            self._slots.release()

    def _run(self, tmp: Path, docx: bytes, deadline: float, limit: float) -> bytes:
        source = tmp / "document.docx"
        source.write_bytes(docx)
        outdir = tmp / "out"
        cmd = [
            self.options.soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nofirststartwizard",
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            f"--infilter={DOCX_IMPORT_FILTER}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(source),
        ]
        started = time.monotonic()
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=tmp,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group, so a kill takes soffice.bin too
            )
        except FileNotFoundError as exc:
            raise ConverterUnavailable(
                f"LibreOffice executable {self.options.soffice!r} not found"
            ) from exc
        try:
            _, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            raise ConversionTimeout(
                f"LibreOffice (one-shot) did not convert the document within {limit:.3g} s; "
                "its processes were killed"
            ) from None
        finally:
            # Also on KeyboardInterrupt etc.: leave no soffice behind, and let the group
            # empty before the temp dir (its profile) is removed under it.
            if proc.poll() is None or group_pids(proc.pid):
                survivors = kill_group(proc.pid)
                if survivors:
                    logger.error("one-shot LibreOffice pids %s survived SIGKILL", survivors)
                proc.kill()
                proc.communicate()  # reaps it and closes the pipes
        message = stderr.decode("utf-8", "replace").strip()
        pdf = outdir / "document.pdf"
        if pdf.is_file():
            logger.debug("one-shot conversion took %.0f ms", (time.monotonic() - started) * 1000)
            return check_pdf(pdf.read_bytes(), "LibreOffice (one-shot)")
        if _LOAD_FAILED in message:
            raise InvalidDocument(f"LibreOffice could not load the document as DOCX: {message[-300:]}")
        raise ConversionError(
            f"LibreOffice (one-shot) exited with status {proc.returncode} without a PDF: "
            f"{message[-300:] or 'no output'}"
        )
