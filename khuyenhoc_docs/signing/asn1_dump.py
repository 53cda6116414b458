"""asn1crypto's test for an indefinite length in ``dump()``, corrected (wbond/asn1crypto#249).

asn1crypto 1.5.1 takes any header ending in 0x80 for an indefinite (BER) length and then encodes
the value again, in place. Definite lengths of 128, 384, ... end in 0x80 too (``81 80``,
``82 01 80``). pyHanko builds each signing-certificate attribute and timestamp token around fields
of the signer's or the TSA's parsed certificate, and those certificate objects are shared by the
threads of a worker (parsing one costs ~2 ms). When the new structure's length happens to end in
0x80, its dump re-encodes the shared fields: a primitive's ``contents`` is cleared and set again,
and a thread that reads the field meanwhile gets None (a timestamp token "without" a serial
number, one signing in a few dozen in a 4-thread test).

A value parsed from an indefinite length keeps the end-of-contents octets as its trailer, so these
versions force the re-encoding only when the header ends in 0x80 *and* there is a trailer; the
rest of each method is asn1crypto's own. Installed only over the version they were taken from.
"""
from __future__ import annotations

from typing import Any

import asn1crypto
from asn1crypto import core

FOR_VERSION = "1.5.1"
_ORIGINAL = {cls: cls.__dict__["dump"] for cls in (core.Asn1Value, core.Choice, core.Primitive, core.Sequence,
                                                  core.SequenceOf)}


def _indefinite(value: Any) -> bool:
    header = value._header
    return header is not None and header[-1:] == b"\x80" and value._trailer != b""


def _asn1value_dump(self: Any, force: bool = False) -> bytes:
    contents = self.contents
    if _indefinite(self):
        force = True
    if self._header is None or force:
        if isinstance(self, core.Constructable) and self._indefinite:
            self.method = 0
        header = core._dump_header(self.class_, self.method, self.tag, self.contents)
        if self.explicit is not None:
            for class_, tag in self.explicit:
                header = core._dump_header(class_, 1, tag, header + self.contents) + header
        self._header = header
        self._trailer = b""
    return self._header + contents + self._trailer


def _choice_dump(self: Any, force: bool = False) -> bytes:
    if _indefinite(self):
        force = True
    self._contents = self.chosen.dump(force=force)
    if self._header is None or force:
        self._header = b""
        if self.explicit is not None:
            for class_, tag in self.explicit:
                self._header = core._dump_header(class_, 1, tag, self._header + self._contents) + self._header
    return self._header + self._contents


def _primitive_dump(self: Any, force: bool = False) -> bytes:
    if _indefinite(self):
        force = True
    if force:
        native = self.native
        self.contents = None
        self.set(native)
    return core.Asn1Value.dump(self)


def _sequence_dump(self: Any, force: bool = False) -> bytes:
    if _indefinite(self):
        force = True
    if force and self._fields == [] and self.__class__ is core.Sequence:
        force = False  # asn1crypto cannot re-encode a Sequence without a spec
    if force:
        self._set_contents(force=force)
    if self._fields and self.children is not None:
        for index, (field_name, _, params) in enumerate(self._fields):
            if self.children[index] is not core.VOID or "default" in params or "optional" in params:
                continue
            raise ValueError(f'Field "{field_name}" is missing from structure')
    return core.Asn1Value.dump(self)


def _sequence_of_dump(self: Any, force: bool = False) -> bytes:
    if _indefinite(self):
        force = True
    if force:
        self._set_contents(force=force)
    return core.Asn1Value.dump(self)


_CORRECTED = {core.Asn1Value: _asn1value_dump, core.Choice: _choice_dump, core.Primitive: _primitive_dump,
              core.Sequence: _sequence_dump, core.SequenceOf: _sequence_of_dump}


def install() -> bool:
    """Use the corrected methods (idempotent); False, changing nothing, on another asn1crypto."""
    if asn1crypto.__version__ != FOR_VERSION:
        return False
    for cls, method in _CORRECTED.items():
        cls.dump = method
    return True


def uninstall() -> None:
    """asn1crypto's own methods again (tests compare the two)."""
    for cls, method in _ORIGINAL.items():
        cls.dump = method
