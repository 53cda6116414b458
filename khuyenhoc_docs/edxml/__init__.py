"""edXML (QCVN 102:2016/BTTTT): packages and status messages exchanged between document systems.

Pure domain code: no Flask, no database. ``build_package``/``build_status`` sign with a key the
caller opened; ``open_package``/``open_status`` parse untrusted bytes, check the XML signature and
the manifest, and return the contents with the sender's certificate for the caller to trust-check.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import describe
from ..lazy import reexports


class EdxmlInvalid(Exception):
    """A package or status message that cannot be accepted: ``code`` (+ ``params``) names why,
    ``reason_vi`` is its wording (``web/messages/``), ``detail`` is for logs."""

    def __init__(self, reason_vi: str | None = None, *, code: str = "edxml_invalid",
                 params: Mapping[str, Any] | None = None, detail: str | None = None) -> None:
        super().__init__(reason_vi or code)
        self.code, self.params, self._reason, self.detail = code, dict(params or {}), reason_vi, detail

    @property
    def reason_vi(self) -> str:
        return self._reason or describe(self.code, self.params) or self.code

    def __str__(self) -> str:
        return self.reason_vi if self.detail is None else f"{self.reason_vi} ({self.detail})"


# Names of the submodules, imported at their first use: importing this package imports none of
# its submodules, so two threads importing it and one of them at once cannot deadlock (lazy.py).
_ORIGINS = {
    "codec": ("build_package", "build_status", "open_envelope", "open_package", "open_status"),
    "model": ("BUSINESS_TYPES", "NEW", "REPLACE", "REVOKE", "STATUS_CODES", "UPDATE", "Attachment", "Business",
              "MessageHeader", "Organ", "OtherInfo", "Package", "ResponseFor", "Signer", "Staff", "StatusMessage",
              "Trace", "document_id", "valid_organ_code"),
    "xml": ("is_status", "package_tree"),
    "xmlsig": ("SignedEnvelope",),
}
__getattr__ = reexports(__name__, _ORIGINS)

if TYPE_CHECKING:
    from .codec import build_package, build_status, open_envelope, open_package, open_status
    from .model import (
        BUSINESS_TYPES,
        NEW,
        REPLACE,
        REVOKE,
        STATUS_CODES,
        UPDATE,
        Attachment,
        Business,
        MessageHeader,
        Organ,
        OtherInfo,
        Package,
        ResponseFor,
        Signer,
        Staff,
        StatusMessage,
        Trace,
        document_id,
        valid_organ_code,
    )
    from .xml import is_status, package_tree
    from .xmlsig import SignedEnvelope


__all__ = [
    "BUSINESS_TYPES", "NEW", "REPLACE", "REVOKE", "STATUS_CODES", "UPDATE", "Attachment", "Business",
    "EdxmlInvalid", "MessageHeader", "Organ", "OtherInfo", "Package", "ResponseFor", "SignedEnvelope", "Signer",
    "Staff", "StatusMessage", "Trace", "build_package", "build_status", "document_id", "is_status",
    "open_envelope", "open_package", "open_status", "package_tree", "valid_organ_code",
]
