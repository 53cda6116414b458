"""A local outbox, as development mail backends have: when no SMTP server is configured
(``KHD_SMTP_HOST`` empty, the ``make run`` default) each message is written as an .eml file in
the data dir instead of being sent, and admins and clerks read it in the UI ("Hộp thư đi").

The files are exactly what SMTP would have carried (``mailer.build_message``), so links,
attachments and Vietnamese headers look the same as in a real mailbox.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

from .mailer import MailOptions, OutgoingMail, build_message

_ID_RE = re.compile(r"[0-9]{8}T[0-9]{6}-[0-9a-f]{12}\Z")
MAX_LISTED = 500


@dataclass(frozen=True)
class OutboxAttachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class OutboxMessage:
    """One stored message: headers, the plain-text body and its attachments."""

    id: str
    sender: str
    to: str
    subject: str
    date: datetime | None
    message_id: str
    text: str
    attachments: tuple[OutboxAttachment, ...]


def write(directory: Path, options: MailOptions, mail: OutgoingMail, *, message_id: str | None = None) -> str:
    """Store the message (raises ``InvalidRecipient`` like ``send_mail``); returns its Message-ID."""
    msg = build_message(options, mail, message_id=message_id)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"
    tmp = directory / f".{name}.tmp"
    tmp.write_bytes(msg.as_bytes())
    os.replace(tmp, directory / f"{name}.eml")  # readers never see half a message
    return str(msg["Message-ID"])


def _path(directory: Path, message_id: str) -> Path | None:
    if not _ID_RE.match(message_id):
        return None
    path = directory / f"{message_id}.eml"
    return path if path.is_file() else None


def _parse(path: Path) -> EmailMessage:
    with path.open("rb") as fh:
        message = BytesParser(policy=policy.default).parse(fh)
    assert isinstance(message, EmailMessage)  # policy.default builds EmailMessage
    return message


def _summary(message_id: str, msg: EmailMessage) -> OutboxMessage:
    body = msg.get_body(preferencelist=("plain",))
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    attachments = tuple(
        OutboxAttachment(i, part.get_filename() or f"tep-{i + 1}", part.get_content_type(),
                         len(part.get_payload(decode=True) or b""))
        for i, part in enumerate(msg.iter_attachments()))
    return OutboxMessage(id=message_id, sender=str(msg["From"] or ""), to=str(msg["To"] or ""),
                         subject=str(msg["Subject"] or ""), date=date, message_id=str(msg["Message-ID"] or ""),
                         text=body.get_content() if body is not None else "", attachments=attachments)


def messages(directory: Path) -> list[OutboxMessage]:
    """The newest messages first (at most ``MAX_LISTED``)."""
    if not directory.is_dir():
        return []
    paths = sorted(directory.glob("*.eml"), reverse=True)[:MAX_LISTED]
    return [_summary(p.stem, _parse(p)) for p in paths if _ID_RE.match(p.stem)]


def message(directory: Path, message_id: str) -> OutboxMessage | None:
    path = _path(directory, message_id)
    return _summary(message_id, _parse(path)) if path else None


def attachment(directory: Path, message_id: str, index: int) -> tuple[bytes, str, str] | None:
    """(data, content type, file name) of one attachment, or None."""
    path = _path(directory, message_id)
    if path is None:
        return None
    parts = list(_parse(path).iter_attachments())
    if not 0 <= index < len(parts):
        return None
    part = parts[index]
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return data, part.get_content_type(), part.get_filename() or f"tep-{index + 1}"
