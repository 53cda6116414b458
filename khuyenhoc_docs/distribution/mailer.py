"""Sending one issued document to one recipient by e-mail (smtplib + EmailMessage).

``send_mail`` either returns the Message-ID of a message the server accepted, or raises:

* ``InvalidRecipient`` before any network traffic when the address is unusable (empty, several
  addresses, control characters, too long, malformed);
* ``MailDeliveryFailed`` when the server could not be reached or refused the message;
  ``permanent`` tells the caller whether retrying later can help (5xx replies and missing
  server features are permanent; 4xx replies, refused connections, timeouts and dropped
  connections are temporary).

Vietnamese text: Subject and display names become RFC 2047 base64 encoded words written here
(Python 3.11's own folder loses spaces in Vietnamese headers, see ``_ExactHeaderPolicy``);
attachment file names use RFC 2231 (``email`` default policy); bodies are UTF-8 in base64, so
the message is 7-bit clean and also passes relays without 8BITMIME. Header text is put on one
line (CR/LF and other control characters become spaces), so it cannot inject headers.
"""

from __future__ import annotations

import base64
import re
import smtplib
import socket
import ssl
import unicodedata
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid

from ..errors import describe
from . import DistributionError
from .addresses import CONTROL_RE, InvalidRecipient, parse_sender, validate_address

__all__ = [
    "Attachment",
    "InvalidRecipient",
    "MailDeliveryFailed",
    "MailOptions",
    "OutgoingMail",
    "build_message",
    "send_mail",
    "validate_address",
]

_TOKEN = r"[A-Za-z0-9!#$&^_.+-]+"
_CONTENT_TYPE_RE = re.compile(rf"({_TOKEN})/({_TOKEN})\Z")
_MESSAGE_ID_RE = re.compile(r"<[\x21-\x3d\x3f-\x7e]+@[\x21-\x3d\x3f-\x7e]+>\Z")
_WINDOWS_BAD_RE = re.compile(r'[<>:"/\\|?*]')
_MAX_WORD_BYTES = 45  # 60 base64 characters: a 72-character encoded word (RFC 2047 limit 75)
_LINE = 78  # RFC 5322 recommended line length


class MailDeliveryFailed(DistributionError):
    """The mail server was unreachable or refused the message.

    ``permanent``: retrying the same message will not help (record it as failed);
    otherwise the caller should retry later. ``code`` is the SMTP reply code when there was one.
    """

    reason_code = "mail_failed"

    def __init__(
        self, reason_vi: str | None = None, *, permanent: bool, detail: str | None = None, code: int | None = None,
        reason_code: str | None = None, params: dict[str, object] | None = None,
    ) -> None:
        super().__init__(reason_vi, detail=detail, reason_code=reason_code, params=params)
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class MailOptions:
    """How to reach the SMTP server. ``timeout`` (seconds) applies to each network operation.

    ``mail_from`` is ``"noreply@example.vn"`` or ``"Hội Khuyến học <noreply@example.vn>"``.
    ``local_hostname`` is the EHLO name (default: this machine's host name, looked up without DNS).
    """

    host: str
    port: int
    mail_from: str
    timeout: float = 10.0
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    local_hostname: str | None = None

    def __post_init__(self) -> None:
        # Configuration mistakes are programming errors: fail at construction, in English.
        if not self.host or CONTROL_RE.search(self.host) or " " in self.host:
            raise ValueError(f"invalid SMTP host: {self.host!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"invalid SMTP port: {self.port!r}")
        if not self.timeout > 0:
            raise ValueError("timeout must be positive")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        try:
            parse_sender(self.mail_from)
        except InvalidRecipient as exc:
            raise ValueError(f"invalid mail_from {self.mail_from!r}: {exc.detail}") from None


@dataclass(frozen=True)
class Attachment:
    """A file attached to the mail (e.g. the signed PDF)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one recipient. ``html`` is an optional alternative to ``text``."""

    to: str
    to_name: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()


def _one_line(value: str) -> str:
    """Header text on one line: control characters and whitespace runs become one space.

    Also NFC: Vietnamese text pasted from macOS is often decomposed, which some clients show badly.
    """
    return unicodedata.normalize("NFC", " ".join(CONTROL_RE.sub(" ", value).split()))


def _safe_filename(filename: str) -> str:
    # Last path component only (some clients honour directories), and no characters Windows
    # refuses; dropping "?" also means no "=?...?=" that receivers would decode as RFC 2047.
    name = _one_line(filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _WINDOWS_BAD_RE.sub("_", name).strip(" .")
    return name[:200] or "tep-dinh-kem"


def _needs_encoded_words(text: str) -> bool:
    # "=?" in plain text would be decoded by the receiver as an RFC 2047 encoded word.
    return not text.isascii() or "=?" in text or any(len(w) > 900 for w in text.split(" "))


def _encoded_words(name: str, text: str, linesep: str, tail: str = "") -> str:
    """``Name: text`` as base64 encoded words with every character (spaces too) inside a word.

    RFC 2047 decoders drop the folding whitespace between adjacent encoded words, so the text
    comes back exactly. Words never split a character; the first one is sized so the first
    line stays within 78 characters. ``tail`` (e.g. ``"<addr>"``) follows the last word.
    """
    budget = min(_MAX_WORD_BYTES, (_LINE - len(name) - 2 - 12) // 4 * 3)
    chunks: list[bytes] = []
    chunk = b""
    for char in text:
        encoded = char.encode("utf-8")
        if chunk and len(chunk) + len(encoded) > budget:
            chunks.append(chunk)
            chunk, budget = b"", _MAX_WORD_BYTES
        chunk += encoded
    if chunk:
        chunks.append(chunk)
    lines = [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]
    if tail:
        used = len(lines[-1]) + (len(name) + 2 if len(lines) == 1 else 1) if lines else _LINE
        if used + 1 + len(tail) <= _LINE:
            lines[-1] += f" {tail}"
        else:
            lines.append(tail)
    return f"{name}: " + f"{linesep} ".join(lines) + linesep


def _folded_ascii(name: str, text: str, linesep: str) -> str:
    """``Name: text`` folded before spaces only (unfolding gives the text back unchanged)."""
    lines = [f"{name}:"]
    for segment in re.findall(r" *[^ ]+", " " + text):
        if len(lines[-1]) + len(segment) > _LINE and lines[-1].strip():
            lines.append(segment)  # starts with its space: the folding whitespace
        else:
            lines[-1] += segment
    return linesep.join(lines) + linesep


class _LiteralSubject(str):
    """The Subject exactly as given: the default policy would decode "=?...?=" found in it."""

    name = "Subject"

    def fold(self, *, policy: EmailPolicy) -> str:
        if _needs_encoded_words(self):
            return _encoded_words(self.name, str(self), policy.linesep)
        return _folded_ascii(self.name, str(self), policy.linesep)


class _ExactHeaderPolicy(EmailPolicy):
    """The default policy, but Subject and non-ASCII display names are encoded by us.

    CPython 3.11's folder loses or adds spaces when it wraps Vietnamese text into encoded
    words ("giữa Hội" arrived as "giữaHội" in ~14% of random subjects; display names fared
    worse). Only used by messages built here; smtplib flattens with the message's policy.
    """

    def header_store_parse(self, name: str, value: object) -> tuple[str, object]:  # type: ignore[override]
        if name.lower() == "subject" and isinstance(value, str):
            if len(value.splitlines()) > 1:
                raise ValueError("Header values may not contain linefeed or carriage return characters")
            return ("Subject", _LiteralSubject(value))
        return super().header_store_parse(name, value)

    def _fold(self, name: str, value: object, refold_binary: bool = False) -> str:
        addresses = getattr(value, "addresses", None)
        if name.lower() in ("from", "to") and addresses and len(addresses) == 1:
            address = addresses[0]
            if _needs_encoded_words(address.display_name):
                return _encoded_words(name, address.display_name, self.linesep, f"<{address.addr_spec}>")
        return super()._fold(name, value, refold_binary)  # type: ignore[misc]  # private in the stubs


_POLICY = _ExactHeaderPolicy()


def _body_cte(text: str) -> str | None:
    # ASCII: let the policy pick 7bit/qp; anything else: base64, which needs no 8BITMIME.
    return None if text.isascii() else "base64"


def build_message(options: MailOptions, mail: OutgoingMail, *, message_id: str | None = None) -> EmailMessage:
    """The ``EmailMessage`` that ``send_mail`` would send (raises ``InvalidRecipient``)."""
    to_addr = validate_address(mail.to)
    from_name, from_addr = parse_sender(options.mail_from)
    if message_id is None:
        message_id = make_msgid(domain=from_addr.rpartition("@")[2])
    elif not _MESSAGE_ID_RE.match(message_id):
        raise ValueError(f"invalid Message-ID: {message_id!r}")

    msg = EmailMessage(policy=_POLICY)
    msg["From"] = Address(display_name=_one_line(from_name), addr_spec=from_addr)
    msg["To"] = Address(display_name=_one_line(mail.to_name or ""), addr_spec=to_addr)
    msg["Subject"] = _one_line(mail.subject)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    # RFC 3834: vacation responders should not answer system mail.
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text, cte=_body_cte(mail.text))
    if mail.html is not None:
        msg.add_alternative(mail.html, subtype="html", cte=_body_cte(mail.html))
    for attachment in mail.attachments:
        match = _CONTENT_TYPE_RE.match(attachment.content_type.strip())
        if not match:
            raise ValueError(f"invalid content type: {attachment.content_type!r}")
        if not isinstance(attachment.data, (bytes, bytearray)):
            raise TypeError("attachment data must be bytes")
        msg.add_attachment(
            bytes(attachment.data),
            maintype=match.group(1).lower(),
            subtype=match.group(2).lower(),
            filename=_safe_filename(attachment.filename),
        )
    return msg


def send_mail(options: MailOptions, mail: OutgoingMail, *, message_id: str | None = None) -> str:
    """Send ``mail`` and return its Message-ID (pass ``message_id`` to reuse one on a retry).

    Raises ``InvalidRecipient`` (nothing sent) or ``MailDeliveryFailed``.
    """
    msg = build_message(options, mail, message_id=message_id)
    to_addr = validate_address(mail.to)
    from_addr = parse_sender(options.mail_from)[1]
    # local_hostname always given: smtplib's default calls socket.getfqdn(), which can block on DNS
    # outside our timeout.
    smtp = smtplib.SMTP(timeout=options.timeout, local_hostname=options.local_hostname or socket.gethostname())
    try:
        smtp.connect(options.host, options.port)
        smtp.ehlo_or_helo_if_needed()
        if options.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if options.username is not None:
            smtp.login(options.username, options.password or "")
        smtp.send_message(msg, from_addr=from_addr, to_addrs=[to_addr])
    except (smtplib.SMTPException, OSError) as exc:
        # close(), not quit(): after a timeout QUIT would wait a second full timeout.
        smtp.close()
        raise _failure(exc) from exc
    # The server has the message: a failing QUIT must not turn this into a failure (and a resend).
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
    return str(msg["Message-ID"])


def _reply(exc: smtplib.SMTPResponseException | tuple[int, bytes]) -> tuple[int, str]:
    code, text = (exc.smtp_code, exc.smtp_error) if isinstance(exc, smtplib.SMTPResponseException) else exc
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return int(code), str(text)


def _by_code(what: str, code: int, text: str, exc: BaseException) -> MailDeliveryFailed:
    """A refusal with an SMTP reply code: 5xx is permanent, anything else is retried later."""
    detail = f"{type(exc).__name__}: {code} {text}"
    params = {"what": describe(what) or what, "smtp_code": code}
    if 500 <= code < 600:
        return MailDeliveryFailed(reason_code="smtp_permanent", params=params, permanent=True, detail=detail, code=code)
    return MailDeliveryFailed(reason_code="smtp_temporary", params=params, permanent=False, detail=detail, code=code)


# Failures without an SMTP reply code, most specific first: (types, reason code, permanent).
_NO_CODE: tuple[tuple[tuple[type[BaseException], ...], str, bool], ...] = (
    # STARTTLS or AUTH configured but not offered: a configuration problem, retrying won't fix it.
    ((smtplib.SMTPNotSupportedError,), "smtp_not_supported", True),
    ((smtplib.SMTPServerDisconnected,), "smtp_disconnected", False),
    ((ssl.SSLCertVerificationError,), "smtp_certificate_invalid", True),
    ((ssl.SSLError,), "smtp_tls_failed", False),
    ((TimeoutError,), "smtp_timeout", False),
    ((socket.gaierror,), "smtp_host_unknown", False),
    ((ConnectionError,), "smtp_connection_refused", False),
    ((OSError, smtplib.SMTPException), "smtp_network_error", False),
)


def _failure(exc: BaseException) -> MailDeliveryFailed:
    """Map an smtplib / socket error to a ``MailDeliveryFailed`` with a reason code."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = _reply(next(iter(exc.recipients.values())))
        return _by_code("smtp_what_recipient", code, text, exc)
    for kind, what in (
        (smtplib.SMTPSenderRefused, "smtp_what_sender"),
        (smtplib.SMTPDataError, "smtp_what_data"),
        (smtplib.SMTPAuthenticationError, "smtp_what_auth"),
        (smtplib.SMTPConnectError, "smtp_what_connect"),
        (smtplib.SMTPResponseException, "smtp_what_reply"),
    ):
        if isinstance(exc, kind):
            return _by_code(what, *_reply(exc), exc)
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
        exc = exc.__context__  # smtplib reports a read timeout as "Connection unexpectedly closed"
    reason, permanent = next((r, p) for types, r, p in _NO_CODE if isinstance(exc, types))
    return MailDeliveryFailed(reason_code=reason, permanent=permanent, detail=detail)
