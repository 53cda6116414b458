"""edXML (QCVN 102:2016/BTTTT): packages and status messages exchanged between document systems.

Pure domain code: no Flask, no database. ``build_package``/``build_status`` sign with a key the
caller opened; ``open_package``/``open_status`` parse untrusted bytes, check the XML signature and
the manifest, and return the contents with the sender's certificate for the caller to trust-check.
"""
from __future__ import annotations


class EdxmlInvalid(Exception):
    """A package or status message that cannot be accepted; ``reason_vi`` says why."""

    def __init__(self, reason_vi: str, *, detail: str | None = None) -> None:
        super().__init__(reason_vi if detail is None else f"{reason_vi} ({detail})")
        self.reason_vi = reason_vi
        self.detail = detail


from cryptography import x509  # noqa: E402

from .model import (  # noqa: E402
    BUSINESS_TYPES,
    NEW,
    REPLACE,
    REVOKE,
    STATUS_CODES,
    UPDATE,
    Attachment,
    Business,
    MessageHeader,
    Organ,
    OtherInfo,
    Package,
    ResponseFor,
    Signer,
    Staff,
    StatusMessage,
    Trace,
    document_id,
    valid_organ_code,
)
from .xml import is_status, package_tree, parse_xml, read_package, read_status, status_tree  # noqa: E402
from .xmlsig import SignedEnvelope, sign_envelope, verify_envelope  # noqa: E402


def build_package(pkg: Package, key: object, cert: x509.Certificate,
                  chain: tuple[x509.Certificate, ...] = ()) -> bytes:
    """The signed edXML package (UTF-8 bytes)."""
    return sign_envelope(package_tree(pkg), key, cert, chain)


def build_status(msg: StatusMessage, key: object, cert: x509.Certificate,
                 chain: tuple[x509.Certificate, ...] = ()) -> bytes:
    """The signed status message (UTF-8 bytes)."""
    if msg.status_code not in STATUS_CODES:
        raise EdxmlInvalid(f"Mã trạng thái {msg.status_code} không có trong QCVN 102:2016.")
    return sign_envelope(status_tree(msg), key, cert, chain)


def open_envelope(data: bytes) -> SignedEnvelope:
    """Parse and verify the XML signature; everything read afterwards comes from the signed tree."""
    return verify_envelope(parse_xml(data))


def open_package(data: bytes) -> tuple[Package, SignedEnvelope]:
    """Parse, verify the signature and read a document package."""
    env = open_envelope(data)
    if is_status(env.root):
        raise EdxmlInvalid("Gói tin là thông điệp trạng thái, không phải văn bản.")
    pkg = read_package(env.root)
    if not valid_organ_code(pkg.header.sender.organ_id):
        raise EdxmlInvalid("Mã định danh của cơ quan gửi không đúng định dạng.")
    if not pkg.attachments:
        raise EdxmlInvalid("Gói tin không có tệp văn bản đính kèm.")
    return pkg, env


def open_status(data: bytes) -> tuple[StatusMessage, SignedEnvelope]:
    """Parse, verify the signature and read a status message."""
    env = open_envelope(data)
    if not is_status(env.root):
        raise EdxmlInvalid("Gói tin không phải thông điệp trạng thái.")
    msg = read_status(env.root)
    if msg.status_code not in STATUS_CODES:
        raise EdxmlInvalid(f"Mã trạng thái {msg.status_code} không có trong QCVN 102:2016.")
    return msg, env


__all__ = [
    "BUSINESS_TYPES", "NEW", "REPLACE", "REVOKE", "STATUS_CODES", "UPDATE", "Attachment", "Business",
    "EdxmlInvalid", "MessageHeader", "Organ", "OtherInfo", "Package", "ResponseFor", "SignedEnvelope", "Signer",
    "Staff", "StatusMessage", "Trace", "build_package", "build_status", "document_id", "is_status",
    "open_envelope", "open_package", "open_status", "valid_organ_code",
]
