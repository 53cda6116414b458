"""B-LT / B-LTA against the live demo PKI server (CRL, OCSP, TSA in a subprocess): revocation
before and after signing, unreachable responders, several trust anchors, 11 years ahead."""
from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader

from khuyenhoc_docs.pki_store import ensure_demo_pki, revoke
from khuyenhoc_docs.signing import Pkcs12KeySource, SigningError, create_demo_ca, issue_signing_cert, to_pkcs12
from khuyenhoc_docs.signing.ltv import (
    add_document_timestamp,
    lt_validation_context,
    refresh_archive_timestamp,
    timestamp_chain,
)
from khuyenhoc_docs.signing.pki import CertKey
from khuyenhoc_docs.signing.tsa import http_timestamper
from khuyenhoc_docs.signing.validation import validate_pdf
from tests.services.nss import NssDb, pdfsig_available
from tests.signing.conftest import HOA, QUYNH, sign_with

PW = "mật khẩu"
WARNING = "Không kiểm tra được tình trạng thu hồi"


@pytest.fixture(scope="module")
def demo(pki_server):
    return ensure_demo_pki(pki_server.pki_dir, pki_server.url)


def _chair(demo, stamp, hierarchy: str = "demo", ca: CertKey | None = None, urls=None) -> CertKey:
    ca = ca or demo.ca_by_id(hierarchy)
    return issue_signing_cert(ca, full_name=stamp.full_name, organisation=stamp.organisation,
                              position=stamp.position, email="chair@example.vn",
                              urls=urls if urls is not None else demo.urls(hierarchy))


def _sign(demo, pdf: bytes, ck: CertKey, ca: CertKey, field: str, stamp, *, certify: bool, lt: bool = True) -> bytes:
    source = Pkcs12KeySource(to_pkcs12(ck, [ca.cert], PW), PW)
    extra = {"validation_context": lt_validation_context(demo.roots)} if lt else {}
    return sign_with(source, pdf, field, stamp, certify=certify, chain=[ca.cert],
                     timestamper=http_timestamper(f"{demo.base_url}/tsa"), **extra)


@pytest.fixture(scope="module")
def two_hierarchies(demo, prepared_pdf):
    """Hoa under the organisations' demo CA certifies, Quỳnh under the 'chuyên dùng' CA approves; B-LT."""
    hoa, quynh = _chair(demo, HOA), _chair(demo, QUYNH, "cd")
    one = _sign(demo, prepared_pdf, hoa, demo.ca, "sig_hkh", HOA, certify=True)
    return _sign(demo, one, quynh, demo.cd_ca, "sig_td", QUYNH, certify=False)


def test_crl_and_ocsp_are_served_and_follow_revocations(demo, pki_server):
    import requests
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    victim = _chair(demo, HOA)
    req = ocsp.OCSPRequestBuilder().add_certificate(victim.cert, demo.ca.cert, hashes.SHA1()).build()
    ask = lambda: ocsp.load_der_ocsp_response(requests.post(  # noqa: E731
        f"{pki_server.url}/ocsp/demo", data=req.public_bytes(serialization.Encoding.DER), timeout=5).content)
    assert ask().certificate_status == ocsp.OCSPCertStatus.GOOD
    revoke(pki_server.pki_dir, victim.cert, reason="superseded")
    assert ask().certificate_status == ocsp.OCSPCertStatus.REVOKED
    crl = x509.load_der_x509_crl(requests.get(f"{pki_server.url}/crl/demo.crl", timeout=5).content)
    assert crl.is_signature_valid(demo.ca.cert.public_key())
    assert crl.get_revoked_certificate_by_serial_number(victim.cert.serial_number) is not None
    # the other hierarchy's CRL does not list it, and a question about it is refused there
    cd_crl = x509.load_der_x509_crl(requests.get(f"{pki_server.url}/crl/cd.crl", timeout=5).content)
    assert cd_crl.get_revoked_certificate_by_serial_number(victim.cert.serial_number) is None
    wrong = requests.post(f"{pki_server.url}/ocsp/cd", data=req.public_bytes(serialization.Encoding.DER), timeout=5)
    assert ocsp.load_der_ocsp_response(wrong.content).response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED
    # certificates name the server
    aia = victim.cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert {d.access_location.value for d in aia} == {f"{pki_server.url}/ocsp/demo", f"{pki_server.url}/ca/demo.crt"}


def test_b_lt_carries_validation_data_and_both_hierarchies_validate(demo, two_hierarchies, tmp_path):
    reader = PdfFileReader(io.BytesIO(two_hierarchies))
    assert len(reader.root["/DSS"]["/OCSPs"]) >= 2  # signer and TSA answers, fetched while signing
    report = validate_pdf(two_hierarchies, trust_roots=demo.roots)
    assert report.ok and not report.warnings, report.summary
    hkh, td = report.signatures
    assert hkh.level == td.level == "B-LT"
    assert "DEMO CA" in hkh.trust_root and "chuyên dùng" in td.trust_root
    assert hkh.revocation["state"] == "good" and hkh.revocation["source"] == "OCSP"
    assert hkh.revocation["embedded"] is False  # asked the responder now (signing/revocation.py)
    assert hkh.cert_valid_at_signing and "Ký số" in hkh.key_usage
    # without the network, the data embedded at signing time answers
    offline = validate_pdf(two_hierarchies, trust_roots=demo.roots, online=False)
    assert offline.ok and offline.signatures[0].revocation["embedded"] is True
    if pdfsig_available():
        nss = NssDb.create(tmp_path / "nss", [c.public_bytes(Encoding.PEM) for c in demo.roots])
        sigs = nss.pdfsig(two_hierarchies)
        assert len(sigs) == 2 and all(s.valid and s.trusted for s in sigs), nss.pdfsig_text(two_hierarchies)


def test_trust_anchors_each_and_an_untrusted_third(demo, two_hierarchies, prepared_pdf):
    only_main = validate_pdf(two_hierarchies, trust_roots=[demo.ca.cert])
    assert [s.trusted for s in only_main.signatures] == [True, False]
    stranger_ca = create_demo_ca("CA thứ ba (không tin cậy)", 5)
    stranger = _chair(demo, HOA, ca=stranger_ca, urls=False)
    signed = _sign(demo, prepared_pdf, stranger, stranger_ca, "sig_hkh", HOA, certify=True, lt=False)
    report = validate_pdf(signed, trust_roots=demo.roots)
    assert not report.ok and "không do tổ chức chứng thực được tin cậy cấp" in report.summary


def test_revoked_after_signing_stays_valid(demo, prepared_pdf, pki_server):
    hoa = _chair(demo, HOA)
    signed = _sign(demo, prepared_pdf, hoa, demo.ca, "sig_hkh", HOA, certify=True)
    time.sleep(1.1)  # revocation times have one-second precision (CRL/OCSP GeneralizedTime)
    revoke(pki_server.pki_dir, hoa.cert, reason="affiliation_changed")
    sig = validate_pdf(signed, trust_roots=demo.roots).signatures[0]
    assert sig.ok, sig.problems
    assert sig.revocation["state"] == "revoked" and sig.revocation["embedded"] is False
    assert "sau thời điểm ký" in " ".join(sig.notes)


def test_revoked_before_signing_is_invalid_with_the_reason(demo, prepared_pdf, pki_server):
    hoa = _chair(demo, HOA)
    signed = _sign(demo, prepared_pdf, hoa, demo.ca, "sig_hkh", HOA, certify=True)
    # a key compromise dated back before the signature (invalidity found later)
    revoke(pki_server.pki_dir, hoa.cert, at=datetime.now(UTC) - timedelta(hours=2))
    report = validate_pdf(signed, trust_roots=demo.roots)
    assert not report.ok
    assert "bị thu hồi" in report.summary and "trước thời điểm ký" in report.summary
    assert "lộ khoá bí mật" in report.summary
    # and pyHanko refuses to make a B-LT signature with a revoked certificate at all
    with pytest.raises(SigningError):
        _sign(demo, prepared_pdf, hoa, demo.ca, "sig_hkh", HOA, certify=True)


def test_unreachable_revocation_service_is_a_warning_never_silent(demo, prepared_pdf, pki_server):
    hoa = _chair(demo, HOA)
    signed = _sign(demo, prepared_pdf, hoa, demo.ca, "sig_hkh", HOA, certify=True, lt=False)  # B-T: nothing embedded
    pki_server.stop()
    try:
        report = validate_pdf(signed, trust_roots=demo.roots)
    finally:
        pki_server.start()
    sig = report.signatures[0]
    assert sig.ok and sig.level == "B-T"
    assert sig.revocation["state"] == "unavailable"
    assert any(WARNING in w for w in sig.warnings) and WARNING in report.summary
    # a certificate that names no CRL/OCSP at all is a warning too
    bare = _chair(demo, HOA, urls=False)
    unpublished = _sign(demo, prepared_pdf, bare, demo.ca, "sig_hkh", HOA, certify=True, lt=False)
    assert WARNING in validate_pdf(unpublished, trust_roots=demo.roots).summary


def test_lta_keeps_signatures_valid_eleven_years_ahead(demo, two_hierarchies):
    vc = lambda: lt_validation_context(demo.roots)  # noqa: E731
    sealed = add_document_timestamp(two_hierarchies, http_timestamper(f"{demo.base_url}/tsa"), vc())
    refreshed = refresh_archive_timestamp(sealed, http_timestamper(f"{demo.base_url}/tsa/archive"), vc())
    assert [t.kind for t in timestamp_chain(refreshed)] == ["signature", "signature", "document", "document"]
    later = datetime.now(UTC) + timedelta(days=365 * 11)
    # signer (2 years) and signing TSA (10 years) certificates have expired by then
    assert all(c.not_valid_after_utc < later for c in (demo.tsa.cert,))
    report = validate_pdf(refreshed, trust_roots=demo.roots, at=later)
    assert report.ok, report.summary
    assert all(s.level == "B-LTA" for s in report.signatures)
    assert all("B-LTA" in " ".join(s.notes) and "hết hạn sau khi ký" in " ".join(s.notes) for s in report.signatures)
    # B-LT alone does not survive the TSA's expiry; nor does B-LTA whose only stamp expired too
    assert not validate_pdf(two_hierarchies, trust_roots=demo.roots, at=later).ok
    assert not validate_pdf(sealed, trust_roots=demo.roots, at=later).ok
    # and before signing, nothing was signed yet
    earlier = validate_pdf(refreshed, trust_roots=demo.roots, at=datetime.now(UTC) - timedelta(days=1))
    assert not earlier.ok and "sau thời điểm kiểm tra" in earlier.summary


def test_pki_server_rejects_garbage(pki_server):
    import requests

    assert requests.post(f"{pki_server.url}/tsa", data=b"nonsense", timeout=5).status_code == 400
    assert requests.get(f"{pki_server.url}/crl/nope.crl", timeout=5).status_code == 404
    assert requests.get(f"{pki_server.url}/ca/cd.crt", timeout=5).status_code == 200


def test_revocation_fetch_opens_only_http_urls(tmp_path):
    from khuyenhoc_docs.signing.revocation import _http

    local = tmp_path / "crl.der"
    local.write_bytes(b"not fetched")
    assert _http(local.as_uri(), None, 1.0) is None  # a certificate naming file:///… reads nothing
    assert _http("data:application/pkix-crl;base64,AAAA", None, 1.0) is None
