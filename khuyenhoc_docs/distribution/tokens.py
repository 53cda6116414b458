"""Acknowledgement links ("xác nhận đã nhận văn bản"): signed, expiring, URL-safe tokens.

Layout (65 bytes, 87 URL-safe base64 characters without padding)::

    version (1) | dispatch id (8, unsigned) | expiry (8, Unix seconds) | nonce (16) | HMAC-SHA256 (32)

The HMAC covers a fixed context label plus everything before it, so a token can be neither
guessed (128-bit random nonce) nor altered (the id and the expiry are authenticated), and a
secret shared with another feature cannot be used to forge tokens across the two. Only
canonical base64 is accepted, so every token has exactly one spelling.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import re
import secrets
import struct
from datetime import UTC, datetime

from . import DistributionError

__all__ = ["MAX_TOKEN_LENGTH", "TokenError", "TokenExpired", "TokenInvalid", "make_token", "read_token"]

MAX_TOKEN_LENGTH = 300  # characters; longer input is rejected before any decoding
MIN_SECRET_LENGTH = 16  # bytes

_VERSION = 1
_CONTEXT = b"khuyenhoc_docs/ack-token/v1\x00"
_PAYLOAD = struct.Struct(">BQq16s")
_MAC_LENGTH = hashlib.sha256().digest_size
_TOKEN_BYTES = _PAYLOAD.size + _MAC_LENGTH
_ALPHABET_RE = re.compile(r"[A-Za-z0-9_-]+\Z")
_MAX_ID = 2**63 - 1  # fits a signed BIGINT column


class TokenError(DistributionError):
    """Base class of the acknowledgement-link errors."""


class TokenInvalid(TokenError):
    """Not a token we issued (malformed, altered, or signed with another secret)."""

    reason_code = "ack_token_invalid"


class TokenExpired(TokenError):
    """An authentic token past its expiry; ``dispatch_id`` lets the UI offer a new link."""

    reason_code = "ack_token_expired"

    def __init__(self, dispatch_id: int, expired_at: datetime) -> None:
        super().__init__(detail=f"dispatch {dispatch_id} expired at {expired_at.isoformat()}")
        self.dispatch_id = dispatch_id
        self.expired_at = expired_at


def _check_secret(secret: bytes) -> None:
    if not isinstance(secret, (bytes, bytearray)) or len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(f"secret must be at least {MIN_SECRET_LENGTH} bytes")


def _timestamp(moment: datetime, name: str) -> float:
    # Naive datetimes are ambiguous (UTC or Vietnam time?): refuse them instead of guessing.
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return moment.timestamp()


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(bytes(secret), _CONTEXT + payload, hashlib.sha256).digest()


def make_token(secret: bytes, dispatch_id: int, expires_at: datetime) -> str:
    """A URL-safe token naming ``dispatch_id``, valid until ``expires_at`` (timezone-aware)."""
    _check_secret(secret)
    if isinstance(dispatch_id, bool) or not isinstance(dispatch_id, int) or not 0 < dispatch_id <= _MAX_ID:
        raise ValueError(f"dispatch_id must be a positive 64-bit integer, got {dispatch_id!r}")
    expiry = math.floor(_timestamp(expires_at, "expires_at"))
    payload = _PAYLOAD.pack(_VERSION, dispatch_id, expiry, secrets.token_bytes(16))
    return base64.urlsafe_b64encode(payload + _mac(secret, payload)).rstrip(b"=").decode("ascii")


def read_token(secret: bytes, token: str, now: datetime) -> int:
    """The dispatch id named by ``token``; raises ``TokenInvalid`` or ``TokenExpired``.

    ``now`` must be timezone-aware. A token is expired from its expiry second on.
    """
    _check_secret(secret)
    current = _timestamp(now, "now")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise TokenInvalid(detail="empty, not a string, or too long")
    if not _ALPHABET_RE.match(token):
        raise TokenInvalid(detail="characters outside the URL-safe base64 alphabet")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise TokenInvalid(detail="not base64") from None
    if len(raw) != _TOKEN_BYTES:
        raise TokenInvalid(detail=f"{len(raw)} bytes instead of {_TOKEN_BYTES}")
    # Non-canonical spellings (unused low bits set in the last character) are refused.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise TokenInvalid(detail="non-canonical base64")
    payload, mac = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        raise TokenInvalid(detail="bad MAC")
    version, dispatch_id, expiry, _nonce = _PAYLOAD.unpack(payload)
    if version != _VERSION or not 0 < dispatch_id <= _MAX_ID:
        raise TokenInvalid(detail=f"unsupported version {version}")
    if current >= expiry:
        raise TokenExpired(dispatch_id, datetime.fromtimestamp(expiry, tz=UTC))
    return dispatch_id
