"""Key sources (PKCS#12 file, PKCS#11 token) behind one protocol, and the
pre-signing certificate check with Vietnamese refusal reasons."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import pkcs11
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, find_token
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from ..pkcs11_allow import allow_pkcs11_modules, pkcs11_module_allowed  # noqa: F401 (re-exported)
from . import CertificateRefused, SigningError, WrongPin
from .pki import PrivateKey, load_pkcs12, parsed, to_asn1_cert, to_crypto_cert

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class SigningKey:
    """An opened key: a pyHanko signer plus its certificate and chain."""

    signer: Signer
    cert: asn1_x509.Certificate
    chain: tuple[asn1_x509.Certificate, ...]


class KeySource(Protocol):
    """Anything that can lend a signer for the duration of a ``with``."""

    def open(self) -> AbstractContextManager[SigningKey]: ...


class CachedKeySigner(SimpleSigner):
    """SimpleSigner that keeps the parsed private key.

    pyHanko's SimpleSigner re-parses the DER key on every signature (and the
    size-estimation dry run), which for RSA includes the expensive key
    consistency check (~37 ms measured). The parsed key is reused here."""

    def __init__(self, cert: asn1_x509.Certificate, key: PrivateKey,
                 registry: SimpleCertificateStore) -> None:
        kinfo = asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        )
        super().__init__(signing_cert=cert, signing_key=kinfo, cert_registry=registry)
        self._pyca_key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mech = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key = self._pyca_key
        if mech == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        if mech == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        # PSS and anything exotic: let pyHanko handle the parameters.
        return super().sign_raw(data, digest_algorithm)


class Pkcs12KeySource:
    """Key from a PKCS#12 file. The file is decrypted once, at construction
    (so a wrong passphrase fails early with ``WrongPassphrase``); every
    ``open()`` reuses the parsed key."""

    def __init__(self, p12_bytes: bytes, passphrase: str | bytes | None) -> None:
        key, cert, chain = load_pkcs12(p12_bytes, passphrase)
        self._cert = to_asn1_cert(cert)
        self._chain = tuple(to_asn1_cert(c) for c in chain)
        registry = SimpleCertificateStore()
        registry.register_multiple(self._chain)
        self._signer = CachedKeySigner(self._cert, key, registry)

    @property
    def certificate(self) -> asn1_x509.Certificate:
        return self._cert

    @contextmanager
    def open(self) -> Iterator[SigningKey]:
        yield SigningKey(signer=self._signer, cert=self._cert, chain=self._chain)


@dataclass(frozen=True)
class Pkcs11Options:
    """Where the key lives on a PKCS#11 token. ``cert_label`` defaults to
    ``key_label`` (the usual convention: key and certificate share label/id)."""

    module_path: str
    token_label: str
    key_label: str
    pin: str
    cert_label: str | None = None
    # Hash in software and send the token the raw digest (CKM_ECDSA)? None:
    # yes for EC keys, since many tokens (SoftHSM2 among them) lack
    # CKM_ECDSA_SHA256 but all have CKM_ECDSA.
    use_raw_mechanism: bool | None = None


# PKCS#11 state is per process, so it is shared here:
# - one loaded module per path: python-pkcs11 calls C_Initialize for every
#   ``pkcs11.lib(...)``, which fails while the module is already initialised;
# - one login per token: login state belongs to the application, not the
#   session. A second C_Login fails (USER_ALREADY_LOGGED_IN) and closing a
#   logged-in session logs *every* session out. So the first ``open()`` logs in
#   on a dedicated session kept while any user remains; each ``open()`` signs
#   on its own extra session (user state comes with the login);
# - calls into one module are serialised: python-pkcs11 initialises modules
#   without locking arguments, so a module may assume one thread at a time.
@dataclass
class _Module:
    lib: Any
    lock: threading.Lock = field(default_factory=threading.Lock)
    logins: dict[str, _Login] = field(default_factory=dict)  # by token label


@dataclass
class _Login:
    session: Any
    pin_digest: bytes
    users: int = 0


_MODULES: dict[str, _Module] = {}
_MODULES_LOCK = threading.Lock()
# The allow-list of module paths lives in ..pkcs11_allow (set by Services without importing this module).


def _module(path: str) -> _Module:
    if not pkcs11_module_allowed(path):
        raise SigningError(code="pkcs11_module_refused",
                           detail=f"module not allowed: {path[:200]!r}")
    path = os.path.realpath(path)
    with _MODULES_LOCK:
        module = _MODULES.get(path)
        if module is None:
            try:
                module = _MODULES[path] = _Module(lib=pkcs11.lib(path))
            except pkcs11.exceptions.PKCS11Error as exc:
                raise SigningError(
                    code="pkcs11_load_failed", detail=repr(exc)
                ) from exc
        return module


def _pin_digest(pin: str) -> bytes:
    return hashlib.sha256(pin.encode("utf-8")).digest()


class LockedPkcs11Signer(PKCS11Signer):
    """PKCS11Signer whose token operations hold the module lock."""

    module_lock: threading.Lock

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
        if dry_run:  # placeholder bytes only, no token access
            return await super().async_sign_raw(data, digest_algorithm, dry_run=True)
        with self.module_lock:
            return await super().async_sign_raw(data, digest_algorithm)


class Pkcs11KeySource:
    """Key on a PKCS#11 token (SoftHSM2, USB token, HSM). Each ``open()``
    gets its own session (any number of documents can be signed inside one
    ``with``); concurrent ``open()``s from several threads share the token's
    single login. A wrong PIN raises ``WrongPin``."""

    def __init__(self, options: Pkcs11Options, *,
                 chain: Sequence[x509.Certificate | asn1_x509.Certificate] = ()) -> None:
        self.options = options
        self._chain = tuple(to_asn1_cert(c) for c in chain)

    def _acquire(self, module: _Module) -> tuple[_Login, Any]:
        """(login, work session); caller holds ``module.lock``."""
        opts = self.options
        login = module.logins.get(opts.token_label)
        if login is not None and not hmac.compare_digest(login.pin_digest, _pin_digest(opts.pin)):
            raise WrongPin(detail="PIN differs from the active login")
        try:
            token = find_token(module.lib.get_slots(), token_criteria=TokenCriteria(label=opts.token_label))
            if token is None:
                raise SigningError(code="token_not_found", params={"token_label": opts.token_label},
                                   detail=f"no token labelled {opts.token_label!r}")
            if login is None:
                login = _Login(token.open(user_pin=opts.pin), _pin_digest(opts.pin))
                module.logins[opts.token_label] = login
            work = token.open()  # no PIN: inherits the application's login
        except (pkcs11.exceptions.PinIncorrect, pkcs11.exceptions.PinLenRange,
                pkcs11.exceptions.PinInvalid) as exc:
            raise WrongPin(detail=type(exc).__name__) from exc
        except pkcs11.exceptions.PinLocked as exc:
            raise WrongPin(code="pin_locked", detail="PinLocked") from exc
        except pkcs11.exceptions.PKCS11Error as exc:
            raise SigningError(code="token_session_failed",
                               detail=repr(exc)) from exc
        login.users += 1
        return login, work

    def _release(self, module: _Module, login: _Login, work: Any) -> None:
        with module.lock:
            try:
                work.close()
            finally:
                login.users -= 1
                if login.users == 0:
                    module.logins.pop(self.options.token_label, None)
                    login.session.close()  # logs out

    @contextmanager
    def open(self) -> Iterator[SigningKey]:
        opts = self.options
        module = _module(opts.module_path)
        with module.lock:
            login, work = self._acquire(module)
        try:
            with module.lock:
                signer = LockedPkcs11Signer(
                    work,
                    key_label=opts.key_label,
                    cert_label=opts.cert_label or opts.key_label,
                    ca_chain=list(self._chain),  # default: pull no other certs from the token
                )
                signer.module_lock = module.lock
                cert = parsed(signer.signing_cert)  # loads key + cert handles now, under the lock
        except Exception as exc:  # pyHanko/python-pkcs11 raise assorted types
            self._release(module, login, work)
            raise SigningError(
                code="token_key_missing",
                detail=repr(exc),
            ) from exc
        raw = opts.use_raw_mechanism
        signer.use_raw_mechanism = (cert.public_key.algorithm == "ec") if raw is None else raw
        try:
            yield SigningKey(signer=signer, cert=cert, chain=self._chain)
        finally:
            self._release(module, login, work)


# --- certificate check -------------------------------------------------------

def _norm_name(name: str) -> str:
    # NFC + casefold + single spaces: "Đặng  thị Hoa" (NFD) == "Đặng Thị Hoa"
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _fmt_date(dt: datetime) -> str:
    return dt.astimezone(VN_TZ).strftime("%d/%m/%Y")


def cert_attr(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    attrs = cert.subject.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else None


def check_certificate(
    cert: x509.Certificate | asn1_x509.Certificate, *, expected_name: str, at: datetime
) -> None:
    """Refuse a certificate that may not sign for ``expected_name`` at ``at``.

    Raises ``CertificateRefused`` with a Vietnamese reason: expired, not yet
    valid, no digitalSignature/nonRepudiation key usage, or subject CN not the
    chair's full name (compared NFC + casefold)."""
    c = to_crypto_cert(cert)
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    if at > c.not_valid_after_utc:
        raise CertificateRefused(
            code="certificate_expired", params={"date": _fmt_date(c.not_valid_after_utc)},
            detail="expired",
        )
    if at < c.not_valid_before_utc:
        raise CertificateRefused(
            code="certificate_not_yet_valid", params={"date": _fmt_date(c.not_valid_before_utc)},
            detail="not yet valid",
        )
    try:
        ku = c.extensions.get_extension_for_class(x509.KeyUsage).value
        usable = ku.digital_signature and ku.content_commitment
    except x509.ExtensionNotFound:
        usable = False  # a document-signing certificate must state its usage
    if not usable:
        raise CertificateRefused(
            code="certificate_not_for_signing",
            detail="key usage",
        )
    cn = cert_attr(c, NameOID.COMMON_NAME) or ""
    if _norm_name(cn) != _norm_name(expected_name):
        raise CertificateRefused(
            code="certificate_other_person", params={"cn": cn, "expected_name": expected_name},
            detail="subject mismatch",
        )
