"""Jinja helpers for the Vietnamese UI: permission checks, labels and Vietnam-time dates."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from .. import labels_vi
from ..access import can
from ..vntime import vn_day
from .context import principal

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

STATUS_LABELS = {
    "draft": "Dự thảo",
    "awaiting_signatures": "Chờ ký",
    "signed": "Đã ký",
    "sealed": "Đã đóng dấu",
    "declined": "Bị từ chối ký",
    "withdrawn": "Đã thu hồi",
    "issued": "Đã phát hành",
}
ACTION_LABELS = {
    "create": "tạo dự thảo", "edit": "sửa (phiên bản mới)", "submit": "trình ký",
    "seal": "cấp số, đóng dấu (chữ ký số của cơ quan)", "sign": "ký số",
    "decline": "từ chối ký", "withdraw": "thu hồi", "issue": "phát hành", "resend": "gửi lại",
    "acknowledge": "nơi nhận xác nhận", "recipient_download": "nơi nhận tải về", "view": "xem",
    "download": "tải tệp", "export": "xuất", "verify": "kiểm tra chữ ký", "login": "đăng nhập",
    "remote_sign_request": "gửi yêu cầu ký từ xa", "remote_sign_cancel": "hủy yêu cầu ký từ xa",
}
ROLE_LABELS = {"admin": "Quản trị", "clerk": "Văn thư", "chair": "Người ký", "archivist": "Lưu trữ"}


def vn_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time."""
    if value is None:
        return ""
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def vn_iso(value: str | None) -> str:
    """An ISO-8601 timestamp from a stored report, shown in Vietnam time."""
    if not value:
        return "—"
    try:
        return vn_datetime(datetime.fromisoformat(value)) + " (GMT+7)"
    except (TypeError, ValueError):
        return str(value)


def vn_date(value: date | None) -> str:
    """dd/mm/yyyy; a timestamp is first turned into its Vietnam calendar day."""
    if isinstance(value, datetime):
        value = vn_day(value)
    return value.strftime("%d/%m/%Y") if value else ""


def document_status_label(doc: Any) -> str:
    """One document's status; between the two organisations' seals it says whose seal is awaited."""
    if doc.status == "signed" and doc.seal_required and len(doc.seals) == 1:
        return "Đã cấp số, chờ đóng dấu bên phối hợp"
    return STATUS_LABELS.get(doc.status, doc.status)


def register_ui(app: Flask) -> None:
    """Install filters and globals."""
    app.add_template_filter(vn_datetime, "vn_datetime")
    app.add_template_filter(vn_date, "vn_date")
    app.add_template_filter(vn_iso, "vn_iso")
    app.add_template_filter(lambda r: ROLE_LABELS.get(r, r), "role_label")
    app.add_template_global(lambda s: STATUS_LABELS.get(s, s), "status_label")
    app.add_template_global(document_status_label, "document_status_label")
    app.add_template_filter(lambda a: ACTION_LABELS.get(a, a), "action_label")
    app.add_template_global(lambda action, obj=None: can(principal(), action, obj), "can")
    app.add_template_filter(labels_vi.field_label, "field_label")
    app.add_template_filter(labels_vi.signature_field_label, "sig_field_label")
    app.add_template_filter(labels_vi.subject_label, "subject_label")
    app.add_template_filter(lambda value, kind: labels_vi.enum_label(kind, value), "enum_label")
    app.add_template_filter(labels_vi.placeholder_label, "placeholder_label")
    app.add_template_global(_remote_kind, "my_remote_kind")
    app.add_template_global(_remote_hold, "remote_hold")


def _remote_hold(doc):
    """The pending remote signature holding ``doc`` (shown as a waiting state on its page)."""
    from ..workflow.reservations import pending_hold
    from .context import db

    return pending_hold(db(), doc.id)


def _remote_kind() -> str | None:
    """The signed-in chair's remote signing service kind, if they sign remotely (sign dialog)."""
    from ..workflow.remote_signing import remote_kind
    from .context import db

    p = principal()
    return remote_kind(db(), p) if p is not None else None
