"""The organisations room: CSV imports of the tree and of people, mergers and dissolutions.

Pages and the CLI parse input and show results; checks, writes, audit events and commits are here.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from .. import audit
from ..audit import Actor
from ..errors import NotFound, ValidationFailed
from ..models import OrgSuccession
from ..orgimport import ImportPlan, apply_organisations, plan_organisations
from ..succession import NewSuccession
from ..succession import record_succession as _record
from ..userimport import apply_users, plan_users

IMPORT_KINDS = ("organisations", "users")


def preview_import(session: Session, kind: str, data: bytes) -> ImportPlan:
    """What importing ``data`` would create or change, or its errors with line numbers; writes nothing."""
    if kind not in IMPORT_KINDS:
        raise NotFound(code="import_kind_unknown")
    return (plan_organisations if kind == "organisations" else plan_users)(session, data)


def run_import(session: Session, actor: Actor, kind: str, data: bytes,
               filename: str = "") -> tuple[ImportPlan, dict[str, str]]:
    """Import when the file has no errors (else return its plan, nothing written). Audited; commits.

    Returns the plan and the one-time initial passwords of new accounts (people imports only).
    """
    plan = preview_import(session, kind, data)
    if not plan.ok:
        return plan, {}
    passwords: dict[str, str] = {}
    try:
        if kind == "organisations":
            plan = apply_organisations(session, data)
        else:
            plan, passwords = apply_users(session, data)
    except ValidationFailed:
        session.rollback()
        raise
    audit.record(session, actor, f"{kind}_import", "organisation" if kind == "organisations" else "user", None,
                 file=filename.rsplit("/", 1)[-1][:255], created=plan.count("create"),
                 updated=plan.count("update"), unchanged=plan.count("unchanged"))
    session.commit()
    return plan, passwords


def record_succession(session: Session, actor: Actor, data: NewSuccession) -> OrgSuccession:
    """Record a merger or dissolution (ValidationFailed on bad input, nothing written). Audited; commits."""
    try:
        row = _record(session, actor, data)
    except ValidationFailed:
        session.rollback()
        raise
    session.commit()
    return row
