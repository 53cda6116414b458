"""Interrupted signing for remote key holders (CSC signHash, confirm-in-app services).

``prepare_external`` writes the signature placeholder and returns what the remote service must
sign: the hash of the CMS signed attributes (PAdES: content type, message digest, signing
certificate v2 — no signing time, so they are the same when rebuilt). ``finish_external`` checks
the raw signature the service returned against that data and the signer's certificate, builds the
CMS through pyHanko's ``ExternalSigner`` (adding the TSA timestamp, B-T) and fills the reserved
region. Both halves go through pyHanko's Signer interface (``async_sign``), like local keys."""
from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import ExternalSigner, PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import SigningError
from .appearance import StampInfo, signing_moment, style_for
from .keys import check_certificate
from .pki import to_asn1_cert, to_crypto_cert
from .signer import SignOptions, _field_state, _has_signatures

# Room for the raw signature in the size estimate: RSA-4096 is 512 bytes, ECDSA P-521 ~139.
PLACEHOLDER_SIGNATURE = 512


class WrongRemoteSignature(SigningError):
    code = "wrong_remote_signature"


@dataclass(frozen=True)
class PreparedSignature:
    """A document in its final pre-signing state, waiting for a raw signature (storable)."""

    prepared_pdf: bytes
    region_start: int
    region_end: int
    document_digest: bytes
    tbs: bytes  # DER of the CMS signed attributes: the data the key signs
    md_algorithm: str = "sha256"

    @property
    def tbs_hash(self) -> bytes:
        """What a sign-a-hash service signs (hashes are hashlib names, e.g. sha256)."""
        return hashlib.new(self.md_algorithm, self.tbs).digest()


class _Capturing(ExternalSigner):
    """ExternalSigner that remembers the data it was asked to sign."""

    captured: bytes | None = None

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if not dry_run:
            self.captured = data
        return await super().async_sign_raw(data, digest_algorithm, dry_run)


def _registry(cert: asn1_x509.Certificate, chain: Sequence) -> SimpleCertificateStore:
    store = SimpleCertificateStore()
    store.register(cert)
    store.register_multiple([to_asn1_cert(c) for c in chain])
    return store


_ATTRS = PdfCMSSignedAttributes()  # PAdES: no signing time, so rebuilding gives the same bytes


def prepare_external(
    pdf: bytes,
    *,
    field_name: str,
    cert: x509.Certificate | asn1_x509.Certificate,
    chain: Sequence[x509.Certificate | asn1_x509.Certificate],
    timestamper: TimeStamper | None,
    certify: bool,
    stamp: StampInfo,
    reason: str | None,
    options: SignOptions | None = None,
) -> PreparedSignature:
    """Fill the field's appearance and reserve the signature; return the data to sign remotely."""
    return asyncio.run(_prepare(pdf, field_name, to_asn1_cert(cert), chain, timestamper, certify, stamp,
                                reason, options or SignOptions()))


async def _prepare(pdf, field_name, cert, chain, timestamper, certify, stamp, reason,
                   options: SignOptions) -> PreparedSignature:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    signed, box = _field_state(writer, field_name)
    if signed:
        raise SigningError(code="field_signed", params={"field_name": field_name}, detail=field_name)
    if certify and _has_signatures(writer):
        raise SigningError(code="certification_must_be_first", detail="certify")
    at = signing_moment(stamp)
    if options.check_certificate:
        check_certificate(cert, expected_name=stamp.full_name, at=at)
    signer = _Capturing(signing_cert=cert, cert_registry=_registry(cert, chain),
                        signature_value=PLACEHOLDER_SIGNATURE)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm=options.md_algorithm, reason=reason, location=options.location,
        certify=certify, docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
        subfilter=sig_fields.SigSeedSubFilter.PADES,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper,
                                   stamp_style=style_for(stamp, at, box, options.appearance))
    try:
        digest, _tbs_doc, output = await pdf_signer.async_digest_doc_for_signing(writer, existing_fields_only=True)
        # The same call the PdfTBSDocument makes later, without a timestamp: captures the signed attributes.
        await signer.async_sign(digest.document_digest, options.md_algorithm, use_pades=True,
                                signed_attr_settings=_ATTRS)
    except TimestampRequestError as exc:
        raise SigningError(code="tsa_failed", detail=repr(exc)) from exc
    except (PyHankoSigningError, PdfError) as exc:
        raise SigningError(detail=repr(exc)) from exc
    assert signer.captured is not None
    assert isinstance(output, io.BytesIO)  # no output stream given: pyHanko writes to memory
    return PreparedSignature(prepared_pdf=output.getvalue(), region_start=digest.reserved_region_start,
                             region_end=digest.reserved_region_end, document_digest=digest.document_digest,
                             tbs=signer.captured, md_algorithm=options.md_algorithm)


def verify_raw_signature(cert: x509.Certificate | asn1_x509.Certificate, tbs: bytes, raw: bytes,
                         md_algorithm: str = "sha256") -> None:
    """Raise WrongRemoteSignature unless ``raw`` is the certificate key's signature over ``tbs``."""
    key = to_crypto_cert(cert).public_key()
    algo = getattr(hashes, md_algorithm.upper())()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(raw, tbs, ec.ECDSA(algo))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(raw, tbs, padding.PKCS1v15(), algo)
        else:
            raise WrongRemoteSignature(detail=f"unsupported key {type(key).__name__}")
    except InvalidSignature as exc:
        raise WrongRemoteSignature(detail="raw signature does not verify over the signed attributes") from exc


def finish_external(
    prepared: PreparedSignature,
    raw_signature: bytes,
    *,
    cert: x509.Certificate | asn1_x509.Certificate,
    chain: Sequence[x509.Certificate | asn1_x509.Certificate],
    timestamper: TimeStamper | None,
) -> bytes:
    """Embed the remote service's raw signature (checked first); return the signed PDF."""
    verify_raw_signature(cert, prepared.tbs, raw_signature, prepared.md_algorithm)
    return asyncio.run(_finish(prepared, raw_signature, to_asn1_cert(cert), chain, timestamper))


async def _finish(prepared: PreparedSignature, raw: bytes, cert, chain, timestamper) -> bytes:
    signer = _Capturing(signing_cert=cert, cert_registry=_registry(cert, chain), signature_value=raw)
    try:
        cms = await signer.async_sign(prepared.document_digest, prepared.md_algorithm, use_pades=True,
                                      timestamper=timestamper, signed_attr_settings=_ATTRS)
    except TimestampRequestError as exc:
        raise SigningError(code="tsa_failed", detail=repr(exc)) from exc
    if signer.captured != prepared.tbs:  # never embed a signature over other attributes
        raise WrongRemoteSignature(detail="signed attributes changed between prepare and finish")
    output = io.BytesIO(prepared.prepared_pdf)
    digest = PreparedByteRangeDigest(prepared.document_digest, prepared.region_start, prepared.region_end)
    try:
        await PdfTBSDocument.async_finish_signing(output, digest, cms)
    except PyHankoSigningError as exc:
        raise SigningError(detail=repr(exc)) from exc
    return output.getvalue()
