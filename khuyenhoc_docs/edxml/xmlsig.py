"""XML-DSig over a whole edXML envelope (signxml), the signature placed in the header.

The enveloped signature references the whole document, so a changed attachment breaks it as
surely as a changed header. The certificate travels in KeyInfo; whether it is trusted is a
separate question answered by the caller's trust roots (``trusted_signer``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from . import EdxmlInvalid
from .xml import DS_NS

if TYPE_CHECKING:
    from signxml import SignatureMethod

# signxml (~20 MB) is imported by the functions that sign or verify: app workers that never
# exchange edXML do not carry it.


@dataclass(frozen=True)
class SignedEnvelope:
    """A verified envelope: the signed element tree and the signer's certificate."""

    root: etree._Element
    signer_cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]


def _method(key: object) -> SignatureMethod:
    from cryptography.hazmat.primitives.asymmetric import ec
    from signxml import SignatureMethod

    return SignatureMethod.ECDSA_SHA256 if isinstance(key, ec.EllipticCurvePrivateKey) else SignatureMethod.RSA_SHA256


def sign_envelope(root: etree._Element, key: object, cert: x509.Certificate,
                  chain: tuple[x509.Certificate, ...] = ()) -> bytes:
    """Sign the envelope with ``key``; the certificate (and its chain) go into KeyInfo."""
    from signxml import XMLSigner, methods

    certs = [c.public_bytes(serialization.Encoding.PEM).decode() for c in (cert, *chain)]
    signer = XMLSigner(method=methods.enveloped, signature_algorithm=_method(key), digest_algorithm="sha256")
    signed = signer.sign(root, key=key, cert=certs)  # type: ignore[arg-type]  # a private key object
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _keyinfo_certs(root: etree._Element) -> list[x509.Certificate]:
    certs = []
    for el in root.iterfind(f".//{{{DS_NS}}}Signature/{{{DS_NS}}}KeyInfo//{{{DS_NS}}}X509Certificate"):
        text = "".join((el.text or "").split())
        try:
            certs.append(x509.load_pem_x509_certificate(
                f"-----BEGIN CERTIFICATE-----\n{text}\n-----END CERTIFICATE-----\n".encode()))
        except ValueError as exc:
            raise EdxmlInvalid(code="edxml_signature_certificate_unreadable") from exc
    return certs


def verify_envelope(root: etree._Element, *, at: datetime | None = None) -> SignedEnvelope:
    """Check the XML signature is intact and made by the first certificate in KeyInfo."""
    from signxml import InvalidInput, InvalidSignature, SignatureMethod, XMLVerifier
    from signxml.verifier import SignatureConfiguration

    sigs = root.findall(f".//{{{DS_NS}}}Signature")
    if len(sigs) != 1 or sigs[0].getparent() is None or etree.QName(sigs[0].getparent()).localname != "edXMLHeader":
        raise EdxmlInvalid(code="edxml_signature_count")
    certs = _keyinfo_certs(root)
    if not certs:
        raise EdxmlInvalid(code="edxml_signature_no_certificate")
    config = SignatureConfiguration(
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256, SignatureMethod.RSA_SHA256}),
        expect_references=1, verification_time=at)
    try:
        result = XMLVerifier().verify(root, x509_cert=certs[0], expect_config=config)
    except (InvalidSignature, InvalidInput) as exc:
        raise EdxmlInvalid(code="edxml_signature_invalid",
                           detail=str(exc)) from exc
    signed = result.signed_xml  # type: ignore[union-attr]
    if signed is None or etree.QName(signed).localname != "edXMLEnvelope":
        raise EdxmlInvalid(code="edxml_signature_partial")
    return SignedEnvelope(root=signed, signer_cert=certs[0], chain=tuple(certs[1:]))
