"""Distribution core: e-mailing issued documents, acknowledgement links, the outgoing register.

Pure domain code: no Flask, no environment reading, no database. Every setting is passed
explicitly (frozen dataclasses).

The exception base lives here (before the submodule imports) so that every submodule can
raise it without import cycles. Each exception carries a Vietnamese, user-facing
``reason_vi`` (also available as ``message``) and an optional English ``detail`` for logs.
"""

from __future__ import annotations


class DistributionError(Exception):
    """Base class; ``reason_vi`` is safe to show to end users, ``detail`` is for logs only."""

    default_reason_vi = "Lỗi khi phát hành văn bản."

    def __init__(self, reason_vi: str | None = None, *, detail: str | None = None) -> None:
        self.reason_vi = reason_vi or self.default_reason_vi
        self.detail = detail
        super().__init__(self.reason_vi if detail is None else f"{self.reason_vi} ({detail})")

    @property
    def message(self) -> str:
        """Same as ``reason_vi`` (the name ``khuyenhoc_docs.errors.DomainError`` uses)."""
        return self.reason_vi


# Re-exports (after the base class: submodules import it from here).
from .mailer import (  # noqa: E402
    Attachment,
    InvalidRecipient,
    MailDeliveryFailed,
    MailOptions,
    OutgoingMail,
    send_mail,
    validate_address,
)
from .register_export import COLUMNS, RegisterRow, ack_summary, to_csv, to_xlsx, void_note  # noqa: E402
from .tokens import TokenError, TokenExpired, TokenInvalid, make_token, read_token  # noqa: E402

__all__ = [
    "COLUMNS",
    "Attachment",
    "DistributionError",
    "InvalidRecipient",
    "MailDeliveryFailed",
    "MailOptions",
    "OutgoingMail",
    "RegisterRow",
    "TokenError",
    "TokenExpired",
    "TokenInvalid",
    "ack_summary",
    "make_token",
    "read_token",
    "send_mail",
    "to_csv",
    "to_xlsx",
    "validate_address",
    "void_note",
]
