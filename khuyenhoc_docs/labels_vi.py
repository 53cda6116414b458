"""Vietnamese labels for every technical name a user may see: form fields and error keys,
signature fields, certificate name attributes, pyHanko's enums, template placeholders.

One mapping module, reused by the validation report (core), the Jinja filters (web) and any
later report: add new names here, never translate in templates.
These are names of things (content), not messages: error and refusal sentences are worded
from codes in ``web/messages/``.
"""
from __future__ import annotations

import re

#: Form fields and the keys of ``ValidationFailed.fields`` (dotted names as in the drafting form).
FIELD_LABELS: dict[str, str] = {
    "doc_type": "Loại văn bản", "summary": "Trích yếu", "period": "Giai đoạn", "place": "Địa danh",
    "preamble": "Căn cứ, mở đầu", "closing": "Câu kết", "archive": "Dòng lưu",
    "report_deadline": "Hạn báo cáo hằng năm", "report_to": "Nơi nhận báo cáo",
    "type_abbr": "Viết tắt loại văn bản", "org_abbrs": "Viết tắt tổ chức trong ký hiệu",
    "purposes": "Mục đích", "requirements": "Yêu cầu", "contents": "Nội dung phối hợp",
    "responsibilities": "Trách nhiệm thực hiện", "recipients": "Nơi nhận",
    "party_a": "Bên A", "party_b": "Bên B", "parent": "Văn bản cấp trên",
    "org_name": "Tên tổ chức", "org_name_upper_for_header": "Tên in ở tiêu đề",
    "parent_org_name": "Cơ quan cấp trên", "authority_prefix": "Thẩm quyền ký", "position": "Chức vụ người ký",
    "signer_name": "Họ tên người ký", "number": "Số, ký hiệu", "date": "Ngày ban hành", "parties": "Giữa (các bên)",
    "subject": "Về việc", "doc_kind": "Loại văn bản cấp trên", "relation": "Quan hệ",
    "partner_org_id": "Tổ chức phối hợp", "routing": "Thứ tự ký", "kind": "Mẫu văn bản",
    "secret": "Mật khẩu chứng thư số hoặc mã PIN", "reason": "Lý do", "file": "Tệp",
    "name": "Tên", "email": "Thư điện tử", "postal_address": "Địa chỉ bưu chính", "channels": "Hình thức gửi",
    "recipient_ids": "Nơi nhận", "recipient_list_ids": "Danh sách nơi nhận", "unit_ids": "Đơn vị",
    "username": "Tên đăng nhập", "password": "Mật khẩu", "full_name": "Họ tên", "roles": "Vai trò",
    "organisation_id": "Tổ chức", "year": "Năm", "obligation_id": "Báo cáo", "version": "Phiên bản",
    "fields": "Nội dung văn bản",
    "_": "Chung",
}

#: PDF signature field names the service creates.
SIGNATURE_FIELD_LABELS: dict[str, str] = {
    "sig_a": "Ô chữ ký bên A", "sig_b": "Ô chữ ký bên B", "sig_report": "Ô chữ ký báo cáo",
    "seal_lead": "Ô chữ ký số (con dấu) của cơ quan chủ trì", "seal_partner": "Ô chữ ký số (con dấu) của cơ quan phối hợp",
}

#: Attribute names in asn1crypto's ``Name.human_friendly`` ("Common Name: …, Title: …").
CERT_ATTRIBUTE_LABELS: dict[str, str] = {
    "Common Name": "Tên", "Title": "Chức danh", "Organization": "Tổ chức",
    "Organizational Unit": "Đơn vị", "Country": "Quốc gia", "State/Province": "Tỉnh/Thành phố",
    "Locality": "Địa phương", "Email Address": "Thư điện tử", "Serial Number": "Số hiệu",
    "Given Name": "Tên riêng", "Surname": "Họ", "Street Address": "Địa chỉ",
    "Organization Identifier": "Mã tổ chức", "User ID": "Mã người dùng", "Domain Component": "Miền",
}

#: pyHanko's SignatureCoverageLevel.
COVERAGE_LABELS: dict[str, str] = {
    "ENTIRE_FILE": "Toàn bộ tệp",
    "ENTIRE_REVISION": "Toàn bộ phiên bản được ký (các phần thêm sau được kiểm tra riêng)",
    "CONTIGUOUS_BLOCK_FROM_START": "Một đoạn liên tục từ đầu tệp",
    "UNCLEAR": "Không xác định",
}

#: pyHanko's ModificationLevel: what changed after the signature.
MODIFICATION_LABELS: dict[str, str] = {
    "NONE": "Không có thay đổi",
    "LTA_UPDATES": "Chỉ bổ sung dữ liệu lưu trữ dài hạn",
    "FORM_FILLING": "Chỉ điền biểu mẫu, ký thêm (được phép)",
    "ANNOTATIONS": "Chỉ thêm chú thích",
    "OTHER": "Thay đổi khác (không được phép)",
}

#: pyHanko's MDPPerm: what the certifying signature allows afterwards.
DOCMDP_LABELS: dict[str, str] = {
    "NO_CHANGES": "Không cho phép thay đổi",
    "FILL_FORMS": "Chỉ cho phép điền biểu mẫu và ký",
    "ANNOTATE": "Cho phép điền biểu mẫu, ký và chú thích",
}

SIGNATURE_KIND_LABELS: dict[str, str] = {"certification": "chữ ký chứng thực", "approval": "chữ ký phê duyệt"}

#: Template placeholders (drafting.templates.CONTEXT_KEYS).
PLACEHOLDER_LABELS: dict[str, str] = {
    "header_left_name": "Tên cơ quan cột trái", "header_right_name": "Tên cơ quan cột phải",
    "header_left_parent": "Cơ quan cấp trên cột trái", "header_right_parent": "Cơ quan cấp trên cột phải",
    "doc_number": "Số, ký hiệu", "place_date": "Địa danh, ngày tháng", "doc_type": "Loại văn bản",
    "summary": "Trích yếu", "preamble": "Căn cứ, mở đầu", "purposes": "Mục đích", "requirements": "Yêu cầu",
    "contents": "Nội dung phối hợp", "responsibilities": "Trách nhiệm thực hiện", "closing": "Câu kết",
    "recipients": "Nơi nhận", "parent_citation": "Trích dẫn văn bản cấp trên", "report_to": "Nơi nhận báo cáo",
    "report_deadline": "Hạn báo cáo", "period": "Giai đoạn", "place": "Địa danh",
    "party_a_name": "Tên bên A", "party_b_name": "Tên bên B", "issue_date": "Ngày ban hành",
    "is_draft": "Dấu “DỰ THẢO”",
    "sign_left_authority": "Thẩm quyền ký cột trái", "sign_left_position": "Chức vụ người ký cột trái",
    "sign_left_name": "Họ tên người ký cột trái", "sign_right_authority": "Thẩm quyền ký cột phải",
    "sign_right_position": "Chức vụ người ký cột phải", "sign_right_name": "Họ tên người ký cột phải",
}

_INDEXED = re.compile(r"^(.*)\[(\d+)\]$")


def field_label(name: str) -> str:
    """``party_b.signer_name`` → "Bên B · Họ tên người ký"; ``contents[2]`` → "Nội dung phối hợp (mục 3)"."""
    if name in SIGNATURE_FIELD_LABELS:
        return SIGNATURE_FIELD_LABELS[name]
    parts = []
    for part in name.split("."):
        match = _INDEXED.match(part)
        if match:
            parts.append(f"{FIELD_LABELS.get(match.group(1), match.group(1))} (mục {int(match.group(2)) + 1})")
        else:
            parts.append(FIELD_LABELS.get(part, part))
    return " · ".join(parts)


def signature_field_label(name: str | None) -> str:
    """A PDF signature field's name for people ("Ô chữ ký bên A"); unknown names are quoted as they are."""
    if not name:
        return "—"
    return SIGNATURE_FIELD_LABELS.get(name, f"Ô chữ ký “{name}”")


_ATTR_RE = re.compile(r"(^|, |; )(" + "|".join(re.escape(k) for k in sorted(CERT_ATTRIBUTE_LABELS, key=len,
                                                                                 reverse=True)) + r"): ")


def subject_label(subject: str | None) -> str:
    """"Common Name: Đặng Thị Hoa, Country: VN" → "Tên: Đặng Thị Hoa, Quốc gia: VN"."""
    if not subject:
        return "—"
    return _ATTR_RE.sub(lambda m: f"{m.group(1)}{CERT_ATTRIBUTE_LABELS[m.group(2)]}: ", subject)


def enum_label(kind: str, value: str | None) -> str:
    """A pyHanko enum value in Vietnamese; ``kind`` is coverage, modification, docmdp or signature_kind."""
    if not value:
        return "—"
    table = {"coverage": COVERAGE_LABELS, "modification": MODIFICATION_LABELS, "docmdp": DOCMDP_LABELS,
             "signature_kind": SIGNATURE_KIND_LABELS}[kind]
    return table.get(value, value)


def placeholder_label(name: str) -> str:
    return PLACEHOLDER_LABELS.get(name, name)
