"""Translate the drafting form (flat HTML fields) to ProgrammeFields data and back."""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

SCALARS = ("doc_type", "summary", "period", "place", "preamble", "closing", "archive", "report_deadline",
           "report_to", "type_abbr")
PARTY_FIELDS = ("org_name", "org_name_upper_for_header", "parent_org_name", "authority_prefix", "position",
                "signer_name")
PARENT_FIELDS = ("number", "date", "parties", "subject", "doc_kind", "relation")
LISTS = ("purposes", "requirements", "contents", "recipients", "addressees")
LIMIT = 20_000  # anything longer is cut one past the field limit so validation still reports it


def _clean(value: str) -> str:
    return value.replace("\r\n", "\n").strip()[:LIMIT]


def fields_from_form(form: MultiDict) -> dict[str, Any]:
    """Build the JSON shape ProgrammeFields.from_dict expects; empty list rows are dropped."""
    data: dict[str, Any] = {name: _clean(form.get(name, "")) for name in SCALARS}
    for party in ("party_a", "party_b"):
        values: dict[str, Any] = {f: _clean(form.get(f"{party}.{f}", "")) for f in PARTY_FIELDS}
        values["parent_org_name"] = values["parent_org_name"] or None
        data[party] = values
    if form.get("has_parent"):
        data["parent"] = {f: _clean(form.get(f"parent.{f}", "")) for f in PARENT_FIELDS}
    else:
        data["parent"] = None
    for name in LISTS:
        data[name] = [_clean(v) for v in form.getlist(name) if _clean(v)][:200]
    headings = form.getlist("resp_heading")
    items = form.getlist("resp_items")
    data["responsibilities"] = [
        {"heading": _clean(h), "items": [line.strip() for line in _clean(i).split("\n") if line.strip()]}
        for h, i in zip(headings, items, strict=False)
        if _clean(h) or _clean(i)
    ][:200]
    data["org_abbrs"] = [a.strip() for a in form.get("org_abbrs", "").split(",") if a.strip()][:20]
    data["lead_left_in_header"] = bool(form.get("lead_left_in_header"))
    data["lead_left_in_signatures"] = bool(form.get("lead_left_in_signatures"))
    return data


def form_from_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Values for re-displaying the form from stored (or submitted) fields."""
    out = {name: data.get(name) or "" for name in SCALARS}
    for party in ("party_a", "party_b"):
        for f in PARTY_FIELDS:
            out[f"{party}.{f}"] = (data.get(party) or {}).get(f) or ""
    parent = data.get("parent") or {}
    out["has_parent"] = bool(parent)
    for f in PARENT_FIELDS:
        out[f"parent.{f}"] = parent.get(f) or ""
    for name in LISTS:
        out[name] = list(data.get(name) or [])
    out["responsibilities"] = [
        {"heading": r.get("heading", ""), "items": "\n".join(r.get("items") or [])}
        for r in data.get("responsibilities") or []
    ]
    out["org_abbrs"] = ", ".join(data.get("org_abbrs") or [])
    out["lead_left_in_header"] = data.get("lead_left_in_header", True)
    out["lead_left_in_signatures"] = data.get("lead_left_in_signatures", False)
    return out
