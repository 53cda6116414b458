"""Constants and small helpers shared by the storage test modules."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

KEY = "documents/000123/v0002/signed.pdf"
PDF = "application/pdf"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _in(days: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=days)
