"""What a clerk fills in for a joint programme: frozen dataclasses, JSON round-trip, validation.

Problems are keyed by field path ("party_b.signer_name", "contents[2]") so a form can show each
one next to its input; each is an ``errors.Problem`` code worded in ``web/messages/`` with the
field's label. The labels (``LABELS``) and the defaults ("Lưu: VT.", "chương trình phối hợp") stay
here: they are document content, printed into the programme and its template page, not messages.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass
from dataclasses import fields as dc_fields
from datetime import date, datetime
from typing import Any

from ..errors import Problem
from .vn import format_short_date

MAX_TEXT = 2_000  #: one paragraph of body text
MAX_CONTENT_ITEM = 5_000  #: a content item may hold several paragraphs
MAX_SHORT = 300  #: names, positions, numbers
MAX_ITEMS = 50  #: any list

Errors = dict[str, list[str]]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_DEADLINE = re.compile(r"^(\d{1,2})/(\d{1,2})$")

LABELS: dict[str, str] = {
    "doc_type": "Tên loại văn bản", "summary": "Trích yếu", "period": "Giai đoạn",
    "place": "Địa danh", "parent": "Văn bản cấp trên", "preamble": "Phần mở đầu",
    "purposes": "Mục đích", "requirements": "Yêu cầu", "contents": "Nội dung phối hợp",
    "responsibilities": "Trách nhiệm thực hiện", "closing": "Câu kết",
    "party_a": "Bên chủ trì", "party_b": "Bên phối hợp", "recipients": "Nơi nhận", "addressees": "Kính gửi",
    "archive": "Dòng lưu", "report_deadline": "Hạn báo cáo", "report_to": "Nơi nhận báo cáo",
    "type_abbr": "Ký hiệu loại văn bản", "org_abbrs": "Ký hiệu cơ quan",
    "lead_left_in_header": "Bên chủ trì ở bên trái tiêu đề",
    "lead_left_in_signatures": "Bên chủ trì ký bên trái",
    # nested
    "number": "Số", "date": "Ngày", "parties": "Các bên", "subject": "Về việc",
    "doc_kind": "Loại văn bản", "heading": "Tên cấp", "items": "Nhiệm vụ",
    "org_name": "Tên tổ chức", "org_name_upper_for_header": "Tên tổ chức ở tiêu đề",
    "parent_org_name": "Tên cơ quan cấp trên", "authority_prefix": "Thẩm quyền ký",
    "position": "Chức vụ người ký", "signer_name": "Họ tên người ký",
}


class FieldsError(ValueError):
    """Raised by from_dict when the data cannot even be read (wrong types, bad dates)."""

    def __init__(self, errors: Errors) -> None:
        self.errors = errors
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))


def label(path: str) -> str:
    """Vietnamese label of a field path: "party_b.signer_name" -> "Bên phối hợp – Họ tên người ký"."""
    parts = []
    for piece in path.split("."):
        name, _, index = piece.partition("[")
        text = LABELS.get(name, name)
        parts.append(f"{text} mục {int(index.rstrip(']')) + 1}" if index else text)
    return " – ".join(parts)


def _n(number: int) -> str:
    """Vietnamese thousands separator: 100000 -> "100.000"."""
    return f"{number:,}".replace(",", ".")


def _add(errors: Errors, path: str, code: str, **params: Any) -> None:
    """Record a problem of the field at ``path``, worded with its label ("Trích yếu: bắt buộc nhập.")."""
    errors.setdefault(path, []).append(Problem("draft_field", field=label(path), problem=Problem(code, **params)))


def _check_text(errors: Errors, path: str, value: str, *, required: bool, limit: int,
                upper: bool = False, rich: bool = False) -> None:
    if not value.strip():
        if required:
            _add(errors, path, "draft_required")
        return
    if len(value) > limit:
        _add(errors, path, "draft_too_long", limit=_n(limit), length=_n(len(value)))
    if _CONTROL.search(value):
        _add(errors, path, "draft_control_characters")
    if upper and value != value.upper():
        _add(errors, path, "draft_uppercase")
    if rich and value.count("**") % 2:
        _add(errors, path, "draft_bold_unclosed")


def _check_list(errors: Errors, path: str, values: tuple[str, ...], *, required: bool,
                limit: int = MAX_TEXT) -> None:
    if required and not values:
        _add(errors, path, "draft_items_required")
    if len(values) > MAX_ITEMS:
        _add(errors, path, "draft_too_many_items", max_items=MAX_ITEMS, count=len(values))
    for i, value in enumerate(values[:MAX_ITEMS]):
        _check_text(errors, f"{path}[{i}]", value, required=True, limit=limit, rich=True)


@dataclass(frozen=True, kw_only=True)
class Party:
    """One signing organisation: its header name and its signature block."""

    org_name: str  # running-text name, "Hội Khuyến học tỉnh Bến Tre"
    org_name_upper_for_header: str  # "HỘI KHUYẾN HỌC TỈNH BẾN TRE"
    parent_org_name: str | None = None  # line above the name, "TỈNH ĐOÀN BẾN TRE"
    authority_prefix: str  # "TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC"
    position: str  # "CHỦ TỊCH"
    signer_name: str  # "Đặng Thị Hoa"

    def validate(self, errors: Errors, path: str) -> None:
        for name in ("org_name", "org_name_upper_for_header", "authority_prefix", "position", "signer_name"):
            upper = name in ("org_name_upper_for_header", "authority_prefix", "position")
            _check_text(errors, f"{path}.{name}", getattr(self, name), required=True,
                        limit=MAX_SHORT, upper=upper)
        _check_text(errors, f"{path}.parent_org_name", self.parent_org_name or "", required=False,
                    limit=MAX_SHORT, upper=True)


RELATIONS = ("", "giữa", "của")


@dataclass(frozen=True, kw_only=True)
class ParentProgramme:
    """The higher-level document this one implements ("Thực hiện chương trình phối hợp số …")."""

    number: str  # "40/CTPH-HKVN-ĐTNCSHCM"
    date: date
    parties: str  # "Hội Khuyến học Việt Nam và Trung ương Đoàn TNCS Hồ Chí Minh"
    subject: str = ""  # "phối hợp hoạt động … giai đoạn 2017 – 2020" (after "về việc")
    doc_kind: str = "chương trình phối hợp"
    # "giữa" the parties of a joint programme, "của" the one body that issued it (a received document)
    relation: str = "giữa"

    def citation(self) -> str:
        """ "chương trình phối hợp số 40/…, ngày 19/9/2017 giữa … về việc …" as the reference cites it."""
        text = (f"{self.doc_kind} số {self.number}, ngày {format_short_date(self.date)} "
                f"{self.relation or 'giữa'} {self.parties}")
        return f"{text} về việc {self.subject}" if self.subject else text

    def validate(self, errors: Errors, path: str) -> None:
        for name in ("number", "parties", "doc_kind"):
            _check_text(errors, f"{path}.{name}", getattr(self, name), required=True, limit=MAX_SHORT)
        _check_text(errors, f"{path}.subject", self.subject, required=False, limit=MAX_TEXT)
        if self.relation not in RELATIONS:
            _add(errors, f"{path}.relation", "phải là “giữa” (các bên) hoặc “của” (cơ quan ban hành).")


@dataclass(frozen=True, kw_only=True)
class Responsibility:
    """Tasks of one level ("Cấp tỉnh") or one party, rendered "1. Cấp tỉnh" then one "- task" line each."""

    heading: str
    items: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))


@dataclass(frozen=True, kw_only=True)
class ProgrammeFields:
    """Everything variable in a joint programme or agreement.

    Body texts may mark bold with **…** (the reference bolds "chậm nhất vào ngày 15/11 hàng
    năm."). A content item may hold several paragraphs separated by line breaks; only its
    first paragraph carries the item number. party_a is the lead organisation; where it
    stands in the header and among the signatures is configurable because documents differ
    (Decree 30 convention: the lead signs on the right).
    """

    doc_type: str = "CHƯƠNG TRÌNH"
    summary: str
    period: str = ""
    place: str
    parent: ParentProgramme | None = None
    preamble: str
    purposes: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    contents: tuple[str, ...] = ()
    responsibilities: tuple[Responsibility, ...] = ()
    closing: str
    party_a: Party
    party_b: Party
    recipients: tuple[str, ...] = ()
    addressees: tuple[str, ...] = ()  # "Kính gửi:" of a công văn (programmes print none)
    archive: str = "Lưu: VT."
    report_deadline: str = ""  # "15/11"
    report_to: str = ""  # who receives the yearly report (district and grassroots templates)
    type_abbr: str = "CTPH"
    org_abbrs: tuple[str, ...] = ()
    lead_left_in_header: bool = True
    lead_left_in_signatures: bool = False

    def __post_init__(self) -> None:
        # Accept lists from callers but store tuples so instances stay hashable and immutable.
        for name in ("purposes", "requirements", "contents", "recipients", "addressees", "org_abbrs",
                     "responsibilities"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    # -- layout helpers -------------------------------------------------------------------
    def header_parties(self) -> tuple[Party, Party]:
        """(left, right) organisations of the header."""
        a, b = self.party_a, self.party_b
        return (a, b) if self.lead_left_in_header else (b, a)

    def signature_parties(self) -> tuple[Party, Party]:
        """(left, right) signature blocks."""
        a, b = self.party_a, self.party_b
        return (a, b) if self.lead_left_in_signatures else (b, a)

    # -- validation -----------------------------------------------------------------------
    def validate(self, *, require_parent: bool = False, require_report: bool = False,
                 letter: bool = False) -> Errors:
        """Vietnamese messages per field path; empty when the fields can be issued. A công văn (``letter``)
        needs its addressees and body text but no purposes, requirements or responsibilities."""
        errors: Errors = {}
        _check_text(errors, "doc_type", self.doc_type, required=True, limit=MAX_SHORT, upper=True)
        _check_text(errors, "summary", self.summary, required=True, limit=MAX_TEXT)
        _check_text(errors, "period", self.period, required=False, limit=MAX_SHORT)
        _check_text(errors, "place", self.place, required=True, limit=MAX_SHORT)
        for name in ("preamble", "closing"):
            _check_text(errors, name, getattr(self, name), required=True, limit=MAX_TEXT, rich=True)
        _check_list(errors, "purposes", self.purposes, required=not letter)
        _check_list(errors, "requirements", self.requirements, required=not letter)
        _check_list(errors, "contents", self.contents, required=True, limit=MAX_CONTENT_ITEM)
        _check_list(errors, "recipients", self.recipients, required=True, limit=MAX_SHORT)
        _check_list(errors, "addressees", self.addressees, required=letter, limit=MAX_SHORT)
        _check_list(errors, "org_abbrs", self.org_abbrs, required=False, limit=MAX_SHORT)
        if not self.responsibilities and not letter:
            _add(errors, "responsibilities", "draft_items_required")
        if len(self.responsibilities) > MAX_ITEMS:
            _add(errors, "responsibilities", "draft_too_many_items", max_items=MAX_ITEMS, count=len(self.responsibilities))
        for i, resp in enumerate(self.responsibilities[:MAX_ITEMS]):
            _check_text(errors, f"responsibilities[{i}].heading", resp.heading, required=True, limit=MAX_SHORT)
            _check_list(errors, f"responsibilities[{i}].items", resp.items, required=True)
        self.party_a.validate(errors, "party_a")
        self.party_b.validate(errors, "party_b")
        _check_text(errors, "archive", self.archive, required=True, limit=MAX_SHORT)
        _check_text(errors, "type_abbr", self.type_abbr, required=not letter, limit=MAX_SHORT, upper=True)
        if self.parent is not None:
            self.parent.validate(errors, "parent")
        elif require_parent:
            _add(errors, "parent", "draft_parent_required")
        _check_text(errors, "report_to", self.report_to, required=require_report, limit=MAX_SHORT)
        _check_text(errors, "report_deadline", self.report_deadline, required=require_report, limit=5)
        if self.report_deadline.strip() and not _valid_day_month(self.report_deadline.strip()):
            _add(errors, "report_deadline", "draft_day_month_invalid")
        return errors

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict; from_dict(to_dict()) gives an equal object."""
        return _to_json(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProgrammeFields:
        """Build from JSON data; raises FieldsError (Vietnamese messages) on wrong shapes."""
        errors: Errors = {}
        obj = _read(cls, data, "", errors)
        if errors or obj is None:
            raise FieldsError(errors or {"": [Problem("draft_data_invalid")]})
        return obj

    @classmethod
    def parse(cls, data: dict[str, Any], **validate_kw: bool) -> tuple[ProgrammeFields | None, Errors]:
        """from_dict then validate, returning (fields or None, all errors)."""
        try:
            obj = cls.from_dict(data)
        except FieldsError as exc:
            return None, exc.errors
        return obj, obj.validate(**validate_kw)


def _valid_day_month(text: str) -> bool:
    m = _DEADLINE.match(text)
    if not m:
        return False
    try:
        date(2000, int(m.group(2)), int(m.group(1)))  # leap year so 29/02 passes
    except ValueError:
        return False
    return True


def parse_date(value: Any) -> date:
    """ISO "2017-09-19" or Vietnamese "19/9/2017"; ValueError otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _to_json(value: Any) -> Any:
    if isinstance(value, (Party, ParentProgramme, Responsibility, ProgrammeFields)):
        return {f.name: _to_json(getattr(value, f.name)) for f in dc_fields(value)}
    if isinstance(value, tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


_NESTED: dict[str, type] = {"parent": ParentProgramme, "party_a": Party, "party_b": Party}
_STR_LISTS = {"purposes", "requirements", "contents", "recipients", "addressees", "org_abbrs", "items"}


def _read(cls: type, data: Any, path: str, errors: Errors) -> Any:
    """Read one dataclass from JSON data, collecting shape errors instead of stopping at the first."""
    if not isinstance(data, dict):
        if path:
            _add(errors, path, "draft_not_object")
        else:
            errors.setdefault(path, []).append(Problem("draft_data_not_object"))
        return None
    known = {f.name: f for f in dc_fields(cls)}
    for key in data:
        if key not in known:
            errors.setdefault(f"{path}.{key}" if path else key, []).append(Problem("draft_field_unsupported", key=key))
    kwargs: dict[str, Any] = {}
    for name, f in known.items():
        sub = f"{path}.{name}" if path else name
        if name not in data or data[name] is None:
            if name == "parent_org_name" or name == "parent":
                kwargs[name] = None
            elif f.default is not MISSING:
                continue
            elif name in _NESTED or name == "date":
                _add(errors, sub, "draft_required")
            else:
                kwargs[name] = ""  # let validate() report it as missing
            continue
        value = data[name]
        if name in _NESTED:
            kwargs[name] = _read(_NESTED[name], value, sub, errors)
        elif name == "responsibilities":
            kwargs[name] = _read_list(value, sub, errors, lambda v, p: _read(Responsibility, v, p, errors))
        elif name in _STR_LISTS:
            kwargs[name] = _read_list(value, sub, errors, lambda v, p: _read_str(v, p, errors))
        elif name == "date":
            try:
                kwargs[name] = parse_date(value)
            except ValueError:
                _add(errors, sub, "draft_date_invalid")
        elif isinstance(f.default, bool):
            if not isinstance(value, bool):
                _add(errors, sub, "draft_boolean")
            kwargs[name] = value
        else:
            kwargs[name] = _read_str(value, sub, errors)
    if errors:
        return None
    return cls(**kwargs)


def _read_str(value: Any, path: str, errors: Errors) -> str:
    if not isinstance(value, str):
        _add(errors, path, "draft_text")
        return ""
    return value


def _read_list(value: Any, path: str, errors: Errors, read_item: Any) -> tuple[Any, ...]:
    if not isinstance(value, list):
        _add(errors, path, "draft_list")
        return ()
    if len(value) > MAX_ITEMS:
        # Refuse before reading the items: nothing past the cap is worth checking one by one.
        _add(errors, path, "draft_too_many_items", max_items=MAX_ITEMS, count=len(value))
        return ()
    return tuple(read_item(v, f"{path}[{i}]") for i, v in enumerate(value))
