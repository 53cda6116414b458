"""Timestamp sources: the embedded demo TSA and an RFC 3161 HTTP TSA."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import tsp

from khuyenhoc_docs.signing import DemoTimeStamper, SigningError, http_timestamper, validate_pdf
from khuyenhoc_docs.signing.pki import create_demo_ca, issue_tsa_cert
from tests.signing.conftest import HOA, sign_with


def test_demo_tsa_is_trusted_only_under_a_configured_root(prepared_pdf, key_hoa, pki):
    other_ca = create_demo_ca("Separate TSA Root", 5)
    tsa = DemoTimeStamper(issue_tsa_cert(other_ca), [other_ca.cert])
    out = sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True, timestamper=tsa, chain=pki.chain)
    trusted = validate_pdf(out, trust_roots=[pki.ca.cert, other_ca.cert])
    assert trusted.ok, trusted.summary
    assert "Demo TSA" in trusted.signatures[0].timestamp_tsa
    # the TSA's root is trusted only where it is configured on purpose
    strict = validate_pdf(out, trust_roots=[pki.ca.cert])
    assert strict.signatures[0].timestamp_valid is False and not strict.ok


@pytest.fixture
def tsa_url(timestamper) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server API)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            resp = timestamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(resp)))
            self.end_headers()
            self.wfile.write(resp)

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()


def test_http_tsa(prepared_pdf, key_hoa, pki, tsa_url):
    out = sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True,
                    timestamper=http_timestamper(tsa_url), chain=pki.chain)
    report = validate_pdf(out, trust_roots=[pki.ca.cert])
    assert report.ok and report.signatures[0].timestamp_valid


def test_unreachable_tsa(prepared_pdf, key_hoa, pki):
    with pytest.raises(SigningError) as err:
        sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True,
                  timestamper=http_timestamper("http://127.0.0.1:9/tsa", timeout=2), chain=pki.chain)
    assert "TSA" in err.value.reason_vi


def test_bad_tsa_url():
    with pytest.raises(SigningError):
        http_timestamper("ftp://example.vn/tsa")
