"""The fast hex-string reader gives exactly what pyHanko's own reader gives, errors included."""
from __future__ import annotations

import io
import random

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.misc import PdfStreamError

import khuyenhoc_docs.signing  # noqa: F401 - installs the reader
from khuyenhoc_docs.signing import hexstrings

CASES = [
    b"<>", b"<4142>", b"<414>", b"<41 42\n43\r\t\x0c\x0044>", b"<feff00410042>", b"<FEFF0041>",
    b"<41%comment\n42>", b"< 4 1 >", b"<00>", b"<" + b"ab" * 40_000 + b">",
    b"<" + b"0a" * 70_000 + b" >", b"<4142> trailing", b"<4142>>",
]
BAD = [b"<41x2>", b"<4142", b"<", b"<41 %no end"]


def _both(data: bytes) -> tuple[object, int, object, int]:
    a, b = io.BytesIO(data), io.BytesIO(data)
    fast = hexstrings.read_hex_string_from_stream(a)
    slow = hexstrings._original(b)
    return fast, a.tell(), slow, b.tell()


@pytest.mark.parametrize("data", CASES)
def test_same_value_type_and_position(data: bytes) -> None:
    fast, fast_pos, slow, slow_pos = _both(data)
    assert type(fast) is type(slow)
    assert fast == slow and fast_pos == slow_pos


def test_random_strings_with_whitespace() -> None:
    rng = random.Random(16)
    for _ in range(300):
        n = rng.randrange(0, 300)
        body = bytes(rng.choice(b"0123456789abcdefABCDEF \n\r\t") for _ in range(n))
        fast, fast_pos, slow, slow_pos = _both(b"<" + body + b"> 1 0 R")
        assert (fast, fast_pos) == (slow, slow_pos)


@pytest.mark.parametrize("data", BAD)
def test_errors_are_pyhankos(data: bytes) -> None:
    with pytest.raises(PdfStreamError) as slow:
        hexstrings._original(io.BytesIO(data))
    with pytest.raises(PdfStreamError) as fast:
        hexstrings.read_hex_string_from_stream(io.BytesIO(data))
    assert str(fast.value) == str(slow.value)


def test_installed_in_pyhanko_parser() -> None:
    assert generic.read_hex_string_from_stream is hexstrings.read_hex_string_from_stream
    obj = generic.read_object(io.BytesIO(b"<4142>"), generic.Reference(1, 0))
    assert obj == "AB"
