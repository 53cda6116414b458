"""A .docx from outside the service (a unit's report) checked before LibreOffice opens it.

LibreOffice follows what a Word package points at: a linked picture or OLE object, an attached
template, a sub-document or frame, a field that includes a file or a picture (INCLUDETEXT,
INCLUDEPICTURE, LINK, DDE…), an embedded HTML chunk. Converted on the server, such a package
could make it read a local file (the data directory holds keys) or fetch an internal address,
and the PDF would show the result to whoever uploaded it. Templates come from admins; reports
come from every unit's clerk, so a report is converted only when it points at nothing outside
itself (hyperlinks are fine: they are only followed by whoever clicks them in the PDF).
Call after ``container.check_container`` (sizes, DTDs), which bounds what is read here.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from .container import TemplateInvalid, _xml_parser, check_sizes

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# Field instructions that read a file, a database or another program's data.
_FIELDS = re.compile(r"^\s*(INCLUDETEXT|INCLUDEPICTURE|INCLUDE|LINK|DDE|DDEAUTO|IMPORT|DATABASE|RD)\b", re.I)
# An SVG picture may refer to other files (xlink:href, href, url(...)); only fragments and data URIs stay inside.
_SVG_OUT = re.compile(rb"""(?:href\s*=\s*["']\s*|url\(\s*["']?\s*)(?!#|data:)[^"')\s]""", re.I)
_ADDRESS = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|\\\\|/)", re.I)  # a URL scheme, a UNC or an absolute path
_MAX_NESTED = 1  # an embedded package (a spreadsheet in the report) is checked too, not its own embeddings


def check_no_outside_refs(data: bytes) -> None:
    """Raise ``TemplateInvalid`` (code "outside_ref", naming what points outside and in which part)."""
    _check(data, depth=0)


def _refuse(what: str, part: str) -> TemplateInvalid:
    return TemplateInvalid(reason="docx_outside_ref", params={"what": what, "part": part}, code="outside_ref")


def _check(data: bytes, depth: int) -> None:
    from lxml import etree

    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise TemplateInvalid(reason="docx_not_zip", code="not_docx") from exc
    check_sizes(infos)  # an embedded package was never size-checked: it could be a zip bomb
    with package:
        for info in infos:
            name = info.filename
            lower = name.lower()
            if info.is_dir():
                continue
            if "vbaproject" in lower or lower.endswith(".bin") and "vba" in lower:
                raise _refuse("macro (VBA)", name)
            xml = lower.endswith(".rels") or lower.endswith(".vml") or lower.endswith(".xml") and lower.startswith("word/")
            try:
                blob = package.read(info)
                root = etree.fromstring(blob, _xml_parser()) if xml else None
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, etree.XMLSyntaxError) as exc:
                raise TemplateInvalid(reason="docx_part_unreadable", params={"part": name}, code="corrupt") from exc
            if root is not None:
                (_check_relationships if lower.endswith(".rels") else _check_wordprocessing)(root, name)
            if lower.endswith(".svg") and _SVG_OUT.search(blob):
                raise _refuse("SVG picture linking to another file", name)
            if not lower.endswith((".rels", ".vml", ".xml")) and zipfile.is_zipfile(io.BytesIO(blob)):
                if depth >= _MAX_NESTED:
                    raise _refuse("package nested in an embedded package", name)
                _check(blob, depth + 1)


def _check_relationships(root: Any, part: str) -> None:
    for rel in root.iter(_REL):
        if (rel.get("TargetMode") or "").lower() == "external" and not (rel.get("Type") or "").endswith("/hyperlink"):
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1] or "relationship"
            raise _refuse(f"{kind} → {(rel.get('Target') or '')[:80]}", part)


def _check_wordprocessing(root: Any, part: str) -> None:
    if next(root.iter(f"{_W}altChunk", f"{_W}subDoc"), None) is not None:
        raise _refuse("altChunk / subDoc", part)
    for element in root.iter():
        for attribute, value in element.attrib.items():
            # A VML picture's src (or a shape's href) naming a file or an address instead of a part.
            if attribute.rsplit("}", 1)[-1] in ("src", "href") and _ADDRESS.match(value):
                raise _refuse(f"{attribute.rsplit('}', 1)[-1]}={value[:80]}", part)
    for simple in root.iter(f"{_W}fldSimple"):
        _check_field(simple.get(f"{_W}instr") or "", part)
    # A complex field's instruction may be split over several runs: joined per field, nested fields on a stack.
    stack: list[list[str]] = []
    for node in root.iter(f"{_W}fldChar", f"{_W}instrText"):
        if node.tag == f"{_W}instrText":
            if stack:
                stack[-1].append(node.text or "")
            else:
                _check_field(node.text or "", part)  # an instruction outside begin/end: still checked
            continue
        kind = node.get(f"{_W}fldCharType")
        if kind == "begin":
            stack.append([])
        elif kind in ("separate", "end") and stack:
            _check_field("".join(stack[-1]), part)
            if kind == "end":
                stack.pop()
            else:
                stack[-1] = []
    for pieces in stack:  # a field never closed
        _check_field("".join(pieces), part)


def _check_field(instruction: str, part: str) -> None:
    found = _FIELDS.match(instruction)
    if found:
        raise _refuse(f"{found.group(1).upper()} field", part)
