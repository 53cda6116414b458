"""Creating organisations and levels (plain Python over a session)."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import ValidationFailed
from .models import Organisation, OrgLevel

CODE_FORMAT_ERROR = "Mã định danh phải có dạng 000.00.00.G22 (Thông tư 10/2023/TT-BTTTT), hoặc để trống."


FAMILIES = {"khuyen_hoc": "Hội Khuyến học", "doan": "Đoàn TNCS Hồ Chí Minh", "other": "Cơ quan khác"}


def abbreviation_error(value: str) -> str | None:
    """Why ``value`` cannot be an abbreviation in a document symbol (None when it can).

    Letters (Vietnamese included), digits and single inner hyphens: "HKH", "TĐ", "ĐTN-VL".
    """
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        return "thiếu chữ viết tắt (dùng trong ký hiệu văn bản)."
    if len(text) > 40:
        return "chữ viết tắt tối đa 40 ký tự."
    ok = all((c.isascii() and c.isalnum()) or c == "-" or (c.isalpha() and "LATIN" in unicodedata.name(c, ""))
             for c in text)
    if not ok or text.startswith("-") or text.endswith("-") or "--" in text:
        return f"chữ viết tắt “{text}” chỉ gồm chữ cái, chữ số và dấu gạch ngang ở giữa."
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
        errors["name"] = "Tên tổ chức là bắt buộc."
    for field, limit in (("name", 255), ("header_name", 255), ("parent_header", 255), ("area", 255),
                         ("place", 255), ("email", 255), ("postal_address", 500)):
        if len(getattr(data, field)) > limit:
            errors[field] = f"Tối đa {limit} ký tự."
    if not data.abbreviation.strip():
        errors["abbreviation"] = "Chữ viết tắt là bắt buộc (dùng trong ký hiệu văn bản)."
    elif (problem := abbreviation_error(data.abbreviation)) is not None:
        errors["abbreviation"] = problem[0].upper() + problem[1:]
    if data.family not in FAMILIES:
        errors["family"] = "Loại tổ chức không hợp lệ."
    if session.get(OrgLevel, data.level_id) is None:
        errors["level_id"] = "Cấp tổ chức không tồn tại."
    if data.parent_id is not None and session.get(Organisation, data.parent_id) is None:
        errors["parent_id"] = "Tổ chức cấp trên không tồn tại."
    if name and not errors.get("parent_id") and session.scalar(
        select(Organisation.id).where(Organisation.parent_id == data.parent_id, Organisation.name == name)
    ):
        errors["name"] = "Đã có tổ chức cùng tên dưới cùng cấp trên."
    if data.email and "@" not in data.email:
        errors["email"] = "Địa chỉ email không hợp lệ."
    code = data.code.strip()
    from .edxml.model import valid_organ_code  # edxml (lxml, cryptography) only where a code is checked

    if code and not valid_organ_code(code):
        errors["code"] = CODE_FORMAT_ERROR
    elif code and session.scalar(select(Organisation.id).where(Organisation.code == code)):
        errors["code"] = "Mã định danh này đã thuộc một tổ chức khác."
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
