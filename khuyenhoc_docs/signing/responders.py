"""What a CA's online services answer: CRLs, OCSP responses (RFC 6960, signed by the CA
itself) and RFC 3161 timestamps. Pure functions over a CA and its revocation list; the demo
PKI server puts them behind HTTP."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from .pki import CertKey
from .tsa import DemoTimeStamper

# Short validity: a demo responder should not be cached for long after a revocation.
NEXT_UPDATE = timedelta(hours=1)
# thisUpdate a little in the past: a validator whose clock is a second behind (or who fixed its
# validation moment just before asking) would otherwise reject the answer as "too recent".
SKEW = timedelta(minutes=1)
_REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "certificate_hold": x509.ReasonFlags.certificate_hold,
}


class RevokedEntry(Protocol):
    @property
    def serial(self) -> int: ...
    @property
    def revoked_at(self) -> datetime: ...
    @property
    def reason(self) -> str: ...


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - SKEW


def build_crl(ca: CertKey, revoked: Mapping[int, RevokedEntry], *, now: datetime | None = None) -> bytes:
    """A complete CRL (DER) for ``ca`` listing ``revoked``; issued now, valid one hour."""
    now = now or _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now)
        .next_update(now + NEXT_UPDATE)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    for entry in revoked.values():
        rc = (x509.RevokedCertificateBuilder().serial_number(entry.serial).revocation_date(entry.revoked_at)
              .add_extension(x509.CRLReason(_REASONS.get(entry.reason, x509.ReasonFlags.unspecified)),
                             critical=False).build())
        builder = builder.add_revoked_certificate(rc)
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def _key_hash(ca: CertKey, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """(issuer name hash, issuer key hash) as RFC 6960 CertID computes them."""
    name = hashes.Hash(algorithm)
    name.update(ca.cert.subject.public_bytes())
    spki = ca.cert.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    bits = asn1_keys.PublicKeyInfo.load(spki)["public_key"].contents[1:]  # drop the unused-bits byte
    key = hashes.Hash(algorithm)
    key.update(bits)
    return name.finalize(), key.finalize()


def ocsp_response(ca: CertKey, request_der: bytes, revoked: Mapping[int, RevokedEntry],
                  *, now: datetime | None = None) -> bytes:
    """Answer one OCSP request about a certificate of ``ca`` (DER in, DER out).

    Serials not on the revocation list are "good": the demo CA keeps no register of what it
    issued (a production responder answers "unknown" for serials it never issued)."""
    now = now or _now()
    try:
        req = ocsp.load_der_ocsp_request(request_der)
    except ValueError:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.MALFORMED_REQUEST).public_bytes(serialization.Encoding.DER)
    name_hash, key_hash = _key_hash(ca, req.hash_algorithm)
    if req.issuer_key_hash != key_hash or req.issuer_name_hash != name_hash:
        return ocsp.OCSPResponseBuilder.build_unsuccessful(
            ocsp.OCSPResponseStatus.UNAUTHORIZED).public_bytes(serialization.Encoding.DER)
    entry = revoked.get(req.serial_number)
    status = ocsp.OCSPCertStatus.REVOKED if entry else ocsp.OCSPCertStatus.GOOD
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=name_hash, issuer_key_hash=key_hash, serial_number=req.serial_number,
        algorithm=req.hash_algorithm, cert_status=status, this_update=now, next_update=now + NEXT_UPDATE,
        revocation_time=entry.revoked_at if entry else None,
        revocation_reason=_REASONS.get(entry.reason) if entry else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, ca.cert).certificates([ca.cert])
    try:
        nonce = req.extensions.get_extension_for_class(x509.OCSPNonce).value
        builder = builder.add_extension(nonce, critical=False)
    except x509.ExtensionNotFound:
        pass
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def tsa_response(stamper: DemoTimeStamper, request_der: bytes) -> bytes:
    """RFC 3161 TimeStampResp (DER) for a TimeStampReq (DER)."""
    try:
        req = tsp.TimeStampReq.load(request_der)
        _ = req.native  # parse fully: reject garbage here, not deep inside the signer
    except (ValueError, TypeError) as exc:
        raise ValueError("malformed TimeStampReq") from exc
    return stamper.request_tsa_response(req).dump()
