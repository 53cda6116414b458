"""Key sources and the pre-signing certificate check."""

from __future__ import annotations

import unicodedata

import pytest

from khuyenhoc_docs.signing import (
    CertificateRefused,
    Pkcs12KeySource,
    WrongPassphrase,
    check_certificate,
    issue_signing_cert,
    to_pkcs12,
)
from tests.signing.conftest import HOA, P12_PASSPHRASE, sign_with, utc


def _cert(pki, **kw):
    args = dict(full_name=HOA.full_name, organisation=HOA.organisation,
                position=HOA.position, email="hoa@khuyenhoc.example.vn")
    args.update(kw)
    return issue_signing_cert(pki.ca, **args)


def test_good_certificate_passes(pki):
    check_certificate(pki.hoa.cert, expected_name="Đặng Thị Hoa", at=utc())


def test_name_comparison_is_nfc_and_casefolded(pki):
    nfd_lower = unicodedata.normalize("NFD", "đặng  thị HOA")
    check_certificate(pki.hoa.asn1_cert, expected_name=nfd_lower, at=utc())


def test_expired(pki):
    cert = _cert(pki, not_before=utc(-400), not_after=utc(-30)).cert
    with pytest.raises(CertificateRefused) as err:
        check_certificate(cert, expected_name=HOA.full_name, at=utc())
    assert err.value.reason_vi.startswith("Chứng thư số đã hết hạn (hết hạn ngày ")


def test_not_yet_valid(pki):
    cert = _cert(pki, not_before=utc(10), not_after=utc(400)).cert
    with pytest.raises(CertificateRefused) as err:
        check_certificate(cert, expected_name=HOA.full_name, at=utc())
    assert "chưa có hiệu lực" in err.value.reason_vi


def test_without_digital_signature_usage(pki):
    cert = _cert(pki, key_usage_sign=False).cert
    with pytest.raises(CertificateRefused) as err:
        check_certificate(cert, expected_name=HOA.full_name, at=utc())
    assert "digitalSignature" in err.value.reason_vi


def test_certificate_of_another_person(pki):
    with pytest.raises(CertificateRefused) as err:
        check_certificate(pki.quynh.cert, expected_name=HOA.full_name, at=utc())
    assert "Lâm Như Quỳnh" in err.value.reason_vi and HOA.full_name in err.value.reason_vi


def test_naive_datetime_rejected(pki):
    with pytest.raises(ValueError):
        check_certificate(pki.hoa.cert, expected_name=HOA.full_name, at=utc().replace(tzinfo=None))


def test_wrong_passphrase(pki):
    data = to_pkcs12(pki.hoa, pki.chain, P12_PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Pkcs12KeySource(data, "không đúng")


@pytest.mark.parametrize("case", ["expired", "not_yet_valid", "no_sign_usage", "other_person"])
def test_sign_document_refuses_bad_certificates(pki, prepared_pdf, timestamper, case):
    if case == "other_person":
        certkey = pki.quynh
    else:
        kw = {
            "expired": dict(not_before=utc(-400), not_after=utc(-1)),
            "not_yet_valid": dict(not_before=utc(3), not_after=utc(300)),
            "no_sign_usage": dict(key_usage_sign=False),
        }[case]
        certkey = _cert(pki, **kw)
    source = Pkcs12KeySource(to_pkcs12(certkey, pki.chain, "p"), "p")
    with pytest.raises(CertificateRefused):
        sign_with(source, prepared_pdf, "sig_hkh", HOA, certify=True,
                  timestamper=timestamper, chain=pki.chain)
