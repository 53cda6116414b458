"""Session fixtures for the signing core: a demo PKI, a realistic
two-signature-block PDF (python-docx -> LibreOffice, built once), key
sources, a demo TSA, an NSS db for pdfsig and a SoftHSM2 token."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from khuyenhoc_docs.signing import (
    CertKey,
    DemoTimeStamper,
    Pkcs11KeySource,
    Pkcs11Options,
    Pkcs12KeySource,
    SignatureBlock,
    StampInfo,
    create_demo_ca,
    issue_signing_cert,
    issue_tsa_cert,
    locate_signature_boxes,
    prepare_fields,
    sign_document,
    to_pkcs12,
)
from tests.services.nss import NssDb, pdfsig_available
from tests.services.softhsm import SoftHsmToken, create_token, softhsm_available
from tests.soffice import convert_cold

HOA = StampInfo("Đặng Thị Hoa", "CHỦ TỊCH", "Hội Khuyến học tỉnh Bến Tre")
QUYNH = StampInfo("Lâm Như Quỳnh", "PHÓ BÍ THƯ", "Tỉnh đoàn Bến Tre")
BLOCKS = (
    SignatureBlock("sig_hkh", "CHỦ TỊCH", "Đặng Thị Hoa"),
    SignatureBlock("sig_td", "PHÓ BÍ THƯ", "Lâm Như Quỳnh"),
)
P12_PASSPHRASE = "Khuyến-học 2018"
BODY = (
    "Đoàn TNCS Hồ Chí Minh tích cực tổ chức các hoạt động tuyên truyền về khuyến học, "
    "khuyến tài, xây dựng xã hội học tập trên các phương tiện truyền thông của Đoàn Thanh niên "
    "(báo, đài, website,...). Hội Khuyến học có trách nhiệm cung cấp tài liệu về khuyến học, "
    "khuyến tài, xây dựng xã hội học tập để Đoàn làm tốt nhiệm vụ truyền thông."
)


@dataclass(frozen=True)
class Pki:
    ca: CertKey
    hoa: CertKey
    quynh: CertKey
    tsa: CertKey
    other_ca: CertKey  # not trusted anywhere

    @property
    def chain(self) -> list:
        return [self.ca.cert]


@pytest.fixture(scope="session")
def pki() -> Pki:
    ca = create_demo_ca("Khuyến học Demo CA", 10)
    return Pki(
        ca=ca,
        hoa=issue_signing_cert(ca, full_name=HOA.full_name, organisation=HOA.organisation,
                               position=HOA.position, email="hoa@khuyenhoc.example.vn"),
        quynh=issue_signing_cert(ca, full_name=QUYNH.full_name, organisation=QUYNH.organisation,
                                 position=QUYNH.position, email="quynh@tinhdoan.example.vn"),
        tsa=issue_tsa_cert(ca),
        other_ca=create_demo_ca("CA lạ (không tin cậy)", 5),
    )


def build_docx() -> bytes:
    """Reference layout: body text, then a borderless two-column table with
    organisation, position, three empty lines and the name (bold, centred)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(13)
    title = doc.add_paragraph("CHƯƠNG TRÌNH PHỐI HỢP")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].bold = True
    for _ in range(9):
        doc.add_paragraph(BODY).alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    table = doc.add_table(rows=1, cols=2)
    columns = (
        ["TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC", "CHỦ TỊCH", "", "", "", "Đặng Thị Hoa"],
        ["TM. BAN THƯỜNG VỤ TỈNH ĐOÀN", "PHÓ BÍ THƯ", "", "", "", "Lâm Như Quỳnh"],
    )
    for cell, lines in zip(table.rows[0].cells, columns, strict=False):
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
        for p in cell.paragraphs:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in p.runs:
                run.bold = True
    doc.add_paragraph("Nơi nhận:")
    doc.add_paragraph("- Ban Thường vụ Tỉnh đoàn;")
    doc.add_paragraph("- Lưu VT.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def soffice_to_pdf(docx: bytes, workdir: Path) -> bytes:
    """One cold LibreOffice conversion with a private profile."""
    return convert_cold(workdir, {"ctph": docx})["ctph"]


@pytest.fixture(scope="session")
def base_pdf(tmp_path_factory) -> bytes:
    return soffice_to_pdf(build_docx(), tmp_path_factory.mktemp("docx2pdf"))


@pytest.fixture(scope="session")
def prepared_pdf(base_pdf) -> bytes:
    return prepare_fields(base_pdf, locate_signature_boxes(base_pdf, BLOCKS))


@pytest.fixture(scope="session")
def timestamper(pki) -> DemoTimeStamper:
    return DemoTimeStamper(pki.tsa, [pki.ca.cert])


@pytest.fixture(scope="session")
def key_hoa(pki) -> Pkcs12KeySource:
    return Pkcs12KeySource(to_pkcs12(pki.hoa, pki.chain, P12_PASSPHRASE), P12_PASSPHRASE)


@pytest.fixture(scope="session")
def key_quynh(pki) -> Pkcs12KeySource:
    return Pkcs12KeySource(to_pkcs12(pki.quynh, pki.chain, P12_PASSPHRASE), P12_PASSPHRASE)


def sign_with(source, pdf: bytes, field: str, stamp: StampInfo, *, certify: bool,
              timestamper, chain, **kwargs) -> bytes:
    with source.open() as key:
        return sign_document(pdf, field_name=field, signer=key, cert_chain=chain,
                             timestamper=timestamper, certify=certify, stamp=stamp,
                             reason=kwargs.pop("reason", "Ký ban hành chương trình phối hợp"),
                             **kwargs)


@pytest.fixture(scope="session")
def signed_pdf(prepared_pdf, key_hoa, key_quynh, timestamper, pki) -> bytes:
    """hkh certifies (DocMDP FILL_FORMS), then td approves; both B-T."""
    one = sign_with(key_hoa, prepared_pdf, "sig_hkh", HOA, certify=True,
                    timestamper=timestamper, chain=pki.chain)
    return sign_with(key_quynh, one, "sig_td", QUYNH, certify=False,
                     timestamper=timestamper, chain=pki.chain)


@pytest.fixture(scope="session")
def nss_db(tmp_path_factory, pki) -> NssDb:
    if not pdfsig_available():
        pytest.skip("pdfsig/certutil not installed")
    return NssDb.create(tmp_path_factory.mktemp("nss"), [pki.ca.cert_pem()])


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory, pki) -> Iterator[SoftHsmToken]:
    if not softhsm_available():
        pytest.skip("softhsm2/opensc not installed")
    token = create_token(tmp_path_factory.mktemp("softhsm"))
    token.import_key("hoa", pki.hoa.key_pem(), pki.hoa.cert.public_bytes(Encoding.DER), key_id="01")
    yield token


@pytest.fixture(scope="session")
def p11_options(softhsm) -> Pkcs11Options:
    return Pkcs11Options(module_path=softhsm.module_path, token_label=softhsm.label,
                         key_label="hoa", pin=softhsm.pin)


@pytest.fixture
def p11_source(p11_options, pki) -> Pkcs11KeySource:
    return Pkcs11KeySource(p11_options, chain=pki.chain)


def signature_png() -> bytes:
    """A blue handwritten-looking scribble on a transparent background."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    points = [(20 + i * 2.6, 60 + 30 * math.sin(i / 6) * math.cos(i / 17)) for i in range(100)]
    draw.line(points, fill=(20, 40, 170, 255), width=5)
    draw.line([(40, 95), (260, 85)], fill=(20, 40, 170, 255), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def utc(days: float = 0) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)
