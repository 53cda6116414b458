"""The .docx container of an uploaded template or a rendered document, checked before it is read.

Templates are hostile input: the ZIP is checked from its central directory before anything is
decompressed, and XML parts are parsed without DTDs, entities or the network.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from functools import cache
from typing import Any

from ..errors import describe

MAX_UNCOMPRESSED = 50 * 1024 * 1024  #: total of all parts once decompressed
MAX_MEMBERS = 1_000
MAX_RATIO = 100  #: compression ratio refused for parts above RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024


class TemplateInvalid(ValueError):
    """A template the service refuses: ``code`` is the kind of problem (corrupt, zip_bomb, syntax…),
    ``reason`` with ``params`` the exact one; ``message`` is its Vietnamese wording (web/messages/),
    shown to the user as is."""

    def __init__(self, message: str = "", *, code: str, reason: str = "", params: Mapping[str, Any] | None = None,
                 missing: frozenset[str] = frozenset(), unknown: frozenset[str] = frozenset()) -> None:
        super().__init__(message or reason or code)
        self._message = message
        self.code = code
        self.reason = reason
        self.params = dict(params or {})
        self.missing = missing
        self.unknown = unknown

    @property
    def message(self) -> str:
        return self._message or describe(self.reason, self.params) or self.reason or self.code

    def __str__(self) -> str:
        return self.message


def check_container(data: bytes, *, parse_xml: bool = True) -> int:
    """Refuse anything that is not a plausible .docx ZIP; return the total uncompressed size.

    Sizes come from the central directory, read before any decompression; zipfile never
    inflates a member past its declared size (it stops and fails the CRC), so checking the
    declared sizes bounds the memory a later reader can use.
    """
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise TemplateInvalid(reason="upload_empty", code="not_docx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise TemplateInvalid(reason="docx_not_zip", code="not_docx") from exc
    total = check_sizes(infos)
    names = {i.filename for i in infos}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise TemplateInvalid(reason="docx_no_document", code="not_docx")
    if parse_xml:  # render skips this: python-docx parses without entities anyway, and it costs ~20 ms
        _check_xml_parts(zf, infos)
    return total


def check_sizes(infos: list[zipfile.ZipInfo]) -> int:
    """Refuse a ZIP whose central directory declares too many parts, too many bytes, a bomb's
    compression ratio or encryption; return the total uncompressed size."""
    if len(infos) > MAX_MEMBERS:
        raise TemplateInvalid(reason="docx_too_many_parts", params={"count": len(infos)}, code="zip_bomb")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise TemplateInvalid(
            reason="docx_too_large", params={"size_mb": total / 1048576, "max_mb": MAX_UNCOMPRESSED // 1048576}, code="zip_bomb")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise TemplateInvalid(
                reason="docx_compression_ratio",
                params={"part": info.filename, "ratio": info.file_size // max(info.compress_size, 1)},
                code="zip_bomb")
        if info.flag_bits & 0x1:
            raise TemplateInvalid(reason="docx_encrypted",
                                  code="encrypted")
    return total


@cache
def _xml_parser() -> Any:
    """The parser for uploaded XML parts (created at first use: lxml stays out of processes that never check a template)."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"<")


def _looks_like_xml(name: str, blob: bytes) -> bool:
    """Every part an Office reader may parse as XML, whatever its name says."""
    return name.lower().endswith(_XML_SUFFIXES) or blob.lstrip(b" \t\r\n").startswith(_BOMS)


def _check_xml_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    from lxml import etree

    for info in infos:
        if info.is_dir():
            continue
        try:
            blob = zf.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise TemplateInvalid(reason="docx_part_unreadable", params={"part": info.filename},
                                  code="corrupt") from exc
        if not _looks_like_xml(info.filename, blob):
            continue
        # Office XML never carries a DTD; one here is an entity-expansion or XXE attempt. The parser
        # decides (a byte search misses a UTF-16 "<!DOCTYPE"), with entities and the network off.
        try:
            root = etree.fromstring(blob, _xml_parser())
        except etree.XMLSyntaxError as exc:
            raise TemplateInvalid(reason="docx_part_not_xml", params={"part": info.filename, "line": exc.lineno},
                                  code="corrupt") from exc
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
            raise TemplateInvalid(reason="docx_doctype", params={"part": info.filename},
                                  code="corrupt")
