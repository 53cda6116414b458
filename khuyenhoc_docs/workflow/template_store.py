"""Template versions: import the built-in .docx files and accept validated uploads."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..drafting.templates import TemplateInvalid, TemplateKind, validate_template
from ..errors import ValidationFailed
from ..filenames import safe_filename
from ..models import TemplateVersion
from ..services import Services
from ..storage.keys import template_key
from . import objects

MAX_TEMPLATE_BYTES = 10 * 1024 * 1024


def add_version(session: Session, svc: Services, *, kind: str, data: bytes, filename: str,
                user_id: int | None) -> TemplateVersion:
    """Validate and store a new version of a template kind (caller commits)."""
    try:
        tkind = TemplateKind(kind)
    except ValueError:
        raise ValidationFailed(code="template_kind_unknown", fields={"kind": kind[:60]}) from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ValidationFailed(code="template_file_size")
    try:
        info = validate_template(data, tkind)
    except TemplateInvalid as exc:
        raise ValidationFailed(exc.message, fields={"file": exc.message}) from exc
    number = (session.scalar(select(func.max(TemplateVersion.version)).where(TemplateVersion.kind == kind)) or 0) + 1
    kind_index = list(TemplateKind).index(tkind) + 1
    row = objects.put(session, svc.store, template_key(kind_index, number, "docx"), data,
                      content_type=objects.DOCX, metadata={"template-kind": kind, "version": str(number)})
    tv = TemplateVersion(kind=kind, version=number, name=tkind.label_vi,
                         filename=safe_filename(Path(filename).name, tkind.filename),
                         placeholders=sorted(info.placeholders), object_id=row.id, uploaded_by_id=user_id)
    session.add(tv)
    session.flush()
    return tv


def import_builtin(session: Session, svc: Services, actor: Actor | None = None) -> list[TemplateVersion]:
    """Load templates/<kind>.docx for every kind that has no version yet (caller commits)."""
    added = []
    for kind in TemplateKind:
        if session.scalar(select(TemplateVersion.id).where(TemplateVersion.kind == kind.value).limit(1)):
            continue
        path = svc.templates_dir / kind.filename
        tv = add_version(session, svc, kind=kind.value, data=path.read_bytes(), filename=path.name, user_id=None)
        if actor is not None:
            audit.record(session, actor, "template_upload", "template", tv.id, kind=kind.value, version=tv.version)
        added.append(tv)
    return added


def versions(session: Session) -> list[TemplateVersion]:
    """Every template version, newest first within each kind."""
    return list(session.scalars(select(TemplateVersion).order_by(TemplateVersion.kind, TemplateVersion.version.desc())))


def latest_versions(session: Session) -> list[TemplateVersion]:
    """The newest version of each template kind."""
    seen: dict[str, TemplateVersion] = {}
    for tv in versions(session):
        seen.setdefault(tv.kind, tv)
    return list(seen.values())
