"""Revocation status of a signer's certificate: from the OCSP responses and CRLs embedded in
the PDF (DSS, B-LT) and, when allowed, from the CA's responders named in the certificate.

Every answer is checked (issuer, signature) before it is believed; the status says where it
came from and when, because the report must (Vietnamese verifiers check CRL/OCSP)."""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from .report_vi import REASONS_VI, REVOCATION_STATES_VI

GOOD, REVOKED, UNKNOWN, UNAVAILABLE, NOT_PUBLISHED = "good", "revoked", "unknown", "unavailable", "not_published"


@dataclass(frozen=True)
class RevocationStatus:
    state: str  # good | revoked | unknown | unavailable | not_published
    source: str | None = None  # "OCSP" | "CRL"
    produced_at: datetime | None = None  # when the responder/CRL issuer made the answer
    revoked_at: datetime | None = None
    reason: str | None = None
    embedded: bool = False  # found in the document (DSS) rather than fetched now
    url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(self).items()}
        out["state_vi"] = REVOCATION_STATES_VI.get(self.state, self.state)
        out["reason_vi"] = REASONS_VI.get(self.reason or "", self.reason) if self.reason else None
        return out


def _urls(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    ocsp_urls: list[str] = []
    crl_urls: list[str] = []
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
        ocsp_urls = [d.access_location.value for d in aia
                     if d.access_method == AuthorityInformationAccessOID.OCSP]
    except x509.ExtensionNotFound:
        pass
    try:
        cdp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        crl_urls = [n.value for dp in cdp for n in (dp.full_name or ()) if isinstance(n, x509.UniformResourceIdentifier)]
    except x509.ExtensionNotFound:
        pass
    return ocsp_urls, crl_urls


def _verify(key: Any, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None) -> bool:
    if algorithm is None:  # Ed25519/Ed448 responders: not used by the CAs we trust
        return False
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        else:
            return False
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def _responder_keys(resp: ocsp.OCSPResponse, issuer: x509.Certificate) -> list[Any]:
    """The issuer itself, or a delegated responder it certified for OCSP signing."""
    keys = [issuer.public_key()]
    for cert in resp.certificates:
        try:
            cert.verify_directly_issued_by(issuer)
            eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
            continue
        if ExtendedKeyUsageOID.OCSP_SIGNING in eku:
            keys.append(cert.public_key())
    return keys


def _from_ocsp(der: bytes, cert: x509.Certificate, issuer: x509.Certificate, *, embedded: bool,
               url: str | None = None) -> RevocationStatus | None:
    try:
        resp = ocsp.load_der_ocsp_response(der)
        if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return None
        if not any(_verify(k, resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm)
                   for k in _responder_keys(resp, issuer)):
            return None
        for single in resp.responses:
            if single.serial_number != cert.serial_number:
                continue
            name_hash = hashes.Hash(single.hash_algorithm)
            name_hash.update(issuer.subject.public_bytes())
            if name_hash.finalize() != single.issuer_name_hash:
                continue
            state = {ocsp.OCSPCertStatus.GOOD: GOOD, ocsp.OCSPCertStatus.REVOKED: REVOKED}.get(
                single.certificate_status, UNKNOWN)
            return RevocationStatus(
                state=state, source="OCSP", produced_at=resp.produced_at_utc, embedded=embedded, url=url,
                revoked_at=single.revocation_time_utc, reason=single.revocation_reason.name
                if single.revocation_reason else None)
    except (ValueError, TypeError):
        return None
    return None


def _from_crl(der: bytes, cert: x509.Certificate, issuer: x509.Certificate, *, embedded: bool,
              url: str | None = None) -> RevocationStatus | None:
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError:
        return None
    # The issuer's key types are the ones a CRL can be signed with (cryptography's unions differ in width).
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
        return None
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    if entry is None:
        return RevocationStatus(GOOD, "CRL", crl.last_update_utc, embedded=embedded, url=url)
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        reason = None
    return RevocationStatus(REVOKED, "CRL", crl.last_update_utc, entry.revocation_date_utc, reason,
                            embedded=embedded, url=url)


def _fetch(cert: x509.Certificate, issuer: x509.Certificate, ocsp_urls: list[str], crl_urls: list[str],
           timeout: float) -> RevocationStatus | None:
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()
    body = req.public_bytes(serialization.Encoding.DER)
    for url in ocsp_urls:
        answer = _http(url, body, timeout)
        status = _from_ocsp(answer, cert, issuer, embedded=False, url=url) if answer is not None else None
        if status is not None:
            return status
    for url in crl_urls:
        answer = _http(url, None, timeout)
        status = _from_crl(answer, cert, issuer, embedded=False, url=url) if answer is not None else None
        if status is not None:
            return status
    return None


def _http(url: str, ocsp_request: bytes | None, timeout: float) -> bytes | None:
    """The body of a successful answer (POST of an OCSP request, else GET), None on any failure.
    The standard library's client: requests and urllib3 would add ~4 MB to a worker that signed."""
    import http.client
    import urllib.request

    from .sessions import tls_context

    if not url.lower().startswith(("http://", "https://")):
        return None  # urllib would also open file:, ftp: and data: URLs a certificate names
    headers = {"Content-Type": "application/ocsp-request"} if ocsp_request is not None else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=ocsp_request, headers=headers),
                                    timeout=timeout, context=tls_context()) as answer:
            return bytes(answer.read())
    except (OSError, ValueError, http.client.HTTPException):  # URLError/HTTPError, timeouts, bad URLs
        return None


class OnlineAnswers:
    """The online answers for certificates a validation will judge, asked for in background threads
    as it starts, so the requests wait beside pyHanko's (CPU-bound) work instead of after it.
    ``check_revocation`` takes an answer from here when it has one for the same pair."""

    def __init__(self, pairs: Sequence[tuple[x509.Certificate, x509.Certificate]], timeout: float = 5.0) -> None:
        from concurrent.futures import ThreadPoolExecutor

        wanted = {_pair_key(cert, issuer): (cert, issuer) for cert, issuer in pairs if any(_urls(cert))}
        self._pool = ThreadPoolExecutor(max_workers=min(4, len(wanted)) or 1, thread_name_prefix="revocation")
        self._answers = {key: self._pool.submit(_fetch_now, cert, issuer, timeout)
                         for key, (cert, issuer) in wanted.items()}

    def take(self, cert: x509.Certificate, issuer: x509.Certificate) -> Future[RevocationStatus | None] | None:
        return self._answers.pop(_pair_key(cert, issuer), None)

    def close(self) -> None:
        """Stop what was not needed (nothing waits for a request already under way)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _fetch_now(cert: x509.Certificate, issuer: x509.Certificate, timeout: float) -> RevocationStatus | None:
    # _fetch looked up as the thread runs (a validation child process replaces it)
    return _fetch(cert, issuer, *_urls(cert), timeout)


def _pair_key(cert: x509.Certificate, issuer: x509.Certificate) -> tuple[bytes, bytes]:
    return cert.public_bytes(serialization.Encoding.DER), issuer.public_bytes(serialization.Encoding.DER)


def check_revocation(cert: x509.Certificate, issuer: x509.Certificate, *,
                     embedded_ocsps: Sequence[bytes] = (), embedded_crls: Sequence[bytes] = (),
                     online: bool = True, timeout: float = 5.0,
                     answers: OnlineAnswers | None = None) -> RevocationStatus:
    """The freshest trustworthy answer: fetched now when possible (it also knows revocations
    dated back before the signature), else the newest one embedded at signing time.
    ``answers``: online answers already asked for in this validation (see ``OnlineAnswers``)."""
    ocsp_urls, crl_urls = _urls(cert)
    if online and (ocsp_urls or crl_urls):
        asked = answers.take(cert, issuer) if answers is not None else None
        fetched = asked.result() if asked is not None else _fetch(cert, issuer, ocsp_urls, crl_urls, timeout)
        if fetched is not None:
            return fetched
    found = [s for s in (*(_from_ocsp(d, cert, issuer, embedded=True) for d in embedded_ocsps),
                         *(_from_crl(d, cert, issuer, embedded=True) for d in embedded_crls)) if s is not None]
    revoked = [s for s in found if s.state == REVOKED]
    if revoked:
        return revoked[0]
    if found:
        return max(found, key=lambda s: s.produced_at or datetime.min.replace(tzinfo=UTC))
    if not (ocsp_urls or crl_urls):
        return RevocationStatus(NOT_PUBLISHED)
    return RevocationStatus(UNAVAILABLE, url=(ocsp_urls or crl_urls)[0])
