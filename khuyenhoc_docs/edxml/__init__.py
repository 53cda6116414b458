"""edXML (QCVN 102:2016/BTTTT): packages and status messages exchanged between document systems.

Pure domain code: no Flask, no database. ``build_package``/``build_status`` sign with a key the
caller opened; ``open_package``/``open_status`` parse untrusted bytes, check the XML signature and
the manifest, and return the contents with the sender's certificate for the caller to trust-check.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import describe


class EdxmlInvalid(Exception):
    """A package or status message that cannot be accepted: ``code`` (+ ``params``) names why,
    ``reason_vi`` is its wording (``web/messages/``), ``detail`` is for logs."""

    def __init__(self, reason_vi: str | None = None, *, code: str = "edxml_invalid",
                 params: Mapping[str, Any] | None = None, detail: str | None = None) -> None:
        super().__init__(reason_vi or code)
        self.code, self.params, self._reason, self.detail = code, dict(params or {}), reason_vi, detail

    @property
    def reason_vi(self) -> str:
        return self._reason or describe(self.code, self.params) or self.code

    def __str__(self) -> str:
        return self.reason_vi if self.detail is None else f"{self.reason_vi} ({self.detail})"


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
        raise EdxmlInvalid(code="edxml_status_code_unknown", params={"status_code": msg.status_code})
    return sign_envelope(status_tree(msg), key, cert, chain)


def open_envelope(data: bytes) -> SignedEnvelope:
    """Parse and verify the XML signature; everything read afterwards comes from the signed tree."""
    return verify_envelope(parse_xml(data))


def open_package(data: bytes) -> tuple[Package, SignedEnvelope]:
    """Parse, verify the signature and read a document package."""
    env = open_envelope(data)
    if is_status(env.root):
        raise EdxmlInvalid(code="edxml_is_status")
    pkg = read_package(env.root)
    if not valid_organ_code(pkg.header.sender.organ_id):
        raise EdxmlInvalid(code="edxml_sender_code_invalid")
    if not pkg.attachments:
        raise EdxmlInvalid(code="edxml_no_attachment")
    return pkg, env


def open_status(data: bytes) -> tuple[StatusMessage, SignedEnvelope]:
    """Parse, verify the signature and read a status message."""
    env = open_envelope(data)
    if not is_status(env.root):
        raise EdxmlInvalid(code="edxml_not_status")
    msg = read_status(env.root)
    if msg.status_code not in STATUS_CODES:
        raise EdxmlInvalid(code="edxml_status_code_unknown", params={"status_code": msg.status_code})
    return msg, env


__all__ = [
    "BUSINESS_TYPES", "NEW", "REPLACE", "REVOKE", "STATUS_CODES", "UPDATE", "Attachment", "Business",
    "EdxmlInvalid", "MessageHeader", "Organ", "OtherInfo", "Package", "ResponseFor", "SignedEnvelope", "Signer",
    "Staff", "StatusMessage", "Trace", "build_package", "build_status", "document_id", "is_status",
    "open_envelope", "open_package", "open_status", "valid_organ_code",
]
