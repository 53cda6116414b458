"""Interrupted signing: prepare (hash to sign), raw signature from elsewhere, finish (B-T)."""
from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from khuyenhoc_docs.signing import validate_pdf
from khuyenhoc_docs.signing.external import WrongRemoteSignature, finish_external, prepare_external
from tests.signing.conftest import HOA, QUYNH


def raw_sign(certkey, data: bytes) -> bytes:
    return certkey.key.sign(data, ec.ECDSA(hashes.SHA256()))


def test_prepare_then_finish_gives_valid_signatures_in_both_fields(prepared_pdf, pki, timestamper, nss_db):
    first = prepare_external(prepared_pdf, field_name="sig_hkh", cert=pki.hoa.cert, chain=pki.chain,
                             timestamper=timestamper, certify=True, stamp=HOA, reason="Ký ban hành")
    assert len(first.tbs_hash) == 32
    pdf1 = finish_external(first, raw_sign(pki.hoa, first.tbs), cert=pki.hoa.cert, chain=pki.chain,
                           timestamper=timestamper)
    second = prepare_external(pdf1, field_name="sig_td", cert=pki.quynh.cert, chain=pki.chain,
                              timestamper=timestamper, certify=False, stamp=QUYNH, reason="Ký ban hành")
    pdf2 = finish_external(second, raw_sign(pki.quynh, second.tbs), cert=pki.quynh.cert, chain=pki.chain,
                           timestamper=timestamper)
    report = validate_pdf(pdf2, trust_roots=[pki.ca.cert])
    assert report.ok and len(report.signatures) == 2, report.summary
    assert all(s.timestamp_valid for s in report.signatures)
    sigs = nss_db.pdfsig(pdf2)
    assert len(sigs) == 2 and all(s.valid and s.trusted for s in sigs)


def test_signature_over_another_hash_or_by_another_key_is_refused(prepared_pdf, pki, timestamper):
    prep = prepare_external(prepared_pdf, field_name="sig_hkh", cert=pki.hoa.cert, chain=pki.chain,
                            timestamper=timestamper, certify=True, stamp=HOA, reason=None)
    with pytest.raises(WrongRemoteSignature):
        finish_external(prep, raw_sign(pki.hoa, prep.tbs + b"x"), cert=pki.hoa.cert, chain=pki.chain,
                        timestamper=timestamper)
    with pytest.raises(WrongRemoteSignature):
        finish_external(prep, raw_sign(pki.quynh, prep.tbs), cert=pki.hoa.cert, chain=pki.chain,
                        timestamper=timestamper)
    tampered = dataclasses.replace(prep, document_digest=bytes(32))
    with pytest.raises(WrongRemoteSignature):  # attributes rebuilt over another digest differ
        finish_external(tampered, raw_sign(pki.hoa, prep.tbs), cert=pki.hoa.cert, chain=pki.chain,
                        timestamper=timestamper)
