"""Organisations' own credentials: demo certificates with the organisation as subject, PKCS#12 and
PKCS#11 (SoftHSM2), the access rule "only that organisation's clerks", deactivation."""
from __future__ import annotations

from datetime import UTC

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from khuyenhoc_docs import credentials
from khuyenhoc_docs.access import Principal, can
from khuyenhoc_docs.errors import ValidationFailed
from khuyenhoc_docs.models import Organisation, OrganisationCredential, User
from khuyenhoc_docs.signing import SignatureCoreError, WrongPassphrase
from khuyenhoc_docs.signing.keys import check_certificate
from khuyenhoc_docs.signing.pki import issue_organisation_cert, to_crypto_cert, to_pkcs12
from tests.conftest import DEMO_PASSWORD


def _org(s, name: str) -> Organisation:
    org = s.scalar(select(Organisation).where(Organisation.name == name))
    assert org is not None
    return org


def _principal(s, username: str) -> Principal:
    return Principal.of(s, s.scalar(select(User).where(User.username == username)))


def test_every_demo_organisation_has_its_own_certificate(app):
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        orgs = s.scalars(select(Organisation)).all()
        assert len(orgs) > 2
        for org in orgs:
            cred = credentials.active_credential(s, org)
            assert cred is not None and cred.kind == "pkcs12", org.name
        td = _org(s, "Tỉnh đoàn Bến Tre")
        source = credentials.key_source(credentials.active_credential(s, td), DEMO_PASSWORD,
                                            svc.trust_roots)
        with source.open() as key:
            cert = to_crypto_cert(key.cert)
            assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Tỉnh đoàn Bến Tre"
            assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Tỉnh đoàn Bến Tre"
            assert cert.issuer == svc.demo_pki.ca.cert.subject
            from datetime import datetime
            check_certificate(cert, expected_name=td.name, at=datetime.now(UTC))
        with pytest.raises(WrongPassphrase):
            credentials.key_source(credentials.active_credential(s, td), "sai", svc.trust_roots)


def test_only_the_organisations_own_clerks_may_use_its_key(app):
    with app.extensions["khd.sessions"]() as s:
        hkh, td = _org(s, "Hội Khuyến học tỉnh Bến Tre"), _org(s, "Tỉnh đoàn Bến Tre")
        district = _org(s, "Hội Khuyến học huyện Châu Thành")
        assert can(_principal(s, "vanthu"), "organisation.seal", hkh)
        assert not can(_principal(s, "vanthu"), "organisation.seal", td)
        # a provincial clerk sees the districts but never uses their seal
        assert not can(_principal(s, "vanthu"), "organisation.seal", district)
        assert can(_principal(s, "vanthu.td"), "organisation.seal", td)
        assert not can(_principal(s, "vanthu.td"), "organisation.seal", hkh)
        for other in ("admin", "chutich.hkh", "phobithu.td", "luutru"):
            assert not can(_principal(s, other), "organisation.seal", hkh), other
            assert not can(_principal(s, other), "organisation.seal", td), other


def test_upload_replace_and_deactivate(app):
    svc = app.extensions["khd.services"]
    ca = svc.demo_pki.ca
    with app.extensions["khd.sessions"]() as s:
        hkh = _org(s, "Hội Khuyến học tỉnh Bến Tre")
        own = to_pkcs12(issue_organisation_cert(ca, name=hkh.name), [ca.cert], "mật-khẩu-tổ-chức")
        with pytest.raises(ValidationFailed):
            credentials.upload_pkcs12(s, hkh, own, "sai")
        with pytest.raises(ValidationFailed):
            credentials.upload_pkcs12(s, hkh, b"not a p12", "x")
        cred = credentials.upload_pkcs12(s, hkh, own, "mật-khẩu-tổ-chức")
        rows = s.scalars(select(OrganisationCredential).where(OrganisationCredential.organisation_id == hkh.id)).all()
        assert [r.active for r in rows].count(True) == 1 and cred.active
        assert b"m\xe1\xba\xadt" not in (cred.pkcs12 or b"")  # the passphrase is not stored
        assert credentials.key_source(cred, "mật-khẩu-tổ-chức", svc.trust_roots)
        assert credentials.deactivate_credentials(s, hkh) == 1
        assert credentials.active_credential(s, hkh) is None
        with pytest.raises(ValidationFailed):
            credentials.key_source(cred, "mật-khẩu-tổ-chức", svc.trust_roots)


def test_organisation_key_on_a_pkcs11_token(app, softhsm):
    svc = app.extensions["khd.services"]
    ca = svc.demo_pki.ca
    with app.extensions["khd.sessions"]() as s:
        td = _org(s, "Tỉnh đoàn Bến Tre")
        ck = issue_organisation_cert(ca, name=td.name)
        softhsm.import_key("td-seal", ck.key_pem(), ck.cert.public_bytes(Encoding.DER), key_id="0d")
        cred = credentials.register_pkcs11(s, td, module=softhsm.module_path, token=softhsm.label,
                                               key_label="td-seal", cert_pem=ck.cert_pem().decode())
        assert "Tỉnh đoàn" in cred.subject
        with credentials.key_source(cred, softhsm.pin, svc.trust_roots).open() as key:
            assert to_crypto_cert(key.cert) == ck.cert
        with pytest.raises(SignatureCoreError), credentials.key_source(cred, "000000", svc.trust_roots).open():
            pass
