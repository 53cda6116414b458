"""The demo PKI server: CRLs, OCSP and an RFC 3161 TSA over HTTP for the demo hierarchies.

``python -m khuyenhoc_docs.pki_server --pki-dir DIR --port 5081`` (``make run`` starts it; the
test suite starts one per session). Routes, ``ID`` being ``demo`` or ``cd``:

- ``GET /ca/ID.crt``   the CA certificate (DER; AIA caIssuers)
- ``GET /crl/ID.crl``  a fresh CRL (DER), from the revocation registry in the PKI directory
- ``POST /ocsp/ID``    OCSP (also ``GET /ocsp/ID/<base64 request>``)
- ``POST /tsa``        RFC 3161 timestamps (signing TSA); ``POST /tsa/archive`` (archive TSA)
- ``GET /health``

Built from cryptography/asn1crypto/pyHanko parts rather than certomancer's Animator because the
service issues certificates to users created at run time, after any declarative PKI config
would have been written; the revocation registry is re-read on every request."""
from __future__ import annotations

import argparse
import base64
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from cryptography.hazmat.primitives import serialization

from .pki_store import CA_IDS, DemoPki, ensure_demo_pki, load_revocations
from .signing.responders import build_crl, ocsp_response, tsa_response
from .signing.tsa import DemoTimeStamper

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024


class PkiApp:
    """Route table over one demo PKI directory (kept apart from HTTP for direct tests)."""

    def __init__(self, pki: DemoPki) -> None:
        self.pki = pki
        chain = (pki.ca.cert,)
        self.stampers = {"": DemoTimeStamper(pki.tsa, chain), "archive": DemoTimeStamper(pki.archive_tsa, chain)}

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        parts = [p for p in path.split("?")[0].split("/") if p]
        if parts == ["health"]:
            return 200, "text/plain", b"ok"
        if len(parts) == 2 and parts[0] == "ca" and parts[1].endswith(".crt") and parts[1][:-4] in CA_IDS:
            cert = self.pki.ca_by_id(parts[1][:-4]).cert
            return 200, "application/pkix-cert", cert.public_bytes(serialization.Encoding.DER)
        if len(parts) == 2 and parts[0] == "crl" and parts[1].endswith(".crl") and parts[1][:-4] in CA_IDS:
            ca_id = parts[1][:-4]
            crl = build_crl(self.pki.ca_by_id(ca_id), load_revocations(self.pki.directory, ca_id))
            return 200, "application/pkix-crl", crl
        if len(parts) >= 2 and parts[0] == "ocsp" and parts[1] in CA_IDS:
            if method == "GET" and len(parts) == 3:
                body = base64.b64decode(unquote(parts[2]))
            elif method != "POST":
                return 405, "text/plain", b"method not allowed"
            ca_id = parts[1]
            der = ocsp_response(self.pki.ca_by_id(ca_id), body, load_revocations(self.pki.directory, ca_id))
            return 200, "application/ocsp-response", der
        if parts and parts[0] == "tsa" and len(parts) <= 2 and method == "POST":
            stamper = self.stampers.get(parts[1] if len(parts) == 2 else "")
            if stamper is None:
                return 404, "text/plain", b"no such TSA"
            try:
                return 200, "application/timestamp-reply", tsa_response(stamper, body)
            except ValueError:
                return 400, "text/plain", b"malformed request"
        return 404, "text/plain", b"not found"


def make_handler(app: PkiApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                status, ctype, body = 413, "text/plain", b"too large"
            else:
                data = self.rfile.read(length) if length else b""
                try:
                    status, ctype, body = app.handle(method, self.path, data)
                except Exception:  # noqa: BLE001 - a demo responder answers 500, never dies
                    log.exception("PKI request failed: %s %s", method, self.path)
                    status, ctype, body = 500, "text/plain", b"error"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, fmt: str, *args: object) -> None:
            log.info("%s " + fmt, self.address_string(), *args)

    return Handler


def serve(pki_dir: Path, host: str, port: int, base_url: str) -> None:
    pki = ensure_demo_pki(pki_dir, base_url)
    server = ThreadingHTTPServer((host, port), make_handler(PkiApp(pki)))
    server.daemon_threads = True
    print(f"demo PKI (CRL, OCSP, TSA) on http://{host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pki-dir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5081)
    parser.add_argument("--base-url", default="", help="address written into new certificates")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    serve(args.pki_dir, args.host, args.port, args.base_url or f"http://{args.host}:{args.port}")


if __name__ == "__main__":
    main()
