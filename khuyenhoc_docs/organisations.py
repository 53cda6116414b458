"""Creating organisations and levels (plain Python over a session)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import Problem, ValidationFailed
from .models import Organisation, OrgLevel

FAMILIES = {"khuyen_hoc": "Hội Khuyến học", "doan": "Đoàn TNCS Hồ Chí Minh", "other": "Cơ quan khác"}


def abbreviation_error(value: str) -> str | None:
    """Why ``value`` cannot be an abbreviation in a document symbol (None when it can).

    Letters (Vietnamese included), digits and single inner hyphens: "HKH", "TĐ", "ĐTN-VL".
    """
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        return Problem("abbreviation_missing")
    if len(text) > 40:
        return Problem("abbreviation_too_long")
    ok = all((c.isascii() and c.isalnum()) or c == "-" or (c.isalpha() and "LATIN" in unicodedata.name(c, ""))
             for c in text)
    if not ok or text.startswith("-") or text.endswith("-") or "--" in text:
        return Problem("abbreviation_characters", text=text)
    return None


@dataclass(frozen=True)
class NewOrganisation:
    """What an admin types to add a unit to the tree."""

    name: str
    level_id: int
    family: str
    abbreviation: str
    parent_id: int | None = None
    header_name: str = ""
    parent_header: str = ""
    area: str = ""
    place: str = ""
    email: str = ""
    postal_address: str = ""
    code: str = ""  # mã định danh, how document systems address it over edXML


def create_organisation(session: Session, data: NewOrganisation) -> Organisation:
    """Validate and add an organisation; ValidationFailed carries per-field messages."""
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = Problem("org_name_required")
    for field, limit in (("name", 255), ("header_name", 255), ("parent_header", 255), ("area", 255),
                         ("place", 255), ("email", 255), ("postal_address", 500)):
        if len(getattr(data, field)) > limit:
            errors[field] = Problem("text_max", limit=limit)
    if not data.abbreviation.strip():
        errors["abbreviation"] = Problem("org_abbreviation_required")
    elif (problem := abbreviation_error(data.abbreviation)) is not None:
        errors["abbreviation"] = problem[0].upper() + problem[1:]
    if data.family not in FAMILIES:
        errors["family"] = Problem("org_family_invalid")
    if session.get(OrgLevel, data.level_id) is None:
        errors["level_id"] = Problem("org_level_unknown")
    if data.parent_id is not None and session.get(Organisation, data.parent_id) is None:
        errors["parent_id"] = Problem("org_parent_unknown")
    if name and not errors.get("parent_id") and session.scalar(
        select(Organisation.id).where(Organisation.parent_id == data.parent_id, Organisation.name == name)
    ):
        errors["name"] = Problem("org_name_taken")
    if data.email and "@" not in data.email:
        errors["email"] = Problem("email_invalid")
    code = data.code.strip()
    from .edxml.model import valid_organ_code  # edxml (lxml, cryptography) only where a code is checked

    if code and not valid_organ_code(code):
        errors["code"] = Problem("org_code_format")
    elif code and session.scalar(select(Organisation.id).where(Organisation.code == code)):
        errors["code"] = Problem("org_code_taken")
    if errors:
        raise ValidationFailed(code="organisation_invalid", fields=errors)
    org = Organisation(
        name=name,
        level_id=data.level_id,
        family=data.family,
        abbreviation=unicodedata.normalize("NFC", data.abbreviation.strip()),
        parent_id=data.parent_id,
        header_name=(data.header_name.strip() or name.upper()),
        parent_header=data.parent_header.strip(),
        area=data.area.strip(),
        place=data.place.strip(),
        email=data.email.strip(),
        postal_address=data.postal_address.strip(),
        code=code,
    )
    session.add(org)
    session.flush()
    return org


def levels(session: Session) -> list[OrgLevel]:
    """All levels, top first."""
    return list(session.scalars(select(OrgLevel).order_by(OrgLevel.rank)))


def tree(session: Session) -> list[tuple[int, Organisation]]:
    """Every organisation with its depth, in tree order (for listings)."""
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.name)))
    by_parent: dict[int | None, list[Organisation]] = {}
    for o in orgs:
        by_parent.setdefault(o.parent_id, []).append(o)
    out: list[tuple[int, Organisation]] = []

    def walk(parent: int | None, depth: int) -> None:
        for o in by_parent.get(parent, []):
            out.append((depth, o))
            walk(o.id, depth + 1)

    walk(None, 0)
    return out
