"""Signing credentials of chairs and of organisations: demo certificates, PKCS#12 files, PKCS#11 tokens."""
from __future__ import annotations

from typing import Any, cast, overload

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import rowcount
from .errors import Problem, ValidationFailed
from .models import Organisation, OrganisationCredential, SigningCredential, User
from .pki_store import DemoPki
from .signing import KeyFileInvalid, SignatureCoreError, WrongPassphrase
from .signing.keys import KeySource, Pkcs11KeySource, Pkcs11Options, Pkcs12KeySource, pkcs11_module_allowed
from .signing.pki import CertKey, RevocationUrls, issue_organisation_cert, issue_signing_cert, load_pkcs12, to_pkcs12

MAX_P12_BYTES = 256 * 1024
# Keys the server opens itself with a passphrase/PIN typed at signing time.
LOCAL_KINDS = ("pkcs12", "pkcs11")
# Accounts at a remote signing service: the key stays with the CA (see workflow/remote_signing.py).
REMOTE_KINDS = ("csc", "async_confirm")
KIND_LABELS = {"pkcs12": "Tệp PKCS#12", "pkcs11": "Thiết bị PKCS#11", "csc": "Dịch vụ ký số từ xa (CSC API)",
               "async_confirm": "Dịch vụ ký số từ xa (xác nhận trên ứng dụng)"}


#: who holds a credential: a chair (User) or an organisation (its seal, used by its clerks)
Owner = User | Organisation
Credential = SigningCredential | OrganisationCredential


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()[:500]


def _model(owner: Owner) -> tuple[type[Credential], Any]:
    """The credential table of an owner and its owner column."""
    if isinstance(owner, User):
        return SigningCredential, SigningCredential.user_id
    return OrganisationCredential, OrganisationCredential.organisation_id


def _replace_active(session: Session, owner: Owner, **values: Any) -> Credential:
    """Store a new credential for ``owner`` as its only active one."""
    model, column = _model(owner)
    session.execute(update(model).where(column == owner.id).values(active=False))
    cred = model(**{column.key: owner.id}, **values)
    session.add(cred)
    session.flush()
    return cred


def user_named(session: Session, username: str) -> User | None:
    """The account called ``username`` (for operator commands)."""
    return session.scalar(select(User).where(User.username == username))


def active_certificate_of(session: Session, username: str) -> x509.Certificate | None:
    """The certificate of a user's active signing credential, if any."""
    user = user_named(session, username)
    cred = active_credential(session, user) if user else None
    return x509.load_pem_x509_certificate(cred.cert_pem.encode()) if cred and cred.cert_pem else None


def reissue_demo_credential(session: Session, pki: DemoPki, username: str, hierarchy: str,
                            passphrase: str) -> Credential | None:
    """Operator command: a new demo certificate for ``username`` under a demo hierarchy. Commits."""
    user = user_named(session, username)
    if user is None:
        return None
    cred = issue_demo_credential(session, pki.ca_by_id(hierarchy), user, passphrase, urls=pki.urls(hierarchy))
    session.commit()
    return cred


def issue_demo_credential(session: Session, ca: CertKey, owner: Owner, passphrase: str,
                          urls: RevocationUrls | None = None) -> Credential:
    """A certificate from the demo CA for a chair (the person as subject) or an organisation (the
    organisation as subject), kept as a PKCS#12 encrypted by ``passphrase``; ``urls`` name the demo
    PKI server's OCSP/CRL in the certificate."""
    if isinstance(owner, User):
        ck = issue_signing_cert(ca, full_name=owner.full_name, organisation=owner.organisation.name,
                                position=owner.position or "CHỦ TỊCH",
                                email=owner.email or f"{owner.username}@demo.local", urls=urls)
    else:
        ck = issue_organisation_cert(ca, name=owner.name, email=owner.email, urls=urls)
    return _replace_active(session, owner, kind="pkcs12", pkcs12=to_pkcs12(ck, [ca.cert], passphrase),
                           cert_pem=ck.cert_pem().decode(), subject=_subject(ck.cert),
                           not_after=ck.cert.not_valid_after_utc)


def upload_pkcs12(session: Session, owner: Owner, data: bytes, passphrase: str) -> Credential:
    """Store a chair's or an organisation's own PKCS#12 after checking the passphrase opens it
    (the passphrase is not kept)."""
    if not data or len(data) > MAX_P12_BYTES:
        raise ValidationFailed(code="pkcs12_size")
    try:
        _key, cert, _chain = load_pkcs12(data, passphrase)
    except WrongPassphrase as exc:
        raise ValidationFailed(exc.reason_vi) from exc
    except (KeyFileInvalid, SignatureCoreError) as exc:
        raise ValidationFailed(code="pkcs12_invalid") from exc
    return _replace_active(session, owner, kind="pkcs12", pkcs12=data,
                           cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                           subject=_subject(cert), not_after=cert.not_valid_after_utc)


def register_pkcs11(session: Session, owner: Owner, *, module: str, token: str, key_label: str,
                    cert_pem: str = "") -> Credential:
    """Point a chair or an organisation at a key on a PKCS#11 token (module path, token label, key label)."""
    if not module or not token or not key_label:
        raise ValidationFailed(code="pkcs11_fields_missing")
    if not pkcs11_module_allowed(module):
        # Never load (or even keep) a path outside the allow-list: loading runs the library's code.
        raise ValidationFailed(code="pkcs11_module_not_allowed",
                               fields={"module": Problem("field_pkcs11_module")})
    subject = ""
    if cert_pem:
        try:
            subject = _subject(x509.load_pem_x509_certificate(cert_pem.encode()))
        except ValueError as exc:
            raise ValidationFailed(code="certificate_pem_invalid") from exc
    return _replace_active(session, owner, kind="pkcs11", pkcs11_module=module[:500], pkcs11_token=token[:255],
                           pkcs11_key=key_label[:255], cert_pem=cert_pem, subject=subject)


def register_remote(session: Session, user: User, *, kind: str, url: str, client_id: str, client_secret: str,
                    account: str, seal, keep_secret_from: SigningCredential | None = None) -> SigningCredential:
    """Point a chair (or, later, an organisation seal) at an account of a remote signing service.

    Empty URL/client id/secret fall back to the KHD_* defaults at signing time. ``seal`` encrypts the
    client secret (services.secret_box.seal); an empty secret keeps the previous one of the same kind."""
    if kind not in REMOTE_KINDS:
        raise ValidationFailed(code="remote_kind_invalid")
    if not account:
        raise ValidationFailed(code="remote_credential_id_missing", fields={"account": Problem("field_required")})
    if url and not url.startswith(("https://", "http://")):
        raise ValidationFailed(code="remote_url_scheme",
                               fields={"url": Problem("field_invalid")})
    sealed = seal(client_secret) if client_secret else ""
    if not sealed and keep_secret_from is not None and keep_secret_from.kind == kind:
        sealed = keep_secret_from.client_secret_enc
    cred = _replace_active(session, user, kind=kind, provider_url=url[:500], client_id=client_id[:255],
                           client_secret_enc=sealed, account=account[:255], cert_pem="", subject="")
    assert isinstance(cred, SigningCredential)
    return cred


@overload
def active_credential(session: Session, owner: User | None) -> SigningCredential | None: ...
@overload
def active_credential(session: Session, owner: Organisation) -> OrganisationCredential | None: ...
def active_credential(session: Session, owner: Owner | None) -> Credential | None:
    """The current credential of a chair or an organisation (None when it has none or it was stopped)."""
    if owner is None:
        return None
    model, column = _model(owner)
    return cast(Credential | None, session.scalar(select(model).where(column == owner.id, model.active.is_(True))))


def deactivate_credentials(session: Session, owner: Owner) -> int:
    """Stop every credential of a chair or an organisation (e.g. merged into another); returns how many."""
    model, column = _model(owner)
    result = session.execute(update(model).where(column == owner.id, model.active.is_(True)).values(active=False))
    session.flush()
    return rowcount(result)


def key_source(cred: Credential, secret: str, chain: list[x509.Certificate]) -> KeySource:
    """Open a credential with the passphrase or PIN typed at signing time (never stored).

    Raises WrongPassphrase (PKCS#12, at once) or WrongPin (PKCS#11, when opened). For an
    organisation's key the caller first checks ``access.ensure(p, "organisation.seal", org)`` and
    audits the use."""
    if not cred.active:
        raise ValidationFailed(code="credential_retired")
    if isinstance(cred, OrganisationCredential):
        from .succession import ensure_can_sign

        ensure_can_sign(cred.organisation)  # merged or dissolved: its seal stops from the effective date
    if cred.kind in REMOTE_KINDS:
        raise ValidationFailed(code="credential_is_remote")
    if cred.kind == "pkcs11":
        return Pkcs11KeySource(Pkcs11Options(module_path=cred.pkcs11_module, token_label=cred.pkcs11_token,
                                             key_label=cred.pkcs11_key, pin=secret), chain=chain)
    assert cred.pkcs12 is not None
    return Pkcs12KeySource(cred.pkcs12, secret)


def common_name(cert_pem: str) -> str:
    """CN of a PEM certificate (for display)."""
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""
