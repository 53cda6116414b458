"""Demo data: the Bến Tre organisations, users, certificates, templates and the reference draft.

Its Vietnamese (names, titles, positions) is demo content, not UI wording."""
from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .access import Principal
from .accounts import NewUser, create_user
from .audit import Actor
from .credentials import issue_demo_credential
from .drafting.reference import reference_fields
from .drafting.templates import TemplateKind
from .models import Document, Organisation, OrgLevel, User
from .orgtree import counterpart
from .recipients import NewRecipient, create_list, create_recipient
from .services import Services
from .workflow.drafting import create_draft
from .workflow.template_store import import_builtin

log = logging.getLogger(__name__)

LEVELS = (("province", "Cấp tỉnh", 0), ("district", "Cấp huyện, thành phố", 1), ("grassroots", "Cấp cơ sở", 2))

DISTRICTS = (
    "Thành phố Bến Tre", "Châu Thành", "Chợ Lách", "Mỏ Cày Nam", "Mỏ Cày Bắc",
    "Giồng Trôm", "Bình Đại", "Ba Tri", "Thạnh Phú",
)
GRASSROOTS = {"Châu Thành": ("xã Tam Phước", "xã Tân Thạch"), "Ba Tri": ("thị trấn Ba Tri",)}


def _district_names(area: str) -> tuple[str, str, str, str]:
    """(HKH name, HKH header, Đoàn name, Đoàn header) for a district-level area."""
    if area.startswith("Thành phố"):
        city = area.removeprefix("Thành phố ").strip()
        return (f"Hội Khuyến học thành phố {city}", f"HỘI KHUYẾN HỌC THÀNH PHỐ {city.upper()}",
                f"Thành đoàn {city}", f"BCH ĐOÀN THÀNH PHỐ {city.upper()}")
    return (f"Hội Khuyến học huyện {area}", f"HỘI KHUYẾN HỌC HUYỆN {area.upper()}",
            f"Huyện đoàn {area}", f"BCH ĐOÀN HUYỆN {area.upper()}")


def _org(session: Session, **kw) -> Organisation:
    org = Organisation(**kw)
    session.add(org)
    session.flush()
    return org


def seed_organisations(session: Session) -> dict[str, Organisation]:
    """Levels and the organisation tree; returns the two provincial units by key."""
    levels = {code: OrgLevel(code=code, name=name, rank=rank) for code, name, rank in LEVELS}
    session.add_all(levels.values())
    session.flush()
    hkh = _org(session, level_id=levels["province"].id, family="khuyen_hoc", name="Hội Khuyến học tỉnh Bến Tre",
               header_name="HỘI KHUYẾN HỌC TỈNH BẾN TRE", abbreviation="HKH", area="Bến Tre", place="Bến Tre",
               email="hoikhuyenhoc@bentre.local", code=DEMO_CODES["hkh"])
    td = _org(session, level_id=levels["province"].id, family="doan", name="Tỉnh đoàn Bến Tre",
              header_name="BCH ĐOÀN TỈNH BẾN TRE", abbreviation="TĐ",
              area="Bến Tre", place="Bến Tre", email="tinhdoan@bentre.local", code=DEMO_CODES["td"])
    for area in DISTRICTS:
        hkh_name, hkh_header, td_name, td_header = _district_names(area)
        d_hkh = _org(session, parent_id=hkh.id, level_id=levels["district"].id, family="khuyen_hoc",
                     name=hkh_name, header_name=hkh_header, parent_header="HỘI KHUYẾN HỌC TỈNH BẾN TRE",
                     abbreviation="HKH", area=area, place=area.removeprefix("Thành phố ").strip(),
                     email=f"hkh.{_slug(area)}@bentre.local")
        d_td = _org(session, parent_id=td.id, level_id=levels["district"].id, family="doan",
                    name=td_name, header_name=td_header, parent_header="TỈNH ĐOÀN BẾN TRE",
                    abbreviation="HĐ" if not area.startswith("Thành phố") else "ThĐ", area=area,
                    place=area.removeprefix("Thành phố ").strip(), email=f"doan.{_slug(area)}@bentre.local")
        for unit in GRASSROOTS.get(area, ()):
            _org(session, parent_id=d_hkh.id, level_id=levels["grassroots"].id, family="khuyen_hoc",
                 name=f"Hội Khuyến học {unit}", header_name=f"HỘI KHUYẾN HỌC {unit.upper()}",
                 parent_header=hkh_header, abbreviation="HKH", area=f"{unit}, {area}", place=area,
                 email=f"hkh.{_slug(unit)}@bentre.local")
            _org(session, parent_id=d_td.id, level_id=levels["grassroots"].id, family="doan",
                 name=f"Đoàn {unit}", header_name=f"ĐOÀN {unit.upper()}", parent_header=td_header,
                 abbreviation="ĐTN", area=f"{unit}, {area}", place=area,
                 email=f"doan.{_slug(unit)}@bentre.local")
    return {"hkh": hkh, "td": td}


def _slug(text: str) -> str:
    from unicodedata import category, normalize

    plain = normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if category(c) != "Mn").lower()
    return "".join(c if c.isalnum() else "-" for c in plain).strip("-")


DEMO_USERS = (
    # username, full name, position, org key, roles, email
    ("admin", "Quản trị hệ thống", "", "hkh", ("admin",), "admin@bentre.local"),
    ("vanthu", "Nguyễn Văn Thư", "Văn thư", "hkh", ("clerk",), "vanthu@bentre.local"),
    ("vanthu.td", "Võ Thị Tuyết", "Văn thư", "td", ("clerk",), "vanthu.td@bentre.local"),
    ("chutich.hkh", "Đặng Thị Hoa", "CHỦ TỊCH", "hkh", ("chair",), "dangthihoa@bentre.local"),
    ("phobithu.td", "Lâm Như Quỳnh", "PHÓ BÍ THƯ", "td", ("chair",), "lamnhuquynh@bentre.local"),
    ("luutru", "Trần Thị Lưu", "Lưu trữ viên", "hkh", ("archivist",), "luutru@bentre.local"),
)


def seed_users(session: Session, orgs: dict[str, Organisation], password: str) -> dict[str, User]:
    """The demo accounts, all with the demo password."""
    users = {}
    for username, full_name, position, org_key, roles, email in DEMO_USERS:
        users[username] = create_user(session, NewUser(
            username=username, full_name=full_name, password=password, organisation_id=orgs[org_key].id,
            roles=roles, email=email, position=position,
        ))
    return users


def seed(session: Session, services: Services, *, only_if_empty: bool = True) -> bool:
    """Create the demo data once; returns False when users already exist."""
    if only_if_empty and session.scalar(select(func.count(User.id))):
        return False
    password = services.settings.demo_password
    orgs = seed_organisations(session)
    users = seed_users(session, orgs, password)
    for username in ("chutich.hkh", "phobithu.td"):
        issue_demo_credential(session, services.demo_pki.ca, users[username], password,
                              urls=services.demo_pki.urls())
    seed_org_credentials(session, services, password)
    import_builtin(session, services)
    seed_recipients(session, orgs)
    session.commit()
    seed_reference_draft(session, services, users["vanthu"])
    log.info("demo data seeded")
    return True


def seed_org_credentials(session: Session, services: Services, passphrase: str) -> None:
    """One demo certificate per organisation (the organisation as subject), PKCS#12 under ``passphrase``."""
    for org in session.scalars(select(Organisation).order_by(Organisation.id)):
        issue_demo_credential(session, services.demo_pki.ca, org, passphrase, urls=services.demo_pki.urls())


# Made-up organisation codes (mã định danh) in the official format, for the demo's edXML exchange.
DEMO_CODES = {"hkh": "000.00.31.H05", "td": "000.00.32.H05"}

REFERENCE_RECIPIENTS = (
    # name as printed, demo email
    ("Ban TNTH TW", "bantnth@tw.doan.local"),
    ("Ban Phong trào Hội khuyến học Việt Nam", "banphongtrao@khuyenhoc.vn.local"),
    ("Thường trực Tỉnh ủy", "thuongtruc@tinhuy.bentre.local"),
    ("VP Tỉnh ủy", "vanphong@tinhuy.bentre.local"),
    ("Ban dân vận Tỉnh ủy", "bandanvan@tinhuy.bentre.local"),
    ("Hội Khuyến học tỉnh", "hoikhuyenhoc@bentre.local"),
    ("Ban Thường vụ Tỉnh đoàn", "tinhdoan@bentre.local"),
    ("Ban TTNTN Tỉnh đoàn", "banttntn@tinhdoan.bentre.local"),
    ("Ban Thường vụ các Huyện, Thành đoàn", "huyendoan@bentre.local"),
)
REFERENCE_LIST = "Nơi nhận chương trình phối hợp cấp tỉnh (Bến Tre 2018 – 2020)"
# Bodies with document systems of their own, reached over edXML (Liên thông). The codes are made-up
# demo values in the right form (Circular 10/2023), not these bodies' real codes.
EXCHANGE_RECIPIENTS = (
    ("Ủy ban nhân dân tỉnh Bến Tre", "000.00.91.H05"),
    ("Sở Lao động - Thương binh và Xã hội tỉnh Bến Tre", "000.00.92.H05"),
)


def seed_recipients(session: Session, orgs: dict[str, Organisation]) -> None:
    """The reference document's recipients, as directory entries and as one named list."""
    owner = orgs["hkh"].id  # the province Hội's own directory (its clerk drafts the reference programme)
    rows = [create_recipient(session, NewRecipient(name=name, email=email), owner)
            for name, email in REFERENCE_RECIPIENTS]
    create_list(session, REFERENCE_LIST, [r.id for r in rows], owner)
    for name, code in EXCHANGE_RECIPIENTS:
        create_recipient(session, NewRecipient(name=name, code=code), owner)


def seed_reference_draft(session: Session, services: Services, clerk: User) -> Document:
    """The reference programme as a draft with the reference document's exact values."""
    p = Principal.of(session, clerk)
    partner = counterpart(session, clerk.organisation)
    assert partner is not None  # the demo tree pairs every Hội unit with a Đoàn unit
    return create_draft(session, services, p, Actor(clerk, "127.0.0.1"),
                        kind=TemplateKind.PROGRAMME_PROVINCE.value, data=reference_fields().to_dict(),
                        partner_org_id=partner.id)
