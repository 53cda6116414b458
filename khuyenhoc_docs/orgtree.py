"""Queries over the organisation tree."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Organisation


def descendant_ids(session: Session, org_id: int) -> set[int]:
    """The organisation and every unit below it (breadth-first; trees are small)."""
    seen = {org_id}
    frontier = [org_id]
    while frontier:
        children = session.scalars(
            select(Organisation.id).where(Organisation.parent_id.in_(frontier))
        ).all()
        frontier = [c for c in children if c not in seen]
        seen.update(frontier)
    return seen


def counterpart(session: Session, org: Organisation) -> Organisation | None:
    """The unit of the other family at the same level and area (the joint programme partner)."""
    other = {"khuyen_hoc": "doan", "doan": "khuyen_hoc"}.get(org.family)
    if other is None:
        return None
    return session.scalar(
        select(Organisation).where(
            Organisation.family == other,
            Organisation.level_id == org.level_id,
            Organisation.area == org.area,
        )
    )
