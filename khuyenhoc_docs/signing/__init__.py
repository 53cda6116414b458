"""Signing and validation core: demo PKI, key sources, signature fields,
Vietnamese stamps, PAdES signing and validation.

Pure domain code: no Flask, no environment reading, no database. Every
setting is passed explicitly (frozen dataclasses).

The exception hierarchy lives here (before the submodule imports) so that
every submodule can raise it without import cycles. Each exception names its
problem by ``code`` (the class's own, or a more precise one given at the raise)
with ``params``; ``reason_vi`` is its Vietnamese wording from ``web/messages/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import describe
from ..lazy import reexports


class SignatureCoreError(Exception):
    """Base class; ``reason_vi`` (the wording of ``code``) is safe to show to end users."""

    code = "signature_error"

    def __init__(self, reason_vi: str | None = None, *, detail: str | None = None, code: str | None = None,
                 params: Mapping[str, Any] | None = None):
        if code is not None:
            self.code = code
        self.params = dict(params or {})
        self._reason = reason_vi
        # detail: technical (English) cause for logs, never shown to users
        self.detail = detail
        super().__init__(reason_vi or self.code)

    @property
    def reason_vi(self) -> str:
        """The user's words: a reason given at the raise, else the wording of the code."""
        return self._reason or describe(self.code, self.params) or self.code

    def __str__(self) -> str:
        return self.reason_vi if self.detail is None else f"{self.reason_vi} ({self.detail})"


class SigningError(SignatureCoreError):
    """Signing could not be carried out."""

    code = "signing_failed"


class WrongPassphrase(SigningError):
    code = "WrongPassphrase"


class WrongPin(SigningError):
    code = "WrongPin"


class KeyFileInvalid(SigningError):
    code = "KeyFileInvalid"


class CertificateRefused(SigningError):
    """The signer's certificate may not be used for this signature."""

    code = "certificate_refused"


class FieldAlreadySigned(SigningError):
    code = "FieldAlreadySigned"


class SignatureBlockNotFound(SigningError):
    code = "signature_block_not_found"


class InvalidPdf(SignatureCoreError):
    """Input to validation is not a readable, unencrypted PDF."""

    code = "pdf_refused"


# Every pyHanko parse in the process reads hex strings the fast way, every certificate name
# comparison prepares each string once, and a dump never re-encodes the fields of a certificate
# that other threads read (leaf modules: they import nothing else from here).
from .asn1_dump import install as _install_asn1_dump  # noqa: E402
from .hexstrings import install as _install_hex_reader  # noqa: E402
from .nameprep import install as _install_nameprep  # noqa: E402

_install_asn1_dump()
_install_hex_reader()
_install_nameprep()

# Names of the submodules, imported at their first use: importing this package imports none of
# its submodules, so two threads importing it and one of them at once cannot deadlock (lazy.py).
_ORIGINS = {
    "appearance": ("AppearanceOptions", "StampInfo", "stamp_font_path", "stamp_text"),
    "fields": ("FieldBox", "LocateOptions", "SignatureBlock", "locate_signature_boxes", "prepare_fields"),
    "keys": ("KeySource", "Pkcs11KeySource", "Pkcs11Options", "Pkcs12KeySource", "SigningKey",
             "check_certificate"),
    "pki": ("CertKey", "KeyType", "create_demo_ca", "issue_signing_cert", "issue_tsa_cert", "load_pkcs12",
            "to_pkcs12"),
    "signer": ("SignOptions", "sign_document"),
    "tsa": ("DemoTimeStamper", "http_timestamper"),
    "validation": ("SignatureReport", "ValidationReport", "validate_pdf"),
}
__getattr__ = reexports(__name__, _ORIGINS)

if TYPE_CHECKING:
    from .appearance import AppearanceOptions, StampInfo, stamp_font_path, stamp_text
    from .fields import FieldBox, LocateOptions, SignatureBlock, locate_signature_boxes, prepare_fields
    from .keys import KeySource, Pkcs11KeySource, Pkcs11Options, Pkcs12KeySource, SigningKey, check_certificate
    from .pki import (
        CertKey,
        KeyType,
        create_demo_ca,
        issue_signing_cert,
        issue_tsa_cert,
        load_pkcs12,
        to_pkcs12,
    )
    from .signer import SignOptions, sign_document
    from .tsa import DemoTimeStamper, http_timestamper
    from .validation import SignatureReport, ValidationReport, validate_pdf

__all__ = [
    "AppearanceOptions",
    "CertKey",
    "CertificateRefused",
    "DemoTimeStamper",
    "FieldAlreadySigned",
    "FieldBox",
    "InvalidPdf",
    "KeyFileInvalid",
    "KeySource",
    "KeyType",
    "LocateOptions",
    "Pkcs11KeySource",
    "Pkcs11Options",
    "Pkcs12KeySource",
    "SignOptions",
    "SignatureBlock",
    "SignatureBlockNotFound",
    "SignatureCoreError",
    "SignatureReport",
    "SigningError",
    "SigningKey",
    "StampInfo",
    "ValidationReport",
    "WrongPassphrase",
    "WrongPin",
    "check_certificate",
    "create_demo_ca",
    "http_timestamper",
    "issue_signing_cert",
    "issue_tsa_cert",
    "load_pkcs12",
    "locate_signature_boxes",
    "prepare_fields",
    "sign_document",
    "stamp_font_path",
    "stamp_text",
    "to_pkcs12",
    "validate_pdf",
]
