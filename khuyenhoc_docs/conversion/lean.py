"""The copy of a DOCX that LibreOffice converts: the same pages with less for it to import.

python-docx's default template (which the built-in templates, and most Word files, start from) carries
~160 style definitions in a 357 kB ``styles.xml`` plus Word 2010's 438 kB ``stylesWithEffects.xml``;
a programme uses a dozen. LibreOffice imports every style definition on every load, which was ~30 %
of its CPU per conversion (measured: ~215 → ~150 ms per commune programme, ~75 ms once loaded hidden
as well). This module keeps only what the document can reach — the styles its parts name, their
``basedOn``/``next``/``link`` chains and the defaults — drops ``stylesWithEffects.xml`` and Word's
latent style list (both only feed Word's style gallery) and stores the parts uncompressed (nothing
to inflate). The PDF is unchanged: same text layer, same pixels (tests/conversion/test_lean.py).

Documents with an index (a table of contents, an alphabetical index, …) are left as they are: when
LibreOffice regenerates one it applies the index's styles by name, which no part names.
Drafts are rendered from the lean copy of their template (``drafting.render``), so the DOCX stored
and downloaded is lean too; a package with nothing left to drop passes through as it is.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
import zlib

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_STYLES = "word/styles.xml"
_DROPPED = "word/stylesWithEffects.xml"
#: Every attribute that names a style from outside styles.xml (document, headers, footers, notes,
#: numbering, settings).
_STYLE_REF = re.compile(
    rb'<w:(?:pStyle|rStyle|tblStyle|numStyleLink|styleLink|clickAndTypeStyle|defaultTableStyle)\b[^>]*?\sw:val="([^"]*)"'
)
_W_URI = W.encode()
_W_BOUND = b'xmlns:w="' + _W_URI + b'"'
#: Field instructions LibreOffice imports as an index it regenerates on request.
_INDEX_FIELD = re.compile(rb"(?:<w:instrText[^>]*>|w:instr=\")\s*(?:TOC|INDEX|TOA|BIBLIOGRAPHY)\b")


def lean_docx(docx: bytes) -> tuple[bytes, bool]:
    """The DOCX to convert (see the module docstring) and whether LibreOffice must update its indexes
    before export (unoserver's ``update_index``: only a document with an index field needs it).
    Anything unexpected returns ``docx`` itself, indexes updated, for LibreOffice to judge."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as package:
            parts = {name: package.read(name) for name in package.namelist()}
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, ValueError):
        return docx, True  # validate_docx already passed it; let LibreOffice judge the rest
    used: set[bytes] = set()
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml") and name not in (_STYLES, _DROPPED):
            if not _utf8(data) or (_W_URI in data and _W_BOUND not in data):
                return docx, True  # another encoding or prefix: fields and references cannot be read as bytes
            if _INDEX_FIELD.search(data):
                return docx, True
            used.update(_STYLE_REF.findall(data))
    styles = _pruned_styles(parts[_STYLES], frozenset(used)) if _utf8(parts.get(_STYLES, b"")) else None
    if styles is None or (styles == parts[_STYLES] and _DROPPED not in parts):
        return docx, False  # nothing to drop
    parts[_STYLES] = styles
    if _DROPPED in parts:
        del parts[_DROPPED]
        for name, pattern in (("word/_rels/document.xml.rels", rb"<Relationship\s[^>]*stylesWithEffects[^>]*/>"),
                              ("[Content_Types].xml", rb"<Override\s[^>]*stylesWithEffects[^>]*/>")):
            if name in parts:
                parts[name] = re.sub(pattern, b"", parts[name])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as lean:
        for name, data in parts.items():
            lean.writestr(name, data)
    return out.getvalue(), False


_DECLARED = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([^"']+)["']""")


def _utf8(xml: bytes) -> bool:
    """True if the part is UTF-8 (or ASCII) text, as the byte patterns above assume."""
    if xml.startswith(b"\xef\xbb\xbf"):
        xml = xml[3:]
    if not xml.startswith(b"<"):
        return False  # UTF-16 (with its BOM or zero bytes) or not XML
    declared = _DECLARED.match(xml[:200])
    return declared is None or declared.group(1).lower().replace(b"-", b"") in (b"utf8", b"ascii", b"usascii")


@functools.lru_cache(maxsize=8)
def _pruned_styles(styles_xml: bytes, used: frozenset[bytes]) -> bytes | None:
    """styles.xml with only the reachable styles (cached: a cascade renders one template many times)."""
    from lxml import etree  # here: the app's list-only workers never load lxml (tests/test_lazy_imports.py)

    try:
        root = etree.fromstring(styles_xml, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    except etree.XMLSyntaxError:
        return None
    style_tag, id_attr, val_attr = f"{{{W}}}style", f"{{{W}}}styleId", f"{{{W}}}val"
    styles = {s.get(id_attr): s for s in root.iterchildren(style_tag)}
    keep = {ref.decode("utf-8", "replace") for ref in used}
    keep |= {sid for sid, s in styles.items() if s.get(f"{{{W}}}default") in ("1", "true", "on")}
    todo = list(keep)
    while todo:
        style = styles.get(todo.pop())
        if style is None:
            continue
        for tag in ("basedOn", "next", "link"):
            ref = style.find(f"{{{W}}}{tag}")
            target = ref.get(val_attr) if ref is not None else None
            if target is not None and target not in keep:
                keep.add(target)
                todo.append(target)
    dropped = [style for sid, style in styles.items() if sid not in keep] + root.findall(f"{{{W}}}latentStyles")
    if not dropped:
        return styles_xml  # lean already: lean_docx passes the package through as it is
    for element in dropped:
        root.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
