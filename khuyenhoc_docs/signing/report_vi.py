"""Vietnamese wording of validation facts: revocation reasons, key usages, time zone."""
from __future__ import annotations

from datetime import timedelta, timezone

from asn1crypto import x509 as asn1_x509

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
