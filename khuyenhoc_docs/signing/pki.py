"""Demo PKI: a self-made CA, signing certificates for the chairs, a TSA
certificate, and PKCS#12 import/export.

Production certificates come from the Government Cipher Committee's CA or
commercial CAs (Decree 68/2024, 23/2025); this module only serves demos and
tests. Certificates are ``cryptography`` objects; ``CertKey.asn1_cert`` gives
the asn1crypto form pyHanko wants.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from asn1crypto import pkcs12 as asn1_pkcs12
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from . import KeyFileInvalid, WrongPassphrase

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# id-kp-documentSigning (RFC 9336); emailProtection is kept alongside because
# NSS (poppler's pdfsig) verifies PDF signers with the e-mail signer usage.
EKU_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


class KeyType(enum.Enum):
    RSA_2048 = "rsa-2048"
    EC_P256 = "ec-p256"


# EC P-256: key generation ~1 ms (RSA ~50-150 ms) and signing is cheap;
# poppler/NSS and pyHanko both verify ECDSA (checked in tests with pdfsig).
DEFAULT_KEY_TYPE = KeyType.EC_P256


@dataclass(frozen=True)
class RevocationUrls:
    """Where a CA publishes revocation data: written into the certificates it
    issues (AIA OCSP + caIssuers, CRL distribution point)."""

    ocsp: str
    crl: str
    ca_issuers: str

    def extensions(self) -> list[tuple[x509.ExtensionType, bool]]:
        aia = x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                   x509.UniformResourceIdentifier(self.ocsp)),
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                   x509.UniformResourceIdentifier(self.ca_issuers)),
        ])
        cdp = x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(self.crl)], relative_name=None,
            reasons=None, crl_issuer=None)])
        return [(aia, False), (cdp, False)]


@dataclass(frozen=True)
class CertKey:
    """A certificate with its private key (``cryptography`` objects)."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def asn1_cert(self) -> asn1_x509.Certificate:
        return to_asn1_cert(self.cert)

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, passphrase: str | bytes | None = None) -> bytes:
        """PKCS#8 PEM (the format softhsm2-util --import expects)."""
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(_pw(passphrase))
            if passphrase
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )

    @classmethod
    def from_pem(
        cls, cert_pem: bytes, key_pem: bytes, passphrase: str | bytes | None = None
    ) -> CertKey:
        cert = x509.load_pem_x509_certificate(cert_pem)
        try:
            key = serialization.load_pem_private_key(
                key_pem, _pw(passphrase) if passphrase else None
            )
        except (ValueError, TypeError) as exc:
            if b"ENCRYPTED" in key_pem:
                raise WrongPassphrase(detail=str(exc)) from exc
            raise KeyFileInvalid(detail=str(exc)) from exc
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise KeyFileInvalid(detail=f"unsupported key type {type(key).__name__}")
        return cls(cert=cert, key=key)


def to_asn1_cert(cert: x509.Certificate | asn1_x509.Certificate) -> asn1_x509.Certificate:
    """Accept either certificate flavour; return asn1crypto's."""
    if isinstance(cert, asn1_x509.Certificate):
        return parsed(cert)
    return _asn1_from_der(cert.public_bytes(serialization.Encoding.DER))


@lru_cache(maxsize=256)
def _asn1_from_der(der: bytes) -> asn1_x509.Certificate:
    # The same few certificates (trust roots, the TSA's, the signers') are converted for every
    # signing and validation (~2 ms each to parse to the leaves, ~30 times per issuance); the parsed
    # object is only read afterwards, so one per certificate is shared (see ``parsed``).
    return parsed(asn1_x509.Certificate.load(der))


def parsed(cert: asn1_x509.Certificate) -> asn1_x509.Certificate:
    """``cert`` parsed to the leaves now: asn1crypto parses lazily and its parsing is not thread-safe,
    and key sources hand one certificate object to concurrent signers."""
    _ = cert.native
    return cert


def to_crypto_cert(cert: x509.Certificate | asn1_x509.Certificate) -> x509.Certificate:
    """Accept either certificate flavour; return cryptography's."""
    if isinstance(cert, x509.Certificate):
        return cert
    return x509.load_der_x509_certificate(cert.dump())


def _pw(passphrase: str | bytes) -> bytes:
    # NFC: the same Vietnamese passphrase typed on different keyboards/OSes
    # may arrive composed or decomposed; both must open the same file.
    if isinstance(passphrase, str):
        return unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return passphrase


def _new_key(key_type: KeyType) -> PrivateKey:
    if key_type is KeyType.RSA_2048:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def create_demo_ca(
    common_name: str,
    validity_years: int,
    *,
    organisation: str = "Khuyến học Demo",
    key_type: KeyType = DEFAULT_KEY_TYPE,
) -> CertKey:
    """Self-signed root CA for demos and tests (never for production)."""
    key = _new_key(key_type)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    start = _now() - timedelta(minutes=5)  # tolerate small clock skew
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * validity_years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return CertKey(cert=cert, key=key)


def _issue(
    ca: CertKey,
    subject: x509.Name,
    key: PrivateKey,
    *,
    not_before: datetime | None,
    not_after: datetime | None,
    default_days: int,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    start = not_before or (_now() - timedelta(minutes=5))
    end = not_after or min(start + timedelta(days=default_days), ca.cert.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    for ext, critical in extensions:
        builder = builder.add_extension(ext, critical=critical)
    return builder.sign(ca.key, hashes.SHA256())


def issue_signing_cert(
    ca: CertKey,
    *,
    full_name: str,
    organisation: str,
    position: str,
    email: str,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    key_usage_sign: bool = True,
    key_type: KeyType = DEFAULT_KEY_TYPE,
    urls: RevocationUrls | None = None,
) -> CertKey:
    """Signing certificate for a chair: CN=full name, O=organisation,
    title=position (UTF8String, NFC). ``key_usage_sign=False`` issues an
    encipherment-only certificate (to exercise refusal paths)."""
    key = _new_key(key_type)
    nfc = lambda s: unicodedata.normalize("NFC", s)  # noqa: E731
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, nfc(organisation)),
            x509.NameAttribute(NameOID.TITLE, nfc(position)),
            x509.NameAttribute(NameOID.COMMON_NAME, nfc(full_name)),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=key_usage_sign, content_commitment=key_usage_sign,
        key_encipherment=not key_usage_sign, data_encipherment=False,
        key_agreement=False, key_cert_sign=False, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )
    cert = _issue(
        ca, subject, key, not_before=not_before, not_after=not_after, default_days=730,
        extensions=[
            (usage, True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING]), False),
            (x509.SubjectAlternativeName([x509.RFC822Name(email)]), False),
            *(urls.extensions() if urls else []),
        ],
    )
    return CertKey(cert=cert, key=key)


def issue_organisation_cert(
    ca: CertKey,
    *,
    name: str,
    email: str = "",
    not_after: datetime | None = None,
    key_type: KeyType = DEFAULT_KEY_TYPE,
    urls: RevocationUrls | None = None,
) -> CertKey:
    """Signing certificate of an organisation itself (its "chữ ký số của cơ quan, tổ chức"):
    CN = O = the organisation's name (NFC), signing key usages as for a chair."""
    key = _new_key(key_type)
    nfc = unicodedata.normalize("NFC", name)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, nfc),
            x509.NameAttribute(NameOID.COMMON_NAME, nfc),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False,
        crl_sign=False, encipher_only=False, decipher_only=False,
    )
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (usage, True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, EKU_DOCUMENT_SIGNING]), False),
    ]
    if email:
        extensions.append((x509.SubjectAlternativeName([x509.RFC822Name(email)]), False))
    extensions += urls.extensions() if urls else []
    cert = _issue(ca, subject, key, not_before=None, not_after=not_after, default_days=730,
                  extensions=extensions)
    return CertKey(cert=cert, key=key)


def issue_tsa_cert(ca: CertKey, *, common_name: str = "Khuyến học Demo TSA",
                   urls: RevocationUrls | None = None, not_after: datetime | None = None) -> CertKey:
    """Time-stamping authority certificate (EKU timeStamping, critical, as
    RFC 3161 requires). RSA because pyHanko's DummyTimeStamper is RSA-only."""
    key = _new_key(KeyType.RSA_2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Khuyến học Demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=True, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=False,
        crl_sign=False, encipher_only=False, decipher_only=False,
    )
    cert = _issue(
        ca, subject, key, not_before=None, not_after=not_after, default_days=3650,
        extensions=[
            (usage, True),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            *(urls.extensions() if urls else []),
        ],
    )
    return CertKey(cert=cert, key=key)


def to_pkcs12(certkey: CertKey, chain: list[x509.Certificate] | tuple[x509.Certificate, ...],
              passphrase: str | bytes) -> bytes:
    """PKCS#12 (AES-256/PBKDF2 via cryptography's best available encryption)."""
    cn = certkey.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    friendly = str(cn[0].value).encode("utf-8") if cn else None
    return pkcs12.serialize_key_and_certificates(
        friendly,
        certkey.key,
        certkey.cert,
        [to_crypto_cert(c) for c in chain] or None,
        serialization.BestAvailableEncryption(_pw(passphrase)),
    )


def load_pkcs12(
    data: bytes, passphrase: str | bytes | None
) -> tuple[PrivateKey, x509.Certificate, list[x509.Certificate]]:
    """Return (key, cert, chain); ``WrongPassphrase`` if the passphrase does not
    open a well-formed PKCS#12, ``KeyFileInvalid`` if the file is malformed."""
    try:
        _ = asn1_pkcs12.Pfx.load(data).native  # structural check only, no crypto
    except Exception as exc:  # asn1crypto raises assorted errors on garbage
        raise KeyFileInvalid(detail=f"not a PKCS#12 structure: {exc}") from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, _pw(passphrase) if passphrase else None
        )
    except ValueError as exc:
        # The structure parsed, so a failure here is the MAC/decryption.
        raise WrongPassphrase(detail=str(exc)) from exc
    if key is None or cert is None:
        raise KeyFileInvalid(detail="PKCS#12 holds no key or no certificate")
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise KeyFileInvalid(detail=f"unsupported key type {type(key).__name__}")
    return key, cert, list(extra)
