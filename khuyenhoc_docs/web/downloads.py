"""File responses with a Content-Disposition that survives Vietnamese file names (RFC 6266 / 5987)."""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…``: headers must stay latin-1 safe."""
    plain = unicodedata.normalize("NFD", filename.replace("Đ", "D").replace("đ", "d"))
    ascii_name = "".join(c for c in plain if c.isascii() and c not in '"\\\r\n') or "tep"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(data: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    """A private, uncached download."""
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(filename, inline=inline),
        "Cache-Control": "private, no-store",
    })


def register_download(data: bytes, mimetype: str, name: str) -> Response:
    """The outgoing register as an attachment (Excel or CSV)."""
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
