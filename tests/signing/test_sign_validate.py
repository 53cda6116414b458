"""Two-chair PAdES B-T signing, checked by pyHanko and by poppler's pdfsig."""

from __future__ import annotations

import io
import json

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from khuyenhoc_docs.signing import (
    FieldAlreadySigned,
    SigningError,
    SignOptions,
    validate_pdf,
)
from tests.signing.conftest import HOA, QUYNH, sign_with


def _by_field(report):
    return {s.field_name: s for s in report.signatures}


def test_two_signatures_valid_with_pyhanko(signed_pdf, pki):
    report = validate_pdf(signed_pdf, trust_roots=[pki.ca.cert])
    assert report.ok, report.summary
    assert len(report.signatures) == 2
    sigs = _by_field(report)
    hkh, td = sigs["sig_hkh"], sigs["sig_td"]
    assert (hkh.kind, td.kind) == ("certification", "approval")
    assert hkh.docmdp_permission == "FILL_FORMS"
    for s in (hkh, td):
        assert s.intact and s.valid and s.trusted and s.ok
        assert s.timestamp_valid is True and s.timestamp_time is not None
        assert s.signing_time is not None
        assert s.docmdp_ok is True
        assert len(s.chain_subjects) == 2 and "Khuyến học Demo CA" in s.chain_subjects[-1]
    assert (hkh.signer_cn, hkh.organisation, hkh.position) == (
        "Đặng Thị Hoa", "Hội Khuyến học tỉnh Bến Tre", "CHỦ TỊCH")
    assert (td.signer_cn, td.organisation, td.position) == ("Lâm Như Quỳnh", "Tỉnh đoàn Bến Tre", "PHÓ BÍ THƯ")
    assert hkh.serial == format(pki.hoa.cert.serial_number, "x")
    # the first signature sees the second as form filling; the last covers all
    assert (hkh.coverage, hkh.modification_level) == ("ENTIRE_REVISION", "FORM_FILLING")
    assert (td.coverage, td.modification_level) == ("ENTIRE_FILE", "NONE")
    assert "hợp lệ" in report.summary


def test_report_is_json_serialisable(signed_pdf, pki):
    data = validate_pdf(signed_pdf, trust_roots=[pki.ca.cert]).to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert "Đặng Thị Hoa" in text and data["ok"] is True
    assert data["signatures"][0]["timestamp_time"].endswith("+00:00")


def test_two_signatures_valid_with_pdfsig(signed_pdf, nss_db):
    sigs = nss_db.pdfsig(signed_pdf)
    assert [s.field_name for s in sigs] == ["sig_hkh", "sig_td"]
    assert [s.signer_cn for s in sigs] == ["Đặng Thị Hoa", "Lâm Như Quỳnh"]
    for s in sigs:
        assert s.signature_validation == "Signature is Valid.", s
        assert s.certificate_validation == "Certificate is Trusted.", s
    assert sigs[-1].total_document_signed


def test_signing_is_incremental(prepared_pdf, signed_pdf):
    assert signed_pdf.startswith(prepared_pdf)


def test_reverse_order(prepared_pdf, key_hoa, key_quynh, timestamper, pki, nss_db):
    """td certifies first, hkh approves second."""
    one = sign_with(key_quynh, prepared_pdf, "sig_td", QUYNH, certify=True,
                    timestamper=timestamper, chain=pki.chain)
    two = sign_with(key_hoa, one, "sig_hkh", HOA, certify=False,
                    timestamper=timestamper, chain=pki.chain)
    report = validate_pdf(two, trust_roots=[pki.ca.cert])
    assert report.ok, report.summary
    assert [s.field_name for s in report.signatures] == ["sig_td", "sig_hkh"]
    assert all(s.valid and s.trusted for s in nss_db.pdfsig(two))


def test_untrusted_root(signed_pdf, pki):
    report = validate_pdf(signed_pdf, trust_roots=[pki.other_ca.cert])
    assert not report.ok
    for s in report.signatures:
        assert s.intact and s.valid and not s.trusted and not s.ok
        assert s.timestamp_valid is False  # the TSA chains to the same CA
    assert "tin cậy" in report.summary


def test_validation_time_after_expiry(signed_pdf, pki):
    from datetime import timedelta

    later = max(pki.hoa.cert.not_valid_after_utc, pki.quynh.cert.not_valid_after_utc) + timedelta(days=1)
    report = validate_pdf(signed_pdf, trust_roots=[pki.ca.cert], at=later)
    # Both are B-T: judged at their trusted timestamps, they outlive the certificates.
    assert report.ok and all(s.notes for s in report.signatures)
    # ...but not if the timestamp itself cannot be trusted any more.
    assert not validate_pdf(signed_pdf, trust_roots=[pki.other_ca.cert], at=later).ok


def _flip_covered_byte(pdf: bytes) -> bytes:
    # A byte inside the original revision's /Producer string: every signature
    # covers it and the file still parses.
    pos = pdf.index(b"LibreOffice")
    data = bytearray(pdf)
    data[pos] ^= 0x20  # 'L' -> 'l'
    return bytes(data)


def test_flipped_byte_breaks_both_signatures(signed_pdf, pki, nss_db):
    tampered = _flip_covered_byte(signed_pdf)
    report = validate_pdf(tampered, trust_roots=[pki.ca.cert])
    assert not report.ok
    assert [s.intact for s in report.signatures] == [False, False]
    assert "thay đổi" in report.summary
    sigs = nss_db.pdfsig(tampered)
    assert len(sigs) == 2
    assert all(s.signature_validation == "Digest Mismatch." for s in sigs), sigs


def test_content_change_after_signing_is_detected(signed_pdf, pki):
    """An incremental update drawing on page 1: the signed bytes are intact,
    but the modification is not form filling."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    stream = generic.StreamObject(stream_data=b"q 1 0 0 rg 72 72 200 40 re f Q")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    report = validate_pdf(out.getvalue(), trust_roots=[pki.ca.cert])
    assert not report.ok
    for s in report.signatures:
        assert s.intact and s.valid and s.trusted
        assert s.modification_level == "OTHER" and s.docmdp_ok is False
        assert not s.ok and s.problems


def test_already_signed_field(signed_pdf, key_hoa, timestamper, pki):
    with pytest.raises(FieldAlreadySigned):
        sign_with(key_hoa, signed_pdf, "sig_hkh", HOA, certify=False,
                  timestamper=timestamper, chain=pki.chain)


def test_unknown_field(prepared_pdf, key_hoa, timestamper, pki):
    with pytest.raises(SigningError) as err:
        sign_with(key_hoa, prepared_pdf, "sig_khong_co", HOA, certify=True,
                  timestamper=timestamper, chain=pki.chain)
    assert type(err.value) is SigningError and "sig_khong_co" in err.value.reason_vi


def test_second_certification_refused(prepared_pdf, key_hoa, key_quynh, timestamper, pki):
    one = sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True,
                    timestamper=timestamper, chain=pki.chain)
    with pytest.raises(SigningError):
        sign_with(key_quynh, one, "sig_td", QUYNH, certify=True,
                  timestamper=timestamper, chain=pki.chain)


def test_timestamp_required_by_default(prepared_pdf, key_hoa, pki):
    with pytest.raises(SigningError) as err:
        sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True,
                  timestamper=None, chain=pki.chain)
    assert "TSA" in err.value.reason_vi


def test_baseline_b_without_timestamp(prepared_pdf, key_hoa, pki):
    out = sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True, timestamper=None,
                    chain=pki.chain, options=SignOptions(require_timestamp=False))
    report = validate_pdf(out, trust_roots=[pki.ca.cert])
    assert report.ok
    assert report.signatures[0].timestamp_valid is None


def test_unsigned_pdf_has_no_signatures(prepared_pdf, pki):
    report = validate_pdf(prepared_pdf, trust_roots=[pki.ca.cert])
    assert report.signatures == () and report.ok is False
    assert report.summary == "Tài liệu không có chữ ký số."


def test_rsa_signing_key(prepared_pdf, timestamper, pki, nss_db):
    from khuyenhoc_docs.signing import KeyType, Pkcs12KeySource, issue_signing_cert, to_pkcs12

    rsa_hoa = issue_signing_cert(pki.ca, full_name=HOA.full_name, organisation=HOA.organisation,
                                 position=HOA.position, email="hoa@example.vn", key_type=KeyType.RSA_2048)
    source = Pkcs12KeySource(to_pkcs12(rsa_hoa, pki.chain, "p"), "p")
    out = sign_with(source, prepared_pdf, "sig_hkh", HOA, certify=True,
                    timestamper=timestamper, chain=pki.chain)
    assert validate_pdf(out, trust_roots=[pki.ca.cert]).ok
    hkh = [s for s in nss_db.pdfsig(out) if s.field_name == "sig_hkh"]
    assert [(s.valid, s.trusted) for s in hkh] == [(True, True)]


def test_corrupted_signature_blob_is_reported_not_raised(signed_pdf, pki):
    import re

    last = list(re.finditer(rb"/Contents <([0-9a-fA-F]+)>", signed_pdf))[-1]
    data = bytearray(signed_pdf)
    data[last.start(1) + 10] = ord("0") if data[last.start(1) + 10] != ord("0") else ord("1")
    report = validate_pdf(bytes(data), trust_roots=[pki.ca.cert])
    assert not report.ok and len(report.signatures) == 2
    broken = [s for s in report.signatures if not s.ok]
    assert [s.field_name for s in broken] == ["sig_td"] and broken[0].problems


def test_trust_problem_reasons_in_vietnamese(signed_pdf, pki):
    from datetime import timedelta

    untrusted = validate_pdf(signed_pdf, trust_roots=[pki.other_ca.cert]).signatures[0]
    assert "không do tổ chức chứng thực được tin cậy cấp" in " ".join(untrusted.problems)
    later = pki.hoa.cert.not_valid_after_utc + timedelta(days=1)
    # B-T: the trusted timestamp predates expiry, so the signature stays valid, with a note.
    kept = validate_pdf(signed_pdf, trust_roots=[pki.ca.cert], at=later).signatures[0]
    assert kept.ok and kept.trusted and "dấu thời gian" in " ".join(kept.notes), (kept.problems, kept.notes)


def test_signature_without_timestamp_fails_once_the_certificate_expired(prepared_pdf, key_hoa, pki):
    from datetime import timedelta

    from khuyenhoc_docs.signing.signer import SignOptions

    bb = sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True, timestamper=None, chain=pki.chain,
                   options=SignOptions(require_timestamp=False))
    assert validate_pdf(bb, trust_roots=[pki.ca.cert]).signatures[0].trusted
    later = pki.hoa.cert.not_valid_after_utc + timedelta(days=1)
    expired = validate_pdf(bb, trust_roots=[pki.ca.cert], at=later).signatures[0]
    assert not expired.ok and "hết hạn" in " ".join(expired.problems), expired.problems
