"""Domain errors shared by the core; the web layer maps them to HTTP answers."""
from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class: ``message`` is safe to show to the user; ``code`` names the error.

    The web layer shows the Vietnamese text it maps to ``code`` (``web/messages.py``) and falls back
    to ``message``, so the core can raise by code alone.
    """

    status = 400
    code = ""

    def __init__(self, message: str = "", *, fields: Mapping[str, str] | None = None, code: str | None = None) -> None:
        super().__init__(message or code or self.code)
        self.message = message
        self.fields = dict(fields or {})
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409


class ServiceUnavailable(DomainError):
    """An outside service (e.g. a remote signing provider) is down or too slow; nothing was stored."""

    status = 503
