"""Acknowledgement-link tokens: round trip, expiry, tampering, forgery, garbage."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khuyenhoc_docs.distribution import TokenExpired, TokenInvalid, make_token, read_token
from khuyenhoc_docs.distribution import tokens as tokens_module

SECRET = b"khuyenhoc-test-secret-0123456789"
OTHER_SECRET = b"another-deployment-secret-abcdef"
VN = timezone(timedelta(hours=7))
NOW = datetime(2018, 3, 5, 9, 30, tzinfo=VN)
LATER = NOW + timedelta(days=30)
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+\Z")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_round_trip_gives_the_dispatch_id() -> None:
    token = make_token(SECRET, 4711, LATER)
    assert URL_SAFE.match(token) and len(token) <= 300
    assert read_token(SECRET, token, NOW) == 4711
    # The same moment in another zone reads the same.
    assert read_token(SECRET, token, NOW.astimezone(UTC)) == 4711


def test_tokens_are_unguessable_even_for_the_same_dispatch() -> None:
    tokens = {make_token(SECRET, 1, LATER) for _ in range(50)}
    assert len(tokens) == 50


def test_expired_from_the_expiry_second_on() -> None:
    token = make_token(SECRET, 12, LATER)
    assert read_token(SECRET, token, LATER - timedelta(seconds=1)) == 12
    for moment in (LATER, LATER + timedelta(days=400)):
        with pytest.raises(TokenExpired) as info:
            read_token(SECRET, token, moment)
        assert info.value.dispatch_id == 12
        assert info.value.expired_at == LATER
        assert "hết hạn" in info.value.reason_vi


@pytest.mark.parametrize("position", range(87))
def test_any_changed_character_is_refused(position: int) -> None:
    token = make_token(SECRET, 99, LATER)
    assert len(token) == 87
    replacement = "A" if token[position] != "A" else "B"
    tampered = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(TokenInvalid) as info:
        read_token(SECRET, tampered, NOW)
    assert "không hợp lệ" in info.value.reason_vi


def test_wrong_secret_is_refused() -> None:
    with pytest.raises(TokenInvalid):
        read_token(OTHER_SECRET, make_token(SECRET, 5, LATER), NOW)


def test_changed_id_or_expiry_without_the_secret_is_refused() -> None:
    raw = _raw(make_token(SECRET, 5, NOW + timedelta(minutes=1)))
    version, dispatch_id, expiry, nonce = struct.unpack(">BQq16s", raw[:33])
    for payload in (
        struct.pack(">BQq16s", version, 6, expiry, nonce),
        struct.pack(">BQq16s", version, dispatch_id, expiry + 10**8, nonce),
    ):
        with pytest.raises(TokenInvalid):
            read_token(SECRET, _b64(payload + raw[33:]), NOW)
    # Sanity check of the layout used above: a correct MAC over a changed payload is accepted.
    forged = struct.pack(">BQq16s", version, 6, expiry, nonce)
    mac = hmac.new(SECRET, b"khuyenhoc_docs/ack-token/v1\x00" + forged, hashlib.sha256).digest()
    assert read_token(SECRET, _b64(forged + mac), NOW) == 6


def test_non_canonical_spelling_is_refused() -> None:
    token = make_token(SECRET, 7, LATER)
    # 65 bytes leave two unused bits in the last character; setting them decodes to the same bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = token[:-1] + alphabet[alphabet.index(token[-1]) ^ 1]
    assert _raw(twin) == _raw(token)
    with pytest.raises(TokenInvalid):
        read_token(SECRET, twin, NOW)


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "abc",
        "!!!!",
        "Đoàn",
        " " * 10,
        "A" * 87,
        "A" * 88,
        "%2F" * 29,
        "<script>alert(1)</script>",
        None,
        4711,
        b"bytes-token",
    ],
)
def test_garbage_is_refused(garbage: object) -> None:
    with pytest.raises(TokenInvalid):
        read_token(SECRET, garbage, NOW)  # type: ignore[arg-type]


def test_padding_whitespace_and_truncation_are_refused() -> None:
    token = make_token(SECRET, 8, LATER)
    for variant in (token + "=", token + "==", f" {token}", f"{token}\n", token[:-1], token + "A", token[:40]):
        with pytest.raises(TokenInvalid):
            read_token(SECRET, variant, NOW)


def test_over_long_input_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("decoded an over-long token")

    monkeypatch.setattr(tokens_module.base64, "urlsafe_b64decode", no_decoding)
    for length in (301, 10_000, 5_000_000):
        with pytest.raises(TokenInvalid):
            read_token(SECRET, "A" * length, NOW)


def test_misuse_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        make_token(b"short", 1, LATER)
    with pytest.raises(ValueError):
        make_token(SECRET, 1, datetime(2018, 3, 5, 9, 30))  # naive: UTC or Vietnam time?
    with pytest.raises(ValueError):
        read_token(SECRET, make_token(SECRET, 1, LATER), datetime(2018, 3, 5))
    for bad_id in (0, -1, 2**63, True, 1.5):
        with pytest.raises(ValueError):
            make_token(SECRET, bad_id, LATER)  # type: ignore[arg-type]


@given(
    dispatch_id=st.integers(min_value=1, max_value=2**63 - 1),
    lifetime=st.integers(min_value=1, max_value=10 * 365 * 86400),
)
def test_round_trip_for_any_id_and_lifetime(dispatch_id: int, lifetime: int) -> None:
    token = make_token(SECRET, dispatch_id, NOW + timedelta(seconds=lifetime))
    assert len(token) == 87
    assert read_token(SECRET, token, NOW) == dispatch_id
    with pytest.raises(TokenExpired):
        read_token(SECRET, token, NOW + timedelta(seconds=lifetime))
