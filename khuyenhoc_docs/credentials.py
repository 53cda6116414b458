"""Signing credentials of chairs and of organisations: demo certificates, PKCS#12 files, PKCS#11 tokens."""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import rowcount
from .errors import ValidationFailed
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


def _subject(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()[:500]


def _replace_active(session: Session, user: User, cred: SigningCredential) -> SigningCredential:
    session.execute(update(SigningCredential).where(SigningCredential.user_id == user.id).values(active=False))
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
                            passphrase: str) -> SigningCredential | None:
    """Operator command: a new demo certificate for ``username`` under a demo hierarchy. Commits."""
    user = user_named(session, username)
    if user is None:
        return None
    cred = issue_demo_credential(session, pki.ca_by_id(hierarchy), user, passphrase, urls=pki.urls(hierarchy))
    session.commit()
    return cred


def issue_demo_credential(session: Session, ca: CertKey, user: User, passphrase: str,
                          urls: RevocationUrls | None = None) -> SigningCredential:
    """A certificate from the demo CA for ``user``, kept as a PKCS#12 encrypted by ``passphrase``;
    ``urls`` name the demo PKI server's OCSP/CRL in the certificate."""
    ck = issue_signing_cert(ca, full_name=user.full_name, organisation=user.organisation.name,
                            position=user.position or "CHỦ TỊCH", email=user.email or f"{user.username}@demo.local",
                            urls=urls)
    p12 = to_pkcs12(ck, [ca.cert], passphrase)
    return _replace_active(session, user, SigningCredential(
        user_id=user.id, kind="pkcs12", pkcs12=p12, cert_pem=ck.cert_pem().decode(), subject=_subject(ck.cert),
        not_after=ck.cert.not_valid_after_utc,
    ))


def upload_pkcs12(session: Session, user: User, data: bytes, passphrase: str) -> SigningCredential:
    """Store a chair's own PKCS#12 after checking the passphrase opens it (the passphrase is not kept)."""
    if not data or len(data) > MAX_P12_BYTES:
        raise ValidationFailed("Tệp PKCS#12 trống hoặc quá lớn (tối đa 256 KB).")
    try:
        _key, cert, _chain = load_pkcs12(data, passphrase)
    except WrongPassphrase as exc:
        raise ValidationFailed(exc.reason_vi) from exc
    except (KeyFileInvalid, SignatureCoreError) as exc:
        raise ValidationFailed("Tệp không phải PKCS#12 (.p12/.pfx) hợp lệ.") from exc
    return _replace_active(session, user, SigningCredential(
        user_id=user.id, kind="pkcs12", pkcs12=data, cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        subject=_subject(cert), not_after=cert.not_valid_after_utc,
    ))


def register_pkcs11(session: Session, user: User, *, module: str, token: str, key_label: str,
                    cert_pem: str = "") -> SigningCredential:
    """Point a chair at a key on a PKCS#11 token (module path, token label, key label)."""
    if not module or not token or not key_label:
        raise ValidationFailed("Cần nhập thư viện PKCS#11, nhãn token và nhãn khoá.")
    if not pkcs11_module_allowed(module):
        # Never load (or even keep) a path outside the allow-list: loading runs the library's code.
        raise ValidationFailed("Thư viện PKCS#11 không nằm trong danh sách được phép (KHD_PKCS11_MODULES).",
                               fields={"module": "Chọn một thư viện trong danh sách được phép."})
    subject = ""
    if cert_pem:
        try:
            cert = x509.load_pem_x509_certificate(cert_pem.encode())
            subject = _subject(cert)
        except ValueError as exc:
            raise ValidationFailed("Chứng thư số (PEM) không hợp lệ.") from exc
    return _replace_active(session, user, SigningCredential(
        user_id=user.id, kind="pkcs11", pkcs11_module=module[:500], pkcs11_token=token[:255],
        pkcs11_key=key_label[:255], cert_pem=cert_pem, subject=subject,
    ))


def register_remote(session: Session, user: User, *, kind: str, url: str, client_id: str, client_secret: str,
                    account: str, seal, keep_secret_from: SigningCredential | None = None) -> SigningCredential:
    """Point a chair (or, later, an organisation seal) at an account of a remote signing service.

    Empty URL/client id/secret fall back to the KHD_* defaults at signing time. ``seal`` encrypts the
    client secret (services.secret_box.seal); an empty secret keeps the previous one of the same kind."""
    if kind not in REMOTE_KINDS:
        raise ValidationFailed("Loại dịch vụ ký số từ xa không hợp lệ.")
    if not account:
        raise ValidationFailed("Cần nhập mã tài khoản ký số (credential ID của CSC hoặc mã người dùng "
                               "tại nhà cung cấp, ví dụ số CCCD).", fields={"account": "Bắt buộc."})
    if url and not url.startswith(("https://", "http://")):
        raise ValidationFailed("Địa chỉ dịch vụ phải bắt đầu bằng https:// (hoặc http:// khi thử nghiệm).",
                               fields={"url": "Không hợp lệ."})
    sealed = seal(client_secret) if client_secret else ""
    if not sealed and keep_secret_from is not None and keep_secret_from.kind == kind:
        sealed = keep_secret_from.client_secret_enc
    return _replace_active(session, user, SigningCredential(
        user_id=user.id, kind=kind, provider_url=url[:500], client_id=client_id[:255], client_secret_enc=sealed,
        account=account[:255], cert_pem="", subject="",
    ))


def active_credential(session: Session, user: User) -> SigningCredential | None:
    """The chair's current credential."""
    return session.scalar(select(SigningCredential).where(SigningCredential.user_id == user.id,
                                                          SigningCredential.active.is_(True)))


def key_source(cred: SigningCredential, secret: str, chain: list[x509.Certificate]) -> KeySource:
    """Open the credential with the passphrase or PIN typed at signing time (never stored)."""
    if cred.kind in REMOTE_KINDS:
        raise ValidationFailed("Chứng thư số của bạn là dịch vụ ký số từ xa; hãy dùng “Ký bằng dịch vụ ký số từ xa”.")
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


# --- organisations' own credentials (the organisation's digital signature) -----------------------

def _replace_org_active(session: Session, org: Organisation, cred: OrganisationCredential) -> OrganisationCredential:
    session.execute(update(OrganisationCredential).where(OrganisationCredential.organisation_id == org.id)
                    .values(active=False))
    session.add(cred)
    session.flush()
    return cred


def issue_demo_org_credential(session: Session, ca: CertKey, org: Organisation,
                              passphrase: str, urls: RevocationUrls | None = None) -> OrganisationCredential:
    """A certificate from the demo CA with the organisation as subject, kept as an encrypted PKCS#12;
    ``urls`` name the demo PKI server's OCSP/CRL in the certificate."""
    ck = issue_organisation_cert(ca, name=org.name, email=org.email, urls=urls)
    p12 = to_pkcs12(ck, [ca.cert], passphrase)
    return _replace_org_active(session, org, OrganisationCredential(
        organisation_id=org.id, kind="pkcs12", pkcs12=p12, cert_pem=ck.cert_pem().decode(),
        subject=_subject(ck.cert), not_after=ck.cert.not_valid_after_utc,
    ))


def upload_org_pkcs12(session: Session, org: Organisation, data: bytes, passphrase: str) -> OrganisationCredential:
    """Store an organisation's PKCS#12 after checking the passphrase opens it (the passphrase is not kept)."""
    if not data or len(data) > MAX_P12_BYTES:
        raise ValidationFailed("Tệp PKCS#12 trống hoặc quá lớn (tối đa 256 KB).")
    try:
        _key, cert, _chain = load_pkcs12(data, passphrase)
    except WrongPassphrase as exc:
        raise ValidationFailed(exc.reason_vi) from exc
    except (KeyFileInvalid, SignatureCoreError) as exc:
        raise ValidationFailed("Tệp không phải PKCS#12 (.p12/.pfx) hợp lệ.") from exc
    return _replace_org_active(session, org, OrganisationCredential(
        organisation_id=org.id, kind="pkcs12", pkcs12=data,
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
        subject=_subject(cert), not_after=cert.not_valid_after_utc,
    ))


def register_org_pkcs11(session: Session, org: Organisation, *, module: str, token: str, key_label: str,
                        cert_pem: str = "") -> OrganisationCredential:
    """Point an organisation at a key on a PKCS#11 token (module path, token label, key label)."""
    if not module or not token or not key_label:
        raise ValidationFailed("Cần nhập thư viện PKCS#11, nhãn token và nhãn khoá.")
    if not pkcs11_module_allowed(module):
        raise ValidationFailed("Thư viện PKCS#11 không nằm trong danh sách được phép (KHD_PKCS11_MODULES).",
                               fields={"module": "Chọn một thư viện trong danh sách được phép."})
    subject = ""
    if cert_pem:
        try:
            subject = _subject(x509.load_pem_x509_certificate(cert_pem.encode()))
        except ValueError as exc:
            raise ValidationFailed("Chứng thư số (PEM) không hợp lệ.") from exc
    return _replace_org_active(session, org, OrganisationCredential(
        organisation_id=org.id, kind="pkcs11", pkcs11_module=module[:500], pkcs11_token=token[:255],
        pkcs11_key=key_label[:255], cert_pem=cert_pem, subject=subject,
    ))


def active_org_credential(session: Session, org: Organisation | int) -> OrganisationCredential | None:
    """The organisation's current credential (None when it has none or it was deactivated)."""
    org_id = org if isinstance(org, int) else org.id
    return session.scalar(select(OrganisationCredential).where(
        OrganisationCredential.organisation_id == org_id, OrganisationCredential.active.is_(True)))


def deactivate_org_credentials(session: Session, org: Organisation | int) -> int:
    """Stop every credential of an organisation (e.g. merged into another); returns how many."""
    org_id = org if isinstance(org, int) else org.id
    result = session.execute(update(OrganisationCredential).where(
        OrganisationCredential.organisation_id == org_id, OrganisationCredential.active.is_(True)).values(active=False))
    session.flush()
    return rowcount(result)


def org_key_source(cred: OrganisationCredential, secret: str, chain: list[x509.Certificate]) -> KeySource:
    """Open an organisation's credential with the passphrase/PIN typed by its clerk (never stored).

    Raises WrongPassphrase (PKCS#12, at once) or WrongPin (PKCS#11, when opened). The caller must
    first check ``access.ensure(p, "organisation.seal", org)`` and audit the use.
    """
    if not cred.active:
        raise ValidationFailed("Chứng thư số của cơ quan, tổ chức này đã ngừng sử dụng.")
    from .succession import ensure_can_sign

    ensure_can_sign(cred.organisation)  # merged or dissolved: its seal stops from the effective date
    if cred.kind == "pkcs11":
        return Pkcs11KeySource(Pkcs11Options(module_path=cred.pkcs11_module, token_label=cred.pkcs11_token,
                                             key_label=cred.pkcs11_key, pin=secret), chain=chain)
    assert cred.pkcs12 is not None
    return Pkcs12KeySource(cred.pkcs12, secret)
