"""The administration room: organisations, user accounts, signing credentials, template versions.

Each change is audited and committed here; the admin pages only parse forms and show results.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, credentials
from ..accounts import NewUser, UserChanges, create_user, set_password, update_user
from ..audit import Actor
from ..errors import NotFound, ValidationFailed
from ..models import Organisation, SigningCredential, TemplateVersion, User
from ..organisations import NewOrganisation, create_organisation
from ..services import Services
from . import objects, template_store


def add_organisation(session: Session, actor: Actor, data: NewOrganisation) -> Organisation:
    """Create an organisation (ValidationFailed on bad input, nothing written). Commits."""
    try:
        org = create_organisation(session, data)
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, "org_create", "organisation", org.id, name=org.name)
    session.commit()
    return org


def add_user(session: Session, actor: Actor, data: NewUser) -> User:
    """Create a user account (ValidationFailed on bad input, nothing written). Commits."""
    try:
        user = create_user(session, data)
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, "user_create", "user", user.id, username=user.username, roles=sorted(user.roles))
    session.commit()
    return user


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy người dùng.")
    return user


def edit_user(session: Session, actor: Actor, user_id: int, data: UserChanges) -> User:
    """An admin's edit of an account; disabling it (or changing its rights) ends its sessions and
    tokens at once. Audited when something changed. Commits."""
    user = get_user(session, user_id)
    try:
        changed = update_user(session, user, data, by=actor.user)
    except ValidationFailed:
        session.rollback()
        raise
    if changed:
        action = "user_disable" if changed.get("active") is False else "user_update"
        audit.record(session, actor, action, "user", user.id, username=user.username, changed=sorted(changed))
    session.commit()
    return user


def reset_password(session: Session, actor: Actor, user_id: int, password: str,
                   confirm: str) -> tuple[User, bool]:
    """An admin sets a new password; every session and token of the account ends. Returns the user and
    whether it was the admin's own account (their browser is signed out too). Commits."""
    user = get_user(session, user_id)
    if password != confirm:
        raise ValidationFailed("Mật khẩu nhập lại không khớp.",
                               fields={"password_confirm": "Mật khẩu nhập lại không khớp."})
    try:
        set_password(session, user, password)
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, "user_password_reset", "user", user.id, username=user.username)
    session.commit()
    return user, actor.user is not None and actor.user.id == user.id


def update_credential(session: Session, actor: Actor, user: User, action: str, *, p12: bytes = b"",
                      passphrase: str = "", module: str = "", token: str = "", key_label: str = "",
                      image: bytes | None = None) -> SigningCredential | None:
    """Set a user's PKCS#12 file, PKCS#11 token or (already checked) signature image. Commits."""
    try:
        if action == "pkcs12":
            cred: SigningCredential | None = credentials.upload_pkcs12(session, user, p12, passphrase)
        elif action == "pkcs11":
            cred = credentials.register_pkcs11(session, user, module=module, token=token, key_label=key_label)
        elif action == "image" and image is not None:
            user.signature_image, cred = image, None
        else:
            raise ValidationFailed("Thao tác không hợp lệ.")
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, "credential_update", "user", user.id, change=action,
                 kind=cred.kind if cred else "image")
    session.commit()
    return cred


def upload_template(session: Session, svc: Services, actor: Actor, *, kind: str, data: bytes,
                    filename: str) -> TemplateVersion:
    """Validate and store a new template version. Commits."""
    try:
        tv = template_store.add_version(session, svc, kind=kind, data=data, filename=filename,
                                        user_id=actor.user.id if actor.user else None)
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, "template_upload", "template", tv.id, kind=tv.kind, version=tv.version)
    session.commit()
    return tv


def template_file(session: Session, svc: Services, tv_id: int) -> tuple[bytes, str, str]:
    """(bytes, mimetype, file name) of a stored template version."""
    tv = session.get(TemplateVersion, tv_id)
    if tv is None:
        raise NotFound("Không tìm thấy mẫu văn bản.")
    return objects.read(svc.store, tv.object), tv.object.content_type, f"{tv.kind}-v{tv.version}.docx"
