"""A dump never re-encodes the fields of a shared, parsed certificate (signing/asn1_dump.py).

Each test runs with asn1crypto's own methods as well: those runs show what the corrected ones
prevent, so the test fails if the correction stops being installed or stops working.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import asn1crypto
import pytest
from asn1crypto import core, x509
from pyhanko.sign.general import as_signing_certificate, as_signing_certificate_v2

from khuyenhoc_docs.signing import asn1_dump
from khuyenhoc_docs.signing.pki import create_demo_ca, issue_tsa_cert, to_asn1_cert


class Pair(core.Sequence):
    _fields = [("serial", core.Integer), ("padding", core.OctetString)]


@pytest.fixture
def asn1crypto_own() -> Iterator[None]:
    asn1_dump.uninstall()
    try:
        yield
    finally:
        assert asn1_dump.install()


@pytest.fixture(scope="module")
def cert() -> x509.Certificate:
    return to_asn1_cert(issue_tsa_cert(create_demo_ca("Khuyến học Demo CA", 10)).cert)


def _padding(serial: core.Integer) -> bytes:
    """Makes ``Pair`` around ``serial`` 128 bytes long inside (header ``30 81 80``)."""
    return b"\0" * (128 - len(serial.dump()) - 2)  # the OCTET STRING's own header is two bytes


def _wrapped(serial: core.Integer) -> Pair:
    pair = Pair({"serial": serial, "padding": _padding(serial)})
    data = Pair.load(pair.dump())  # a parsed value, as pyHanko's are: its header ends in 0x80
    assert data._header[-2:] == b"\x81\x80" and data._trailer == b""
    return data


def test_the_correction_is_installed_over_the_version_it_was_taken_from():
    assert asn1crypto.__version__ == asn1_dump.FOR_VERSION
    assert core.Primitive.dump is asn1_dump._primitive_dump


@pytest.mark.parametrize("own", [False, True])
def test_a_definite_length_ending_in_0x80_reencodes_nothing(own, request):
    if own:
        request.getfixturevalue("asn1crypto_own")
    data = _wrapped(core.Integer(2 ** 100 + 7))
    serial = data["serial"]
    contents = serial.contents
    encoded = data.dump()
    assert encoded[:3] == b"\x30\x81\x80" and Pair.load(encoded).native == data.native
    # asn1crypto's own dump set the field's contents again (a new bytes object): not thread-safe
    assert (serial.contents is contents) is not own


@pytest.mark.parametrize("own", [False, True])
def test_an_indefinite_length_is_still_written_as_der(own, request):
    if own:
        request.getfixturevalue("asn1crypto_own")
    ber = bytes.fromhex("3080" "020130" "0401ff" "0000")
    assert Pair.load(ber).dump() == bytes.fromhex("3006" "020130" "0401ff")


def test_the_encodings_are_asn1cryptos(cert, asn1crypto_own):
    own = [as_signing_certificate(cert).dump(), as_signing_certificate_v2(cert).dump(), cert.dump(force=True)]
    assert asn1_dump.install()
    assert [as_signing_certificate(cert).dump(), as_signing_certificate_v2(cert).dump(), cert.dump(force=True)] == own


def test_threads_reading_a_shared_serial_never_see_it_missing():
    """With asn1crypto's own methods this loop let a reader see None within a few hundred dumps."""
    serial = _wrapped(core.Integer(2 ** 100 + 7))["serial"]
    missing: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            if serial.native is None:
                missing.append(1)

    readers = [threading.Thread(target=read) for _ in range(2)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as the interpreter lets them
    for t in readers:
        t.start()
    try:
        for _ in range(5_000):
            pair = Pair({"serial": serial, "padding": _padding(serial)})
            pair.dump()
            pair.dump()  # its header is now 30 81 80: asn1crypto's own dump re-encodes the serial
    finally:
        stop.set()
        for t in readers:
            t.join()
        sys.setswitchinterval(interval)
    assert missing == []
