"""Build and open signed edXML packages and status messages (the package's entry points)."""
from __future__ import annotations

from cryptography import x509

from . import EdxmlInvalid
from .model import STATUS_CODES, Package, StatusMessage, valid_organ_code
from .xml import is_status, package_tree, parse_xml, read_package, read_status, status_tree
from .xmlsig import SignedEnvelope, sign_envelope, verify_envelope


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
