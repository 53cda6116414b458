"""Starting values for a new draft: the level's model text with the two organisations filled in."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..drafting.fields import Party, ProgrammeFields
from ..drafting.reference import reference_fields, unit_programme_fields
from ..drafting.templates import TemplateKind
from ..models import Organisation, User, UserRole


def _authority(org: Organisation) -> str:
    if org.family == "khuyen_hoc":
        return "TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC"
    words = org.name.split()
    if org.family == "doan" and len(words) >= 2 and words[1].lower() == "đoàn":
        return f"TM. BAN THƯỜNG VỤ {words[0].upper()} ĐOÀN"
    return "TM. BAN CHẤP HÀNH" if org.family == "doan" else f"TM. {org.header_name}"


def party_for(session: Session, org: Organisation) -> Party:
    """The signature party of an organisation, with its chair when one has an account."""
    chair = session.scalar(
        select(User).join(UserRole).where(User.organisation_id == org.id, UserRole.role == "chair",
                                          User.active.is_(True)).order_by(User.id).limit(1)
    )
    default_position = "CHỦ TỊCH" if org.family == "khuyen_hoc" else "BÍ THƯ"
    return Party(
        org_name=org.name,
        org_name_upper_for_header=org.header_name,
        parent_org_name=org.parent_header or None,
        authority_prefix=_authority(org),
        position=(chair.position.upper() if chair and chair.position else default_position),
        signer_name=chair.full_name if chair else "",
    )


#: The body paragraph a new công văn starts with: the clerk writes the letter in its place.
LETTER_BODY = "[Nội dung công văn: văn thư/chuyên viên soạn thảo thay đoạn này bằng nội dung trả lời.]"


def initial_fields(session: Session, kind: str, org: Organisation, partner: Organisation | None) -> dict[str, Any]:
    """A complete, editable starting point (the clerk changes what differs)."""
    base: ProgrammeFields = (
        reference_fields() if kind == TemplateKind.PROGRAMME_PROVINCE.value
        else unit_programme_fields(org.area or org.name)
    )
    if kind == TemplateKind.AGREEMENT.value:
        base = replace(base, doc_type="THỎA THUẬN HỢP TÁC")
    if kind == TemplateKind.OFFICIAL_LETTER.value:
        base = replace(base, doc_type="CÔNG VĂN", type_abbr="", summary="", period="", parent=None,
                       purposes=(), requirements=(), responsibilities=(), report_deadline="", report_to="",
                       preamble=f"{org.name} trân trọng đề nghị như sau:", contents=(LETTER_BODY,),
                       closing="Trân trọng./.", addressees=(), recipients=(), archive="Lưu: VT.")
    # The model texts have the Đoàn unit as party A (it drafts, as in the reference) and the
    # Hội Khuyến học unit as party B, whichever of the two the clerk belongs to.
    pair = [org, partner] if partner is not None else [org]
    doan = next((o for o in pair if o.family == "doan"), None)
    hoi = next((o for o in pair if o is not doan), None)
    party_a = party_for(session, doan) if doan is not None else base.party_a
    party_b = party_for(session, hoi) if hoi is not None else base.party_b
    return replace(base, party_a=party_a, party_b=party_b, place=org.place or base.place,
                   org_abbrs=tuple(o.abbreviation for o in pair)).to_dict()
