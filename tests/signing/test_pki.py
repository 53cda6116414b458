"""Demo PKI: certificate contents, PKCS#12 round trip, passphrase errors."""

from __future__ import annotations

import unicodedata

import pytest
from asn1crypto.core import UTF8String
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from khuyenhoc_docs.signing import (
    CertKey,
    KeyFileInvalid,
    KeyType,
    WrongPassphrase,
    create_demo_ca,
    issue_signing_cert,
    load_pkcs12,
    to_pkcs12,
)
from tests.signing.conftest import P12_PASSPHRASE


def _attr(cert: x509.Certificate, oid) -> str:
    return cert.subject.get_attributes_for_oid(oid)[0].value


def test_signing_cert_subject_and_usage(pki):
    cert = pki.hoa.cert
    assert _attr(cert, NameOID.COMMON_NAME) == "Đặng Thị Hoa"
    assert _attr(cert, NameOID.ORGANIZATION_NAME) == "Hội Khuyến học tỉnh Bến Tre"
    assert _attr(cert, NameOID.TITLE) == "CHỦ TỊCH"
    # UTF8String, as Vietnamese names need
    kinds = {atv["type"].native: type(atv["value"].chosen)
             for rdn in pki.hoa.asn1_cert.subject.chosen for atv in rdn}
    for name in ("common_name", "organization_name", "title"):
        assert kinds[name] is UTF8String
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert cert.issuer == pki.ca.cert.subject
    assert isinstance(pki.hoa.key, ec.EllipticCurvePrivateKey)


def test_tsa_cert_has_critical_timestamping_eku(pki):
    ext = pki.tsa.cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert ext.critical
    assert list(ext.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert isinstance(pki.tsa.key, rsa.RSAPrivateKey)


def test_ca_is_ca(pki):
    bc = pki.ca.cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca


def test_rsa_option():
    ca = create_demo_ca("RSA CA", 1, key_type=KeyType.RSA_2048)
    ck = issue_signing_cert(ca, full_name="A", organisation="B", position="C",
                            email="a@b.vn", key_type=KeyType.RSA_2048)
    assert isinstance(ck.key, rsa.RSAPrivateKey)


def test_pkcs12_round_trip(pki):
    data = to_pkcs12(pki.hoa, pki.chain, P12_PASSPHRASE)
    key, cert, chain = load_pkcs12(data, P12_PASSPHRASE)
    assert cert == pki.hoa.cert
    assert chain == [pki.ca.cert]
    assert key.public_key().public_numbers() == pki.hoa.key.public_key().public_numbers()


def test_pkcs12_passphrase_is_unicode_normalised(pki):
    data = to_pkcs12(pki.hoa, pki.chain, P12_PASSPHRASE)
    decomposed = unicodedata.normalize("NFD", P12_PASSPHRASE)
    assert decomposed != P12_PASSPHRASE
    _, cert, _ = load_pkcs12(data, decomposed)
    assert cert == pki.hoa.cert


def test_pkcs12_wrong_passphrase(pki):
    data = to_pkcs12(pki.hoa, pki.chain, P12_PASSPHRASE)
    with pytest.raises(WrongPassphrase) as err:
        load_pkcs12(data, "sai mật khẩu")
    assert "Mật khẩu" in err.value.reason_vi


def test_pkcs12_garbage_is_invalid_not_wrong_passphrase():
    with pytest.raises(KeyFileInvalid):
        load_pkcs12(b"this is not a PKCS#12 file", "x")


def test_pem_round_trip_with_passphrase(pki):
    pem = pki.hoa.key_pem("bí mật")
    again = CertKey.from_pem(pki.hoa.cert_pem(), pem, "bí mật")
    assert again.cert == pki.hoa.cert
    with pytest.raises(WrongPassphrase):
        CertKey.from_pem(pki.hoa.cert_pem(), pem, "sai")
