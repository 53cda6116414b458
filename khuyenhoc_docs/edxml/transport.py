"""Delivering edXML messages: POST to an exchange endpoint, or a file in an outbox folder."""
from __future__ import annotations

import os
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CONTENT_TYPE = "application/xml; charset=utf-8"


class TransportFailed(Exception):
    """The exchange endpoint could not take the message now (retry later)."""


@dataclass(frozen=True)
class TransportOptions:
    endpoint: str  # empty: write to outbox
    token: str
    outbox: Path
    timeout: float = 20.0


def send(options: TransportOptions, data: bytes, name: str) -> str:
    """Deliver one message; returns where it went (the endpoint or the file path)."""
    if options.endpoint:
        return _post(options, data)
    return str(write_atomically(options.outbox, name, data))


def _post(options: TransportOptions, data: bytes) -> str:
    req = urllib.request.Request(options.endpoint, data=data, method="POST",
                                 headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"})
    if options.token:
        req.add_header("Authorization", f"Bearer {options.token}")
    try:
        with urllib.request.urlopen(req, timeout=options.timeout) as resp:  # noqa: S310 - configured URL
            resp.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()[:500].decode("utf-8", "replace")
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise ValueError(f"HTTP {exc.code}: {body}") from exc  # refused: retrying will not help
        raise TransportFailed(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TransportFailed(str(exc)) from exc
    return options.endpoint


def write_atomically(folder: Path, name: str, data: bytes) -> Path:
    """Write ``name`` into ``folder`` so a watcher never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:120] or "message.xml"
    tmp = folder / f".{safe}.{secrets.token_hex(4)}.part"
    tmp.write_bytes(data)
    target = folder / safe
    os.replace(tmp, target)
    return target
