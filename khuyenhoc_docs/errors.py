"""Domain errors shared by the core; the web layer maps them to HTTP answers."""
from __future__ import annotations

from typing import Mapping


class DomainError(Exception):
    """Base class: ``message`` is Vietnamese and safe to show to the user."""

    status = 400

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})


class ValidationFailed(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
