"""Small helpers to read form fields defensively (length caps, integers)."""
from __future__ import annotations

from collections.abc import Mapping


def form_str(form: Mapping[str, str], name: str, limit: int = 300) -> str:
    """A stripped string; over-long input is kept one char past the limit so validation rejects it."""
    return (form.get(name) or "").strip()[: limit + 1]


def is_id(raw: str) -> bool:
    """ASCII digits short enough for an INTEGER id (``str.isdigit`` also accepts "²", which ``int`` refuses)."""
    return raw.isascii() and raw.isdigit() and len(raw) < 10


def form_int(form: Mapping[str, str], name: str) -> int | None:
    """An integer or None when empty or not a number."""
    raw = (form.get(name) or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
