"""Vietnamese wording of the error codes the core raises (``DomainError.code`` with its ``params``).

The core names its refusals in English codes; this table is the one place their words live. Importing
this package installs ``word`` into ``errors`` (``errors.describe`` imports it on first use), so
``exc.message`` anywhere reads as the user sees it. A code without an entry shows the error's own
message, then the code itself.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...errors import DomainError, install_wording
from . import admin, documents, exchange, signing

#: Every code's words, gathered from the areas' tables (a code is worded once: tests check it).
CODE_MESSAGES: dict[str, str] = {**documents.MESSAGES, **signing.MESSAGES, **exchange.MESSAGES, **admin.MESSAGES}


def word(code: str, params: Mapping[str, Any]) -> str | None:
    """The words for ``code`` filled with ``params``; None when the code has no entry."""
    template = CODE_MESSAGES.get(code)
    if template is None:
        return None
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):  # a raise site's missing or odd value still says what went wrong
        return template


def message_for(exc: DomainError) -> str:
    """The Vietnamese message to show for a domain error."""
    return exc.message


install_wording(word)
