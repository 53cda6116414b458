"""GET /api/v1/organisations: the organisation tree as it is and was."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, Integer, List, Nested, String

from ...organisations import tree
from ..context import db, require
from . import bp


class OrganisationOut(Schema):
    id = Integer()
    name = String()
    abbreviation = String()
    level = String()
    parent_id = Integer(allow_none=True)
    family = String()
    code = String(allow_none=True)
    dissolved_on = Date(allow_none=True)
    successor_id = Integer(allow_none=True)


class OrganisationsOut(Schema):
    items = List(Nested(OrganisationOut))


@bp.get("/organisations")
@bp.output(OrganisationsOut)
@bp.doc(summary="Cây tổ chức (kể cả tổ chức đã sáp nhập, giải thể)", security="BearerAuth")
def list_organisations():
    require("organisation.list")
    return {"items": [{"id": o.id, "name": o.name, "abbreviation": o.abbreviation, "level": o.level.code,
                       "parent_id": o.parent_id, "family": o.family, "code": o.code or None,
                       "dissolved_on": o.dissolved_on, "successor_id": o.successor_id}
                      for _depth, o in tree(db())]}
