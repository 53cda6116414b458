"""A real S3 HTTP server for tests: ``moto_server`` in a subprocess.

Usage::

    with S3Server() as server:
        store = open_store(S3StoreOptions(endpoint=server.endpoint, ...))
        server.stop()    # simulate an outage
        server.start()   # same port again; moto's state is gone

Any access key / secret pair is accepted by moto; use ``ACCESS_KEY`` and
``SECRET_KEY`` for readability.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from tests.services.process import stop_process_group, tail

__all__ = ["S3Server", "ACCESS_KEY", "SECRET_KEY"]

ACCESS_KEY = "testing"
SECRET_KEY = "testing-secret"


# Probe 127.0.0.1 directly even when http_proxy is set in the environment.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _moto_server_path() -> str:
    # The script installed in the same venv as the running interpreter.
    candidate = Path(sys.executable).parent / "moto_server"
    if not candidate.exists():
        raise RuntimeError(f"moto_server not found next to {sys.executable}")
    return str(candidate)


class S3Server:
    """Start/stop a ``moto_server`` on 127.0.0.1 at a fixed port."""

    def __init__(self, port: int | None = None, start_timeout: float = 20.0) -> None:
        self.host = "127.0.0.1"
        self.port = port or _free_port()
        self.start_timeout = start_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def endpoint(self) -> str:
        """``host:port`` as the minio SDK wants it."""
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://host:port``."""
        return f"http://{self.endpoint}"

    @property
    def running(self) -> bool:
        """True while the subprocess is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> S3Server:
        """Start the server (same port as before) and wait until it answers."""
        if self.running:
            return self
        env = dict(os.environ)
        # Never let moto or botocore pick up real credentials or proxies.
        for name in ("AWS_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env.pop(name, None)
        self._proc = subprocess.Popen(
            [_moto_server_path(), "-H", self.host, "-p", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # so stop() can end its whole group
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"moto_server exited early:\n{self.output()}")
            try:
                # Moto's own health endpoint, outside the S3 namespace.
                with _NO_PROXY.open(f"{self.url}/moto-api/", timeout=1):
                    return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is serving
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer within {self.start_timeout}s")

    def stop(self) -> None:
        """Stop the server and wait until the port refuses connections."""
        proc, self._proc = self._proc, None
        stop_process_group(proc)

    def output(self) -> str:
        """What the server printed so far (for failure messages)."""
        return tail(self._log)

    def close(self) -> None:
        """Stop the server and drop its log."""
        self.stop()
        self._log.close()

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        # Last resort against orphaned servers when a test forgets close().
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
