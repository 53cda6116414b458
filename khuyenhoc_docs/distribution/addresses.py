"""E-mail addresses: exactly one usable address per recipient, checked before any network traffic."""

from __future__ import annotations

import re

from . import DistributionError

__all__ = ["InvalidRecipient", "validate_address"]

MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit minus the angle brackets
MAX_LOCAL_LENGTH = 64

# Control characters, including the Unicode line/paragraph separators some mail clients honour.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE = re.compile(rf"{_ATOM}(?:\.{_ATOM})*\Z")
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")
_NAMED_ADDR_RE = re.compile(r"\s*(.*?)\s*<([^<>]*)>\s*\Z", re.S)


class InvalidRecipient(DistributionError):
    """The recipient address cannot be used; nothing was sent."""

    reason_code = "recipient_address_invalid"


def validate_address(address: str) -> str:
    """Check that ``address`` is exactly one usable e-mail address and return it normalised.

    Surrounding spaces are dropped, the domain is lower-cased and an internationalised domain
    is converted to its ASCII (punycode) form. Raises ``InvalidRecipient``.
    """
    if not isinstance(address, str) or not address.strip():
        raise InvalidRecipient(reason_code="address_missing", detail="empty address")
    if CONTROL_RE.search(address):
        # Never echo it back: this is what a header injection attempt looks like.
        raise InvalidRecipient(reason_code="address_control_characters", detail="control characters in address")
    candidate = address.strip()
    if len(candidate) > MAX_ADDRESS_LENGTH:
        raise InvalidRecipient(reason_code="address_too_long", detail=f"{len(candidate)} characters")
    shown = {"address": candidate}
    if any(sep in candidate for sep in ",;") or candidate.count("@") > 1 or any(c.isspace() for c in candidate):
        raise InvalidRecipient(reason_code="address_several", params=shown, detail="several addresses or spaces")
    local, at, domain = candidate.rpartition("@")
    if not at or not local or not domain:
        raise InvalidRecipient(reason_code="address_invalid", params=shown, detail="missing @, local part or domain")
    if not local.isascii():
        # Non-ASCII mailbox names need SMTPUTF8 end to end, which few Vietnamese hosts offer.
        raise InvalidRecipient(reason_code="address_local_not_ascii", params=shown, detail="non-ASCII local part")
    if len(local) > MAX_LOCAL_LENGTH or not _LOCAL_RE.match(local):
        raise InvalidRecipient(reason_code="address_invalid", params=shown, detail="malformed local part")
    ascii_domain = _ascii_domain(domain)
    if ascii_domain is None:
        raise InvalidRecipient(reason_code="address_invalid", params=shown, detail="malformed domain")
    if len(local) + 1 + len(ascii_domain) > MAX_ADDRESS_LENGTH:
        raise InvalidRecipient(reason_code="address_too_long", detail="too long after IDNA encoding")
    return f"{local}@{ascii_domain}"


def _ascii_domain(domain: str) -> str | None:
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    domain = domain.lower()
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # "a@1.2.3.4" is not a domain name
        return None
    return domain


def parse_sender(mail_from: str) -> tuple[str, str]:
    """``(display name, address)`` from ``"addr"`` or ``"Name <addr>"``."""
    if CONTROL_RE.search(mail_from):
        raise InvalidRecipient(detail="control characters in sender")
    match = _NAMED_ADDR_RE.match(mail_from)
    if match:
        name, addr = match.group(1).strip().strip('"').strip(), match.group(2)
    else:
        name, addr = "", mail_from
    return name, validate_address(addr)
