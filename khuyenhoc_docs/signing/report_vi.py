"""Vietnamese wording of validation facts: signer kinds, problems, the summary, revocation reasons,
key usages, time zone.

This is the validation report's vocabulary: it is stored with each version's report, printed in the
evidence export and shown as the report itself, so it is domain content like a register's column
headers, not a UI error message (those are worded from codes in ``web/messages/``)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta, timezone
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from pyhanko.sign.diff_analysis import ModificationLevel

from ..labels_vi import enum_label, signature_field_label

if TYPE_CHECKING:
    from .validation import SignatureReport

VN_TZ = timezone(timedelta(hours=7), "ICT")

REVOCATION_WARNING = "Không kiểm tra được tình trạng thu hồi của chứng thư số"

REASONS_VI = {
    "unspecified": "không nêu lý do",
    "key_compromise": "lộ khoá bí mật",
    "ca_compromise": "tổ chức chứng thực bị lộ khoá",
    "affiliation_changed": "thay đổi đơn vị công tác",
    "superseded": "đã được thay thế",
    "cessation_of_operation": "ngừng sử dụng",
    "certificate_hold": "tạm dừng",
    "remove_from_crl": "gỡ khỏi danh sách thu hồi",
    "privilege_withdrawn": "bị rút quyền",
    "aa_compromise": "tổ chức cấp thuộc tính bị lộ khoá",
}

REVOCATION_STATES_VI = {
    "good": "Chưa bị thu hồi",
    "revoked": "Đã bị thu hồi",
    "unknown": "Máy chủ OCSP không biết chứng thư này",
    "unavailable": "Không kiểm tra được (máy chủ CRL/OCSP không trả lời)",
    "not_published": "Không kiểm tra được (chứng thư không công bố CRL/OCSP)",
}

_KEY_USAGE_VI = {
    "digital_signature": "Ký số",
    "non_repudiation": "Chống chối bỏ",
    "content_commitment": "Chống chối bỏ",
    "key_encipherment": "Mã hoá khoá",
    "data_encipherment": "Mã hoá dữ liệu",
    "key_agreement": "Thoả thuận khoá",
    "key_cert_sign": "Ký chứng thư số",
    "crl_sign": "Ký danh sách thu hồi",
}
_EKU_VI = {
    "email_protection": "Bảo vệ thư điện tử",
    "1.3.6.1.5.5.7.3.36": "Ký tài liệu",
    "time_stamping": "Cấp dấu thời gian",
    "code_signing": "Ký mã chương trình",
    "client_auth": "Xác thực người dùng",
}


def key_usage_vi(cert: asn1_x509.Certificate) -> tuple[str, ...]:
    """The certificate's key usages and extended key usages, in Vietnamese."""
    out: list[str] = []
    ku = cert.key_usage_value
    for name in sorted(ku.native) if ku is not None else ():
        out.append(_KEY_USAGE_VI.get(name, name))
    eku = cert.extended_key_usage_value
    for name in eku.native if eku is not None else ():
        out.append(_EKU_VI.get(name, name))
    return tuple(dict.fromkeys(out))


PERSON_VI, ORGANISATION_VI = "chữ ký của người có thẩm quyền", "chữ ký số của cơ quan, tổ chức"


def signer_kind_vi(cn: str | None, organisation: str | None, position: str | None) -> str:
    """An organisation's certificate names the organisation itself (CN = O, no title)."""
    if cn and organisation and cn.strip() == organisation.strip() and not position:
        return ORGANISATION_VI
    return PERSON_VI


_TRUST_PROBLEMS_VI = {
    "NO_CERTIFICATE_CHAIN_FOUND": "Chứng thư số không do tổ chức chứng thực được tin cậy cấp.",
    "EXPIRED": "Chứng thư số đã hết hạn tại thời điểm kiểm tra.",
    "OUT_OF_BOUNDS_NO_POE": "Chứng thư số đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra.",
    "OUT_OF_BOUNDS_NOT_REVOKED": "Chứng thư số đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra.",
    "NOT_YET_VALID": "Chứng thư số chưa có hiệu lực tại thời điểm kiểm tra.",
    "REVOKED": "Chứng thư số đã bị thu hồi.",
    "REVOKED_NO_POE": "Chứng thư số đã bị thu hồi.",
    "REVOKED_CA_NO_POE": "Chứng thư số của tổ chức chứng thực đã bị thu hồi.",
    "SIG_CONSTRAINTS_FAILURE": "Chứng thư số không được cấp cho mục đích ký số.",
}


def problems_vi(intact: bool, valid: bool, trust_problem: str | None, ts_valid: bool | None,
              level: str | None, docmdp_ok: bool | None) -> list[str]:
    """What is wrong with one signature, in the report's words."""
    out = []
    if not intact:
        out.append("Nội dung đã bị thay đổi sau khi ký (chữ ký không còn toàn vẹn).")
    elif not valid:
        out.append("Chữ ký số không hợp lệ về mặt mật mã.")
    if intact and valid and trust_problem is not None:
        out.append(_TRUST_PROBLEMS_VI.get(
            trust_problem, f"Chứng thư số không được tin cậy ({trust_problem})."))
    if ts_valid is False:
        out.append("Dấu thời gian không hợp lệ hoặc không được tin cậy.")
    if intact and (docmdp_ok is False or level == ModificationLevel.OTHER.name):
        out.append("Tài liệu bị sửa đổi sau khi ký theo cách không được phép "
                   f"(mức: {enum_label('modification', level).lower()}).")
    return out


def summary_vi(sigs: Sequence[SignatureReport], warnings: Sequence[str]) -> str:
    """The report's one-paragraph verdict."""
    if not sigs:
        return "Tài liệu không có chữ ký số."
    bad = [s for s in sigs if not s.ok]
    if not bad:
        text = (f"Tài liệu có {len(sigs)} chữ ký số, tất cả đều hợp lệ, "
                "toàn vẹn và được tin cậy.")
    else:
        parts = [f"{s.signer_cn or signature_field_label(s.field_name)}: {' '.join(s.problems) or 'không hợp lệ.'}" for s in bad]
        text = f"{len(bad)}/{len(sigs)} chữ ký số không hợp lệ. " + " ".join(parts)
    if warnings:
        text += " Cảnh báo: " + " ".join(dict.fromkeys(warnings))
    return text
