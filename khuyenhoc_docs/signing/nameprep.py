"""asn1crypto's string preparation of certificate names, remembered per string.

Comparing two X.509 names (pyHanko matching a signer's or a timestamp's certificate, the chain
builder, revocation answers) prepares each attribute's value by RFC 4518: character mapping,
NFKC normalisation and the prohibited-character tables, in Python, one character at a time. Every
certificate is parsed again for each signature and validation, so nothing asn1crypto caches on
its objects survives: an issuance prepared ~400 values, the same few dozen strings, ~0.1-0.4 ms
each for the Vietnamese names. The preparation depends on the string only, so its result is kept
per string (errors are not kept: asn1crypto raises them again)."""
from __future__ import annotations

from typing import Any

from asn1crypto import x509

_original = x509.NameTypeAndValue._ldap_string_prep
MAX_STRINGS = 4096  # distinct attribute values kept per process (names of the CA's certificates)
_prepared: dict[str, str] = {}


def _ldap_string_prep(self: Any, string: Any) -> Any:
    """Same contract as ``asn1crypto.x509.NameTypeAndValue._ldap_string_prep``."""
    if not isinstance(string, str):
        return _original(self, string)
    try:
        return _prepared[string]
    except KeyError:
        pass
    out = _original(self, string)
    if len(_prepared) < MAX_STRINGS:
        _prepared[string] = out
    return out


def install() -> None:
    """Make asn1crypto's name comparison use the remembered preparation (idempotent)."""
    x509.NameTypeAndValue._ldap_string_prep = _ldap_string_prep


def uninstall() -> None:
    """asn1crypto's own preparation again (the bench's bare floor)."""
    x509.NameTypeAndValue._ldap_string_prep = _original
