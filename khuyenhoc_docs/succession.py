"""Mergers and dissolutions: from the effective date an organisation numbers and signs nothing more,
and its records pass to the successor (who finds, verifies, exports and copies them under the
original organisation's name)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .audit import Actor
from .errors import Conflict, Problem, ValidationFailed
from .models import Organisation, OrgSuccession
from .orgtree import descendant_ids

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
KINDS = {"merger": "Hợp nhất, sáp nhập", "dissolution": "Giải thể"}


def today_vn() -> date:
    return datetime.now(VN_TZ).date()


def is_gone(org: Organisation, on: date | None = None) -> bool:
    """True once the organisation has been merged or dissolved (on or after its effective date)."""
    return org.dissolved_on is not None and (on or today_vn()) >= org.dissolved_on


def gone_message(org: Organisation) -> str:
    """Why a merged or dissolved organisation can no longer act (worded in web/messages/)."""
    when = f"{org.dissolved_on:%d/%m/%Y}"
    if org.successor is not None:
        return Problem("org_gone_into", name=org.name, successor=org.successor.name, date=when)
    return Problem("org_gone", name=org.name, date=when)


def ensure_can_number(org: Organisation, on: date | None = None) -> None:
    """The register of a merged or dissolved organisation gives no new numbers."""
    if is_gone(org, on):
        raise Conflict(code="org_gone_numbering", params={"gone": gone_message(org)})


def ensure_can_sign(org: Organisation, on: date | None = None) -> None:
    """Credentials of a merged or dissolved organisation's people and seal stop working."""
    if is_gone(org, on):
        raise Conflict(code="org_gone_signing", params={"gone": gone_message(org)})


@dataclass(frozen=True)
class NewSuccession:
    """What an admin records: who merged or dissolved, into whom, from when, on what legal basis."""

    kind: str
    predecessor_ids: tuple[int, ...]
    successor_id: int | None
    effective_on: date | None
    legal_basis: str


def record_succession(session: Session, actor: Actor, data: NewSuccession) -> OrgSuccession:
    """Validate and record a merger or dissolution; audited. Caller commits."""
    errors: dict[str, str] = {}
    if data.kind not in KINDS:
        errors["kind"] = Problem("succession_kind_required")
    found = [session.get(Organisation, i) for i in dict.fromkeys(data.predecessor_ids)]
    preds = [o for o in found if o is not None]
    successor = session.get(Organisation, data.successor_id) if data.successor_id else None
    if not preds or len(preds) != len(found):
        errors["predecessor_ids"] = Problem("succession_orgs_required")
    elif gone := [o.name for o in preds if o.dissolved_on is not None]:
        errors["predecessor_ids"] = Problem("succession_orgs_gone", names=', '.join(gone))
    if successor is None:
        errors["successor_id"] = Problem("succession_successor_required")
    elif successor.dissolved_on is not None:
        errors["successor_id"] = Problem("succession_successor_gone", name=successor.name)
    elif any(successor.id in descendant_ids(session, o.id) for o in preds):
        errors["successor_id"] = Problem("succession_successor_inside")
    if data.effective_on is None:
        errors["effective_on"] = Problem("succession_date_required")
    basis = data.legal_basis.strip()
    if not basis or len(basis) > 2000:
        errors["legal_basis"] = Problem("succession_basis_required")
    if errors:
        raise ValidationFailed(code="succession_invalid", fields=errors)
    assert successor is not None and data.effective_on is not None
    row = OrgSuccession(kind=data.kind, successor_id=successor.id, effective_on=data.effective_on,
                        legal_basis=basis, predecessor_ids=[o.id for o in preds],
                        created_by_id=actor.user.id if actor.user else None)
    session.add(row)
    stopped = 0
    for org in preds:
        org.dissolved_on, org.successor_id = data.effective_on, successor.id
        if is_gone(org):
            from .credentials import deactivate_credentials

            stopped += deactivate_credentials(session, org)  # effective now: the seal stops at once
    session.flush()
    audit.record(session, actor, "org_succession", "organisation", successor.id, succession=row.id, kind=data.kind,
                 effective_on=data.effective_on.isoformat(), legal_basis=basis,
                 predecessors=[{"id": o.id, "name": o.name} for o in preds], successor=successor.name,
                 organisation_credentials_stopped=stopped)
    for org in preds:
        audit.record(session, actor, "org_dissolved", "organisation", org.id, succession=row.id,
                     effective_on=data.effective_on.isoformat(), successor=successor.name)
    return row


def successions(session: Session) -> list[OrgSuccession]:
    """Every recorded merger and dissolution, newest first."""
    return list(session.scalars(select(OrgSuccession).order_by(OrgSuccession.effective_on.desc(),
                                                               OrgSuccession.id.desc())))
