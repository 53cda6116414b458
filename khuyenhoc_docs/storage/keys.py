"""Object keys: built by the service from ids, never from user input.

The grammar is deliberately narrow (lowercase ASCII, no empty or dot-leading
segments) so that a key maps 1:1 to a path in the local backend and never
needs escaping in S3 URLs.
"""

from __future__ import annotations

import re

from .base import InvalidKey

__all__ = [
    "MAX_KEY_LENGTH",
    "copy_key",
    "document_key",
    "report_key",
    "template_key",
    "validate_key",
    "validate_prefix",
]

MAX_KEY_LENGTH = 512
_KEY_RE = re.compile(r"[a-z0-9][a-z0-9/_.-]*")
# Each segment must start with a letter or digit: this rules out "." and ".."
# segments (path aliases in the local backend) and keeps names that start with
# "." free for the local backend's own bookkeeping files.
_SEGMENT_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_EXT_RE = re.compile(r"[a-z0-9]{1,10}")


def validate_key(key: object) -> str:
    """Return ``key`` unchanged when it is a valid object key, else raise InvalidKey."""
    if not isinstance(key, str):
        raise InvalidKey(f"key must be str, not {type(key).__name__}")
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"key length must be 1..{MAX_KEY_LENGTH}")
    # fullmatch on str also rejects non-ASCII letters since the class is ASCII.
    if not _KEY_RE.fullmatch(key) or ".." in key or "//" in key:
        raise InvalidKey(f"invalid key {key!r}")
    if not all(_SEGMENT_RE.fullmatch(seg) for seg in key.split("/")):
        raise InvalidKey(f"invalid key segment in {key!r}")
    return key


def validate_prefix(prefix: object) -> str:
    """Validate a listing prefix: empty, or a key head (may end with "/")."""
    if prefix == "":
        return ""
    if not isinstance(prefix, str):
        raise InvalidKey("prefix must be str")
    head = prefix[:-1] if prefix.endswith("/") else prefix
    if not head:
        raise InvalidKey("prefix must not be '/'")
    validate_key(head)
    return prefix


def _name(label: str, value: str) -> str:
    if not _NAME_RE.fullmatch(value or ""):
        raise InvalidKey(f"invalid {label} {value!r}")
    return value


def _ext(ext: str) -> str:
    ext = ext[1:] if ext.startswith(".") else ext
    if not _EXT_RE.fullmatch(ext):
        raise InvalidKey(f"invalid extension {ext!r}")
    return ext


def _positive(label: str, value: int) -> int:
    # bool is an int subclass; True as an id is always a bug.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidKey(f"{label} must be a positive int, got {value!r}")
    return value


def document_key(document_id: int, version: int, kind: str, ext: str) -> str:
    """``documents/000123/v0002/signed.pdf`` for (123, 2, "signed", "pdf")."""
    doc = _positive("document_id", document_id)
    ver = _positive("version", version)
    return validate_key(
        f"documents/{doc:06d}/v{ver:04d}/{_name('kind', kind)}.{_ext(ext)}"
    )


def copy_key(document_id: int, organisation_id: int, year: int, number: int, ext: str) -> str:
    """``copies/000123/o000004/2026-0003.pdf``: copy 3 of 2026 in organisation 4's copy register.
    Copies live outside ``documents/`` so the revision index never takes one for a record version."""
    doc = _positive("document_id", document_id)
    org = _positive("organisation_id", organisation_id)
    return validate_key(f"copies/{doc:06d}/o{org:06d}/{_positive('year', year):04d}-"
                        f"{_positive('number', number):04d}.{_ext(ext)}")


def template_key(template_id: int, version: int, ext: str) -> str:
    """``templates/000007/v0003/template.docx`` for (7, 3, "docx")."""
    tpl = _positive("template_id", template_id)
    ver = _positive("version", version)
    return validate_key(f"templates/{tpl:06d}/v{ver:04d}/template.{_ext(ext)}")


def report_key(report_kind: str, report_id: int, ext: str) -> str:
    """``reports/consistency/000042.json`` for ("consistency", 42, "json")."""
    rid = _positive("report_id", report_id)
    return validate_key(
        f"reports/{_name('report_kind', report_kind)}/{rid:06d}.{_ext(ext)}"
    )
