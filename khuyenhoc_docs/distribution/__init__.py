"""Distribution core: e-mailing issued documents, acknowledgement links, the outgoing register.

Pure domain code: no Flask, no environment reading, no database. Every setting is passed
explicitly (frozen dataclasses).

The exception base lives here (before the submodule imports) so that every submodule can
raise it without import cycles. Each exception is named by ``reason_code`` with ``params``;
its Vietnamese, user-facing ``reason_vi`` (also available as ``message``) is worded in
``web/messages/``; an optional English ``detail`` is for logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import describe


class DistributionError(Exception):
    """Base class; ``reason_code`` (+ ``params``) names the problem (``code`` is the SMTP reply's
    on mail failures), ``reason_vi`` is its wording from ``web/messages/`` and is safe to show to
    end users, ``detail`` is for logs only."""

    reason_code = "distribution_failed"

    def __init__(self, reason_vi: str | None = None, *, detail: str | None = None, reason_code: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        if reason_code is not None:
            self.reason_code = reason_code
        self.params = dict(params or {})
        self._reason = reason_vi
        self.detail = detail
        super().__init__(reason_vi or self.reason_code)

    @property
    def reason_vi(self) -> str:
        return self._reason or describe(self.reason_code, self.params) or self.reason_code

    def __str__(self) -> str:
        return self.reason_vi if self.detail is None else f"{self.reason_vi} ({self.detail})"

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
