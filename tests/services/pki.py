"""The demo PKI server (CRL, OCSP, RFC 3161 TSA) as a real subprocess, once per test session.

``stop()`` then ``start()`` keeps the port and the PKI directory: tests use it to make the
revocation services unreachable and bring them back."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.services.process import stop_process_group, tail

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PkiServer:
    def __init__(self, pki_dir: Path, port: int | None = None) -> None:
        self.pki_dir = pki_dir
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    def start(self, timeout: float = 30.0) -> PkiServer:
        if self._log.closed:  # restarted after stop()
            self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "khuyenhoc_docs.pki_server", "--pki-dir", str(self.pki_dir),
             "--port", str(self.port)],
            cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("PKI server exited:\n" + tail(self._log))
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PKI server did not start:\n" + tail(self._log))

    def stop(self) -> None:
        stop_process_group(self._proc)
        self._proc = None
        self._log.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None
