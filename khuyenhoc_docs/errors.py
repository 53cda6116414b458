"""Domain errors shared by the core; the web layer maps them to HTTP answers and words them.

The core raises by ``code`` (a stable English name) with the values the wording needs in
``params``; the Vietnamese text for each code lives in ``web/messages/``, which installs itself
here (``install_wording``) when imported (``describe`` imports it on first use otherwise), so
``exc.message`` reads as the user will see it wherever the error is caught (web views, the worker's
stored failures, CLI). A form field's problem is a ``Problem`` (a code that reads as its words).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

# (code, params) -> the user's words, or None when the code has none.
Wording = Callable[[str, Mapping[str, Any]], "str | None"]
_wording: list[Wording] = []


def install_wording(wording: Wording) -> None:
    """Make ``wording`` the one that words error codes (the web layer's message table)."""
    _wording[:] = [wording]


def describe(code: str, params: Mapping[str, Any] | None = None) -> str | None:
    """The wording of ``code`` with ``params``, or None when the code has no entry."""
    if not code:
        return None
    if not _wording:
        # A process that never imported the web layer (a worker, a script, a unit test) loads the
        # table on first use; it is plain data (no Flask) and installs itself on import.
        importlib.import_module("khuyenhoc_docs.web.messages")
    return _wording[0](code, params or {})


class Problem(str):
    """One form field's problem, named by ``code`` with ``params``. It reads as its wording
    (``web/messages/``), so a field map stays a plain ``{field: text}`` for forms and JSON."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Problem:
        self = super().__new__(cls, describe(code, params) or code)
        self.code, self.params = code, params
        return self


class DomainError(Exception):
    """Base class: ``code`` names the error, ``params`` fill its wording, ``fields`` map form fields to
    their problems. ``message`` is the worded text (``web/messages/``), falling back to a message
    given at raise time, then to the code.
    """

    status = 400
    code = ""

    def __init__(self, message: str = "", *, fields: Mapping[str, str] | None = None, code: str | None = None,
                 params: Mapping[str, Any] | None = None) -> None:
        if code is not None:
            self.code = code
        self._message = message
        self.params = dict(params or {})
        self.fields = dict(fields or {})
        super().__init__(message or self.code)

    @property
    def message(self) -> str:
        """The text to show the user: the code's wording, else the message given, else the code."""
        return describe(self.code, self.params) or self._message or self.code

    def __str__(self) -> str:
        return self.message


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
