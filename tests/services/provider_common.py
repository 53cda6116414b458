"""Shared parts of the remote signing provider test servers (run as separate processes).

Each server is a stdlib ``ThreadingHTTPServer`` started by path with ``python -I`` (like smtp.py):
``python csc_server.py --serve HOST PORT DIR``. Its behaviour comes from ``DIR/config.json``,
re-read on every request, so a test changes it while the server runs (``delay`` seconds before
answering, ``mode``: "ok" | "wrong_hash" | "error"). The key and certificates sit in DIR as PEM."""
from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

__all__ = ["JsonHandler", "ProviderServer", "load_key", "raw_sign_hash"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_key(path: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(path.read_bytes(), password=None)


def raw_sign_hash(key, digest: bytes) -> bytes:
    """Sign a SHA-256 hash as a CSC/remote service does (the hash is given, not the data)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    assert isinstance(key, rsa.RSAPrivateKey)
    return key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def cert_b64s(pem_path: Path) -> list[str]:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return [base64.b64encode(c.public_bytes(Encoding.DER)).decode()
            for c in x509.load_pem_x509_certificates(pem_path.read_bytes())]


class JsonHandler(BaseHTTPRequestHandler):
    """JSON in, JSON out; ``root`` (class attribute) is the server's directory."""

    root: Path
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # quiet; errors still reach stderr
        pass

    def config(self) -> dict:
        try:
            return json.loads((self.root / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def send_json(self, status: int, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        cfg = self.config()
        if cfg.get("delay") and not self.path.startswith("/_test/"):
            time.sleep(float(cfg["delay"]))
        try:
            status, data = self.route(self.path, self.body(), cfg)
        except Exception as exc:  # noqa: BLE001 - a test server reports, never dies
            status, data = 500, {"error": "server_error", "error_description": repr(exc)}
        self.send_json(status, data)

    do_GET = do_POST

    def route(self, path: str, body: dict, cfg: dict) -> tuple[int, Any]:
        raise NotImplementedError


def serve(handler: type[JsonHandler], host: str, port: int, root: Path) -> None:
    from http.server import ThreadingHTTPServer

    handler.root = root
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    print(f"listening on {host}:{port}", flush=True)
    server.serve_forever()


class ProviderServer:
    """Start/stop one provider script as a subprocess on 127.0.0.1, configured through its DIR."""

    def __init__(self, script: Path, config: dict, files: dict[str, bytes], port: int | None = None) -> None:
        self.script = script
        self.port = port or _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="khd-provider-"))
        for name, data in files.items():
            (self.root / name).write_bytes(data)
        self._config = dict(config)
        self.configure()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def configure(self, **changes: Any) -> None:
        """Change the behaviour (atomically: the server never reads half a file)."""
        self._config.update(changes)
        tmp = self.root / "config.json.tmp"
        tmp.write_text(json.dumps(self._config), encoding="utf-8")
        os.replace(tmp, self.root / "config.json")

    def start(self) -> ProviderServer:
        if self._proc is not None and self._proc.poll() is None:
            return self
        self._proc = subprocess.Popen(
            [sys.executable, "-I", str(self.script), "--serve", "127.0.0.1", str(self.port), str(self.root)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"provider server exited early:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"provider server did not start:\n{self.output()}")

    def stop(self) -> None:
        """Stop the process: afterwards the port refuses connections ("provider down")."""
        from tests.services.process import stop_process_group

        proc, self._proc = self._proc, None
        stop_process_group(proc)

    def close(self) -> None:
        self.stop()
        self._log.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def output(self) -> str:
        from tests.services.process import tail

        return tail(self._log)

    def control(self, path: str) -> Any:
        """Call one of the server's /_test/ endpoints (what the signer does on the phone)."""
        import requests

        resp = requests.post(f"{self.url}/_test/{path}", timeout=10)
        resp.raise_for_status()
        return resp.json()

    def __enter__(self) -> ProviderServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
