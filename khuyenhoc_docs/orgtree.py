"""Queries over the organisation tree."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from .models import Organisation


def descendant_ids(session: Session, org_id: int) -> set[int]:
    """The organisation and every unit below it: one recursive query (it runs on every request
    that asks for a principal; walking the tree level by level cost one query per level)."""
    tree = select(Organisation.id).where(Organisation.id == org_id).cte("tree", recursive=True)
    tree = tree.union(select(Organisation.id).where(Organisation.parent_id == tree.c.id))
    return {org_id, *session.scalars(select(tree.c.id))}


def scope_ids(session: Session, org_id: int) -> set[int]:
    """What a member of ``org_id`` may see: its subtree, plus every organisation merged into anything
    in it (and their subtrees), whatever the date: a successor holds its predecessors' records.

    One recursive query (it runs on every request that asks for a principal): from the unit, add
    every unit whose parent or successor is already in the scope, until nothing new comes."""
    # On the connection: a Core statement needs none of the ORM's execution (a third of its cost).
    return {org_id, *session.connection().execute(_SCOPE, {"org_id": org_id}).scalars()}


def scope_of(org_id: ColumnElement[int]) -> Select[tuple[int]]:
    """``SELECT id`` of the scope of ``org_id`` (a value or a bound parameter): ``scope_ids`` in SQL,
    for statements that need the scope inside them rather than as a list of values."""
    scope = select(Organisation.id).where(Organisation.id == org_id).cte("scope", recursive=True)
    scope = scope.union(select(Organisation.id).join(
        scope, or_(Organisation.parent_id == scope.c.id, Organisation.successor_id == scope.c.id)))
    return select(scope.c.id)


_SCOPE = scope_of(bindparam("org_id"))  # built once: it runs on every request with a principal


_OTHER_FAMILY = {"khuyen_hoc": "doan", "doan": "khuyen_hoc"}


def is_counterpart(lead: Organisation, partner: Organisation) -> bool:
    """May ``partner`` co-sign a joint document led by ``lead``? Only the active unit of the other family
    recorded as its counterpart (either way), or, with none recorded, the one at the same level of the
    tree and in the same area (a district clerk cannot pull in a province chair)."""
    if partner.id == lead.id or not partner.active or _OTHER_FAMILY.get(lead.family) != partner.family:
        return False
    if lead.counterpart_id is not None or partner.counterpart_id is not None:
        return lead.counterpart_id == partner.id or partner.counterpart_id == lead.id
    return bool(lead.area) and partner.level_id == lead.level_id and partner.area == lead.area


def counterparts(session: Session, lead: Organisation) -> list[Organisation]:
    """Every organisation ``is_counterpart`` accepts for ``lead`` (the partner choices of a draft)."""
    other = _OTHER_FAMILY.get(lead.family)
    if other is None:
        return []
    rows = session.scalars(select(Organisation).where(
        Organisation.family == other,
        or_(Organisation.id == lead.counterpart_id, Organisation.counterpart_id == lead.id,
            and_(Organisation.level_id == lead.level_id, Organisation.area == lead.area)),
    ).order_by(Organisation.name))
    return [o for o in rows if is_counterpart(lead, o)]


def counterpart(session: Session, org: Organisation) -> Organisation | None:
    """The joint programme partner: the recorded counterpart (either way), else the unit of the other
    family at the same level and area."""
    other = {"khuyen_hoc": "doan", "doan": "khuyen_hoc"}.get(org.family)
    if other is None:
        return None
    if org.counterpart_id is not None:
        return session.get(Organisation, org.counterpart_id)
    back = session.scalar(select(Organisation).where(Organisation.counterpart_id == org.id).limit(1))
    if back is not None:
        return back
    if not org.area:
        return None  # imported units have no area: an empty area pairs nothing
    return session.scalar(
        select(Organisation).where(
            Organisation.family == other,
            Organisation.level_id == org.level_id,
            Organisation.area == org.area,
        )
    )
