"""Small helpers to read form fields defensively (length caps, integers)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from .. import legacy


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


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())[:51]


def legacy_metadata(form: Any) -> legacy.LegacyMetadata:
    """A pre-system record's metadata from a form or multipart body (dates yyyy-mm-dd; pages and API alike)."""
    try:
        issued: date | None = date.fromisoformat(form_str(form, "issue_date", 10))
    except ValueError:
        issued = None
    ids = form.getlist("organisation_ids")
    return legacy.LegacyMetadata(
        doc_number=form_str(form, "doc_number", 120), issue_date=issued, title=form_str(form, "title", 2000),
        organisation_ids=tuple(int(v) for v in ids if is_id(str(v)))[:3], doc_type=form_str(form, "doc_type", 120),
        signers=_lines(str(form.get("signers") or "")[:20000]),
        recipients=_lines(str(form.get("recipients") or "")[:20000]))
