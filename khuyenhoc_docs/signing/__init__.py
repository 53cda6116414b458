"""Signing and validation core: demo PKI, key sources, signature fields,
Vietnamese stamps, PAdES signing and validation.

Pure domain code: no Flask, no environment reading, no database. Every
setting is passed explicitly (frozen dataclasses).

The exception hierarchy lives here (before the submodule imports) so that
every submodule can raise it without import cycles. Each exception carries a
Vietnamese, user-facing ``reason_vi``.
"""

from __future__ import annotations


class SignatureCoreError(Exception):
    """Base class; ``reason_vi`` is safe to show to end users."""

    default_reason_vi = "Lỗi xử lý chữ ký số."

    def __init__(self, reason_vi: str | None = None, *, detail: str | None = None):
        self.reason_vi = reason_vi or self.default_reason_vi
        # detail: technical (English) cause for logs, never shown to users
        self.detail = detail
        super().__init__(self.reason_vi if detail is None else f"{self.reason_vi} ({detail})")


class SigningError(SignatureCoreError):
    """Signing could not be carried out."""

    default_reason_vi = "Không thể ký số tài liệu."


class WrongPassphrase(SigningError):
    default_reason_vi = "Mật khẩu tệp chứng thư số (PKCS#12) không đúng."


class WrongPin(SigningError):
    default_reason_vi = "Mã PIN của thiết bị ký số (token) không đúng."


class KeyFileInvalid(SigningError):
    default_reason_vi = "Tệp chứng thư số không hợp lệ hoặc bị hỏng."


class CertificateRefused(SigningError):
    """The signer's certificate may not be used for this signature."""

    default_reason_vi = "Chứng thư số không được chấp nhận."


class FieldAlreadySigned(SigningError):
    default_reason_vi = "Ô chữ ký này đã được ký."


class SignatureBlockNotFound(SigningError):
    default_reason_vi = "Không tìm thấy vị trí chữ ký trong tài liệu."


class InvalidPdf(SignatureCoreError):
    """Input to validation is not a readable, unencrypted PDF."""

    default_reason_vi = "Tệp không phải là tài liệu PDF hợp lệ."


# Re-exports (after the exceptions: submodules import them from here).
from .appearance import AppearanceOptions, StampInfo, stamp_font_path, stamp_text  # noqa: E402
from .fields import (  # noqa: E402
    FieldBox,
    LocateOptions,
    SignatureBlock,
    locate_signature_boxes,
    prepare_fields,
)
from .hexstrings import install as _install_hex_reader  # noqa: E402
from .keys import (  # noqa: E402
    KeySource,
    Pkcs11KeySource,
    Pkcs11Options,
    Pkcs12KeySource,
    SigningKey,
    check_certificate,
)
from .pki import (  # noqa: E402
    CertKey,
    KeyType,
    create_demo_ca,
    issue_signing_cert,
    issue_tsa_cert,
    load_pkcs12,
    to_pkcs12,
)
from .signer import SignOptions, sign_document  # noqa: E402
from .tsa import DemoTimeStamper, http_timestamper  # noqa: E402
from .validation import SignatureReport, ValidationReport, validate_pdf  # noqa: E402

_install_hex_reader()  # every pyHanko parse in the process reads hex strings the fast way

__all__ = [
    "AppearanceOptions",
    "CertKey",
    "CertificateRefused",
    "DemoTimeStamper",
    "FieldAlreadySigned",
    "FieldBox",
    "InvalidPdf",
    "KeyFileInvalid",
    "KeySource",
    "KeyType",
    "LocateOptions",
    "Pkcs11KeySource",
    "Pkcs11Options",
    "Pkcs12KeySource",
    "SignOptions",
    "SignatureBlock",
    "SignatureBlockNotFound",
    "SignatureCoreError",
    "SignatureReport",
    "SigningError",
    "SigningKey",
    "StampInfo",
    "ValidationReport",
    "WrongPassphrase",
    "WrongPin",
    "check_certificate",
    "create_demo_ca",
    "http_timestamper",
    "issue_signing_cert",
    "issue_tsa_cert",
    "load_pkcs12",
    "locate_signature_boxes",
    "prepare_fields",
    "sign_document",
    "stamp_font_path",
    "stamp_text",
    "to_pkcs12",
    "validate_pdf",
]
