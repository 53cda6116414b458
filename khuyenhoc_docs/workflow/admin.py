"""The administration room: organisations, user accounts, signing credentials and seals, template versions.

Each change is audited and committed here; the admin pages only parse forms and show results.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, credentials
from ..accounts import NewUser, UserChanges, create_user, set_password, update_user
from ..audit import Actor
from ..credentials import Credential, Owner
from ..errors import NotFound, Problem, ValidationFailed
from ..models import Organisation, TemplateVersion, User
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
        raise NotFound(code="user_not_found")
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
        raise ValidationFailed(code="password_mismatch",
                               fields={"password_confirm": Problem("field_password_mismatch")})
    try:
        set_password(session, user, password)
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, "user_password_reset", "user", user.id, username=user.username)
    session.commit()
    return user, actor.user is not None and actor.user.id == user.id


def get_organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(code="organisation_not_found")
    return org


SEAL_MM = (20, 60)  # real seals of these organisations are 30–42 mm across


def update_credential(session: Session, actor: Actor, owner: Owner, action: str, *, p12: bytes = b"",
                      passphrase: str = "", module: str = "", token: str = "", key_label: str = "",
                      image: bytes | None = None, seal_size_mm: int | None = None) -> Credential | None:
    """Set a chair's or an organisation's PKCS#12 file or PKCS#11 token, or its (already checked)
    image: the chair's handwritten signature, the organisation's seal; or the seal's real diameter.
    Commits; nothing is written on bad input."""
    try:
        cred: Credential | None = None
        if action == "pkcs12":
            cred = credentials.upload_pkcs12(session, owner, p12, passphrase)
        elif action == "pkcs11":
            cred = credentials.register_pkcs11(session, owner, module=module, token=token, key_label=key_label)
        elif action == "image" and image is not None:
            if isinstance(owner, User):
                owner.signature_image = image
            else:
                owner.seal_image = image
        elif action == "size" and isinstance(owner, Organisation):
            if seal_size_mm is None or not SEAL_MM[0] <= seal_size_mm <= SEAL_MM[1]:
                raise ValidationFailed(code="seal_diameter", params={"min_mm": SEAL_MM[0], "max_mm": SEAL_MM[1]},
                                       fields={"seal_size_mm": Problem("field_invalid")})
            owner.seal_size_mm = seal_size_mm
        else:
            raise ValidationFailed(code="action_invalid")
    except ValidationFailed:
        session.rollback()
        raise
    if isinstance(owner, User):
        audit.record(session, actor, "credential_update", "user", owner.id, change=action,
                     kind=cred.kind if cred else "image")
    else:
        audit.record(session, actor, "seal_update", "organisation", owner.id, change=action,
                     kind=cred.kind if cred else action)
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
        raise NotFound(code="template_not_found")
    return objects.read(svc.store, tv.object), tv.object.content_type, f"{tv.kind}-v{tv.version}.docx"
