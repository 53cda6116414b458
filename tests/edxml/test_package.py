"""edXML packages and status messages: build, sign, parse, verify; tampering refused."""
from __future__ import annotations

import base64
from datetime import date, datetime

import pytest
from lxml import etree

from khuyenhoc_docs import edxml
from khuyenhoc_docs.edxml import EdxmlInvalid
from khuyenhoc_docs.signing.pki import create_demo_ca, issue_signing_cert

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PDF = b"%PDF-1.7\n% fake but opaque bytes \xe1\xba\xa1\n%%EOF\n"


@pytest.fixture(scope="module")
def org_key():
    ca = create_demo_ca("Test CA edXML", 5)
    ck = issue_signing_cert(ca, full_name="Hội Khuyến học tỉnh Bến Tre", organisation="Hội Khuyến học tỉnh Bến Tre",
                            position="CƠ QUAN", email="hkh@demo.local")
    return ck, ca


def make_package(**overrides) -> edxml.Package:
    sender = edxml.Organ(organ_id="000.00.31.H05", organ_name="Hội Khuyến học tỉnh Bến Tre")
    to = edxml.Organ(organ_id="000.00.00.G22", organ_name="Hội Khuyến học Việt Nam")
    header = edxml.MessageHeader(
        sender=sender, recipients=(to,), code_number="05", code_notation="CTPH-HKH-TĐ", place="Bến Tre",
        promulgation_date=date(2026, 12, 2), type_name="Chương trình",
        subject="Phối hợp hoạt động khuyến học, khuyến tài giai đoạn 2026 – 2030",
        signer=edxml.Signer("TM.", "CHỦ TỊCH", "Đặng Thị Hoa"),
        to_places=("Ban TNTH TW;", "Lưu: VT."), other=edxml.OtherInfo(page_amount=3))
    pkg = edxml.Package(header=header, traces=(edxml.Trace("000.00.31.H05", datetime(2026, 12, 2, 9, 15, 4)),),
                        business=edxml.Business(),
                        attachments=(edxml.Attachment("1", "application/pdf", "05-CTPH.pdf", PDF),))
    return pkg


def test_round_trip_keeps_every_field_and_prefix(org_key):
    ck, ca = org_key
    data = edxml.build_package(make_package(), ck.key, ck.cert, (ca.cert,))
    assert b"<edXML:edXMLEnvelope" in data and b"<edXML:MessageHeader>" in data
    pkg, env = edxml.open_package(data)
    want = make_package()
    assert (pkg.header, pkg.traces, pkg.attachments) == (want.header, want.traces, want.attachments)
    assert pkg.business.doc_type == edxml.NEW and pkg.business.document_id == want.header.document_id
    assert pkg.header.document_id == "000.00.31.H05,2026/12/02,05/CTPH-HKH-TĐ"
    assert env.signer_cert == ck.cert and env.chain == (ca.cert,)
    root = etree.fromstring(data)
    unprefixed = [el.tag for el in root.iter() if isinstance(el.tag, str) and el.tag.startswith(f"{{{NS}}}")
                  and el.prefix != "edXML"]
    assert unprefixed == []
    # the signature sits in the header
    assert root.find(f"{{{NS}}}edXMLHeader/{{http://www.w3.org/2000/09/xmldsig#}}Signature") is not None


def _tamper(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


def test_changed_attachment_is_refused(org_key):
    ck, ca = org_key
    data = edxml.build_package(make_package(), ck.key, ck.cert, (ca.cert,))
    forged = base64.b64encode(PDF.replace(b"fake", b"FAKE"))
    bad = _tamper(data, base64.b64encode(PDF), forged)
    with pytest.raises(EdxmlInvalid, match="Chữ ký XML"):
        edxml.open_package(bad)


def test_changed_header_or_broken_signature_is_refused(org_key):
    ck, ca = org_key
    data = edxml.build_package(make_package(), ck.key, ck.cert, (ca.cert,))
    with pytest.raises(EdxmlInvalid, match="Chữ ký XML"):
        edxml.open_package(_tamper(data, "Đặng Thị Hoa".encode(), "Đặng Thị Hòa".encode()))
    start = data.index(b"<ds:SignatureValue>") + len(b"<ds:SignatureValue>")
    flipped = data[:start] + (b"A" if data[start:start + 1] != b"A" else b"B") + data[start + 1:]
    with pytest.raises(EdxmlInvalid):
        edxml.open_package(flipped)


def test_unsigned_or_doctype_or_not_edxml_is_refused(org_key):
    unsigned = etree.tostring(edxml.package_tree(make_package()))
    with pytest.raises(EdxmlInvalid):
        edxml.open_package(unsigned)
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    with pytest.raises(EdxmlInvalid, match="DOCTYPE"):
        edxml.open_package(evil)
    with pytest.raises(EdxmlInvalid, match="edXMLEnvelope"):
        edxml.open_package(b"<root/>")
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "x">]><x/>'.encode("utf-16")
    with pytest.raises(EdxmlInvalid):
        edxml.open_package(utf16)


def test_manifest_must_match_attachments(org_key):
    ck, ca = org_key
    pkg = make_package()
    root = edxml.package_tree(pkg)
    ref = root.find(f"{{{NS}}}edXMLBody/{{{NS}}}edXMLManifest/{{{NS}}}Reference/{{{NS}}}AttachmentName")
    ref.text = "other.pdf"
    data = edxml.xmlsig.sign_envelope(root, ck.key, ck.cert, (ca.cert,))
    with pytest.raises(EdxmlInvalid, match="không khớp với danh mục"):
        edxml.open_package(data)


def test_status_message_round_trip(org_key):
    ck, ca = org_key
    msg = edxml.StatusMessage(
        sender=edxml.Organ("000.00.00.G22", "Hội Khuyến học Việt Nam"),
        response_for=edxml.ResponseFor("000.00.31.H05", "05/CTPH-HKH-TĐ", date(2026, 12, 2),
                                       "000.00.31.H05,2026/12/02,05/CTPH-HKH-TĐ"),
        status_code="03", timestamp=datetime(2026, 12, 2, 10, 0, 0), description="Đã vào sổ",
        staff=edxml.Staff(department="Văn phòng", staff="Nguyễn Văn A"))
    data = edxml.build_status(msg, ck.key, ck.cert, (ca.cert,))
    got, env = edxml.open_status(data)
    assert got == msg and got.label == "Đã tiếp nhận"
    with pytest.raises(EdxmlInvalid):
        edxml.open_package(data)
    with pytest.raises(EdxmlInvalid, match="Mã trạng thái"):
        edxml.build_status(edxml.StatusMessage(msg.sender, msg.response_for, "77", msg.timestamp), ck.key, ck.cert)


@pytest.mark.parametrize("code,ok", [("000.00.00.G22", True), ("000.00.11.H53", True), ("000.00.00.g22", False),
                                     ("00.00.00.G22", False), ("000.00.00.G22\n", False), ("", False)])
def test_organ_code_format(code, ok):
    assert edxml.valid_organ_code(code) is ok
