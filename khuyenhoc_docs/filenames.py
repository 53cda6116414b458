"""Safe file and archive-member names built from user data (document numbers, uploads)."""
from __future__ import annotations

import re
import unicodedata

MAX_NAME = 150
# Separators, quotes and characters Windows or shells treat specially; all control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\'`;&$]+')


def safe_filename(name: str, fallback: str = "tep") -> str:
    """One path component, never a path: no separators, no control characters, no leading dots.

    "05/CTPH-HKH\\..\\x" -> "05-CTPH-HKH-..-x"; an empty result gives ``fallback``.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in text)
    text = _UNSAFE.sub("-", text)
    text = re.sub(r"\s+", " ", text).strip(" .-")
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 8 else text[:MAX_NAME]
    return text or fallback


def document_basename(doc_number: str | None, doc_id: int) -> str:
    """File name stem of a document: its number ("05-CTPH-HKH-TĐ") or "van-ban-<id>"."""
    return safe_filename(doc_number or "", fallback=f"van-ban-{doc_id}")
