"""edXML (QCVN 102:2016/BTTTT) package contents as frozen dataclasses.

Field names follow the standard's element names (``OrganId``, ``CodeNotation``…) in snake case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
PREFIX = "edXML"

# Mã định danh of an organisation (Circular 10/2023/TT-BTTTT): three groups of digits and a
# letter + two digits, e.g. 000.00.00.G22 (a ministry) or 000.00.11.H53 (a provincial body).
ORGAN_CODE_RE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")

# BussinessDocType
NEW, REVOKE, UPDATE, REPLACE = "0", "1", "2", "3"
BUSINESS_TYPES = {NEW: "Văn bản mới", REVOKE: "Thu hồi", UPDATE: "Cập nhật", REPLACE: "Thay thế"}

# Status codes sent back by a receiver.
STATUS_CODES = {
    "01": "Đã đến",
    "02": "Từ chối tiếp nhận",
    "03": "Đã tiếp nhận",
    "04": "Phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
    "13": "Lấy lại",
    "15": "Đồng ý lấy lại/cập nhật",
    "16": "Từ chối lấy lại/cập nhật",
    "999": "Thất bại",
}


def valid_organ_code(code: str) -> bool:
    """True for a well-formed organisation code (mã định danh)."""
    return bool(ORGAN_CODE_RE.fullmatch(code or ""))


@dataclass(frozen=True)
class Organ:
    """``From`` / ``To``: an organisation and how to reach it."""

    organ_id: str
    organ_name: str
    organization_in_charge: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Signer:
    """``SignerInfo``: competence (e.g. "TM."), position and full name."""

    competence: str
    position: str
    full_name: str


@dataclass(frozen=True)
class OtherInfo:
    priority: str = "0"
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int = 1
    page_amount: int = 1
    direction: str = ""
    appendixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Staff:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """Which document a status message (or a reply) answers."""

    organ_id: str
    code: str
    promulgation_date: date
    document_id: str


@dataclass(frozen=True)
class Trace:
    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Business:
    """``Bussiness`` (sic): new / revoke / update / replace, with the reason."""

    doc_type: str = NEW
    reason: str = ""
    document_id: str = ""
    paper: str = "0"
    staff: Staff = field(default_factory=Staff)


@dataclass(frozen=True)
class Attachment:
    content_id: str
    content_type: str
    name: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class MessageHeader:
    sender: Organ
    recipients: tuple[Organ, ...]
    code_number: str
    code_notation: str
    place: str
    promulgation_date: date
    type_name: str
    subject: str
    signer: Signer
    type: str = "1"
    type_detail: str = ""
    content: str = ""
    due_date: date | None = None
    to_places: tuple[str, ...] = ()
    other: OtherInfo = field(default_factory=OtherInfo)
    steering_type: str = "0"
    response_for: ResponseFor | None = None

    @property
    def document_id(self) -> str:
        """``OrganId,yyyy/MM/dd,Number/Notation`` — the key receivers deduplicate on."""
        return document_id(self.sender.organ_id, self.promulgation_date, self.code_number, self.code_notation)


def document_id(organ_id: str, day: date, number: str, notation: str) -> str:
    """The edXML DocumentId, e.g. ``000.00.11.H53,2020/10/30,2491/STC-BCTC``."""
    return f"{organ_id},{day:%Y/%m/%d},{number}/{notation}"


@dataclass(frozen=True)
class Package:
    """A whole edoc: header, route, business type and attachments."""

    header: MessageHeader
    traces: tuple[Trace, ...]
    business: Business
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class StatusMessage:
    """A receiver's status for a document it was sent."""

    sender: Organ
    response_for: ResponseFor
    status_code: str
    timestamp: datetime
    description: str = ""
    staff: Staff = field(default_factory=Staff)

    @property
    def label(self) -> str:
        return STATUS_CODES.get(self.status_code, self.status_code)
