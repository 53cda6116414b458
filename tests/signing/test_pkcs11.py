"""Signing with a key on a PKCS#11 token (SoftHSM2)."""

from __future__ import annotations

import pytest

from khuyenhoc_docs.signing import (
    Pkcs11KeySource,
    Pkcs11Options,
    SigningError,
    WrongPin,
    validate_pdf,
)
from tests.signing.conftest import HOA, QUYNH, sign_with


def test_sign_with_softhsm_then_validate(p11_source, prepared_pdf, key_quynh, timestamper, pki, nss_db):
    one = sign_with(p11_source, prepared_pdf, "sig_hkh", HOA, certify=True,
                    timestamper=timestamper, chain=pki.chain)
    two = sign_with(key_quynh, one, "sig_td", QUYNH, certify=False,
                    timestamper=timestamper, chain=pki.chain)
    report = validate_pdf(two, trust_roots=[pki.ca.cert])
    assert report.ok, report.summary
    assert report.signatures[0].signer_cn == "Đặng Thị Hoa"
    assert report.signatures[0].serial == format(pki.hoa.cert.serial_number, "x")
    sigs = nss_db.pdfsig(two)
    assert [(s.valid, s.trusted) for s in sigs] == [(True, True), (True, True)], sigs


def test_one_session_signs_many(p11_source, prepared_pdf, timestamper, pki):
    with p11_source.open() as key:
        assert key.cert.subject.native["common_name"] == "Đặng Thị Hoa"
        from khuyenhoc_docs.signing import sign_document

        for _ in range(2):
            out = sign_document(prepared_pdf, field_name="sig_hkh", signer=key, cert_chain=pki.chain,
                                timestamper=timestamper, certify=True, stamp=HOA, reason=None)
            assert validate_pdf(out, trust_roots=[pki.ca.cert]).ok


def test_wrong_pin(p11_options, pki):
    bad = Pkcs11KeySource(Pkcs11Options(p11_options.module_path, p11_options.token_label,
                                        p11_options.key_label, "000000"))
    with pytest.raises(WrongPin) as err, bad.open():
        pass
    assert "PIN" in err.value.reason_vi


def test_unknown_token(p11_options):
    missing = Pkcs11KeySource(Pkcs11Options(p11_options.module_path, "khong-co-token",
                                            "hoa", p11_options.pin))
    with pytest.raises(SigningError) as err, missing.open():
        pass
    assert "khong-co-token" in err.value.reason_vi


def test_unknown_key_label(p11_options):
    missing = Pkcs11KeySource(Pkcs11Options(p11_options.module_path, p11_options.token_label,
                                            "khong-co-khoa", p11_options.pin))
    with pytest.raises(SigningError), missing.open():
        pass


def test_nested_and_concurrent_opens_share_one_login(p11_options, prepared_pdf, timestamper, pki):
    """Login state is per application: a second C_Login would fail and
    closing a logged-in session would log the others out."""
    from concurrent.futures import ThreadPoolExecutor

    source = Pkcs11KeySource(p11_options, chain=pki.chain)
    with source.open():
        with source.open():
            pass
        # a wrong PIN is still refused while another user holds the login
        bad = Pkcs11KeySource(Pkcs11Options(p11_options.module_path, p11_options.token_label,
                                            p11_options.key_label, "999999"))
        with pytest.raises(WrongPin), bad.open():
            pass

    def sign_once(_):
        out = sign_with(source, prepared_pdf, "sig_hkh", HOA, certify=True,
                        timestamper=timestamper, chain=pki.chain)
        return validate_pdf(out, trust_roots=[pki.ca.cert]).ok

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(sign_once, range(8)))
    # everything closed: the token is logged out, and opening again works
    with source.open() as key:
        assert key.cert.subject.native["common_name"] == "Đặng Thị Hoa"
