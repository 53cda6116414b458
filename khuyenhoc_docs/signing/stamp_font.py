"""The stamp's embedded TrueType font, shaped with HarfBuzz and subset without fontTools (issue 16).

pyHanko's ``GlyphAccumulator`` imports ``fontTools.subset`` (~12-18 MB of code kept by every web
worker that signed once) and writes glyph widths in font units, right only for 1000-units-per-em
fonts. This engine shapes with HarfBuzz scaled to 1000 units per em (the PDF's glyph space), so the
system font is used as it is, and embeds a font program cut straight from the font's tables: the
glyphs the text uses, numbered in order of first use (CID = glyph id, ``CIDToGIDMap /Identity``),
then the components of composite glyphs; hinting is dropped (ignored by PDF renderers at stamp
sizes) and so are the layout tables, which only the shaping here reads.
"""
from __future__ import annotations

import functools
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult

pdf_name = generic.NameObject
EM = 1000  # PDF glyph space units per em
# what a CIDFontType2 program needs (cmap and name are small and keep strict readers content)
_KEEP = ("OS/2", "cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post")
# a cmap with no mapping (format 4, only the closing 0xFFFF segment): renumbered glyphs make the
# font's own cmap wrong, and a CID font's text is mapped by the PDF
_EMPTY_CMAP = struct.pack(">HHHHIHHHHHHHHHHH", 0, 1, 3, 1, 12, 4, 24, 0, 2, 2, 0, 0, 0xFFFF, 0, 0xFFFF, 1) + \
    struct.pack(">H", 0)
# composite glyph flags
_ARGS_ARE_WORDS, _HAVE_SCALE, _MORE, _HAVE_XY_SCALE, _HAVE_2X2, _HAVE_INSTRUCTIONS = (
    0x1, 0x8, 0x20, 0x40, 0x80, 0x100)


@dataclass(frozen=True)
class TrueTypeFont:
    """A TrueType font file read once per process: its tables, metrics and a HarfBuzz font."""

    data: bytes
    tables: dict[str, tuple[int, int]]  # tag -> (offset, length)
    hb_font: Any = field(repr=False)  # uharfbuzz.Font at 1000 units per em (shaping only reads it)
    ps_name: str
    units_per_em: int
    num_glyphs: int

    def table(self, tag: str) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset:offset + length]

    def scaled(self, value: float) -> int:
        return round(value * EM / self.units_per_em)

    def glyph_offsets(self) -> list[int]:
        loca, long_format = self.table("loca"), struct.unpack(">h", self.table("head")[50:52])[0] == 1
        count = self.num_glyphs + 1
        if long_format:
            return list(struct.unpack(f">{count}I", loca[:4 * count]))
        return [2 * v for v in struct.unpack(f">{count}H", loca[:2 * count])]


def _ps_name(name: bytes) -> str:
    _, count, strings = struct.unpack(">HHH", name[:6])
    found: dict[tuple[int, int], str] = {}
    for i in range(count):
        platform, encoding, _, name_id, length, offset = struct.unpack(">6H", name[6 + 12 * i:18 + 12 * i])
        if name_id == 6:
            raw = name[strings + offset:strings + offset + length]
            found[platform, encoding] = raw.decode("utf-16-be" if platform in (0, 3) else "latin-1")
    for key in ((3, 1), (1, 0), *found):
        if key in found:
            return found[key]
    raise ValueError("font has no PostScript name")


@functools.lru_cache(maxsize=8)
def load_font(path: str) -> TrueTypeFont:
    """The TrueType font at ``path`` (glyf outlines), read once per process."""
    data = Path(path).read_bytes()
    version, count = struct.unpack(">IH", data[:6])
    if version not in (0x00010000, 0x74727565):  # TrueType outlines only (CFF fonts embed differently)
        raise ValueError(f"{path}: not a TrueType font")
    tables = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        tables[tag.decode("latin-1")] = (offset, length)
    missing = {"glyf", "loca", "head", "hhea", "hmtx", "maxp", "name", "post"} - tables.keys()
    if missing:
        raise ValueError(f"{path}: no {sorted(missing)} table")
    face = hb.Face(data)
    hb_font = hb.Font(face)
    hb_font.scale = (EM, EM)  # positions and advances in PDF glyph space
    head_offset, maxp_offset, name = tables["head"][0], tables["maxp"][0], tables["name"]
    return TrueTypeFont(data=data, tables=tables, hb_font=hb_font,
                        ps_name=_ps_name(data[name[0]:name[0] + name[1]]),
                        units_per_em=struct.unpack(">H", data[head_offset + 18:head_offset + 20])[0],
                        num_glyphs=struct.unpack(">H", data[maxp_offset + 4:maxp_offset + 6])[0])


def _outline_length(data: bytes, points: int) -> int:
    """Bytes of a simple glyph's flags and coordinates (what follows is the source's padding)."""
    pos, x_bytes, y_bytes, seen = 0, 0, 0, 0
    while seen < points:
        flag = data[pos]
        pos += 1
        repeat = 1
        if flag & 0x8:  # REPEAT_FLAG
            repeat += data[pos]
            pos += 1
        x_bytes += repeat * (1 if flag & 0x2 else 0 if flag & 0x10 else 2)  # X_SHORT / X_SAME
        y_bytes += repeat * (1 if flag & 0x4 else 0 if flag & 0x20 else 2)  # Y_SHORT / Y_SAME
        seen += repeat
    return pos + x_bytes + y_bytes


def _glyph_for_subset(glyph: bytes, new_id: Callable[[int], int]) -> bytes:
    """The glyph without its hinting instructions, a composite's components renumbered."""
    contours = struct.unpack(">h", glyph[:2])[0]
    if contours >= 0:  # simple glyph: endPtsOfContours, then instructionLength and instructions
        at = 10 + 2 * contours
        length = struct.unpack(">H", glyph[at:at + 2])[0]
        rest = glyph[at + 2 + length:]
        points = contours and 1 + struct.unpack(">H", glyph[at - 2:at])[0]
        return glyph[:at] + b"\0\0" + rest[:_outline_length(rest, points)]
    out, pos, flags = bytearray(glyph), 10, _MORE
    while flags & _MORE:
        flags, gid = struct.unpack(">HH", glyph[pos:pos + 4])
        struct.pack_into(">HH", out, pos, flags & ~_HAVE_INSTRUCTIONS, new_id(gid))
        pos += 4 + (4 if flags & _ARGS_ARE_WORDS else 2)
        pos += 2 if flags & _HAVE_SCALE else 4 if flags & _HAVE_XY_SCALE else 8 if flags & _HAVE_2X2 else 0
    return bytes(out[:pos])


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def subset_font(font: TrueTypeFont, gids: list[int]) -> bytes:
    """A TrueType program whose glyph ``i`` is the font's glyph ``gids[i]`` (``gids[0]`` is 0, .notdef);
    components of composite glyphs are appended after them."""
    offsets, glyf, hmtx = font.glyph_offsets(), font.table("glyf"), font.table("hmtx")
    hhea, maxp = bytearray(font.table("hhea")), bytearray(font.table("maxp"))
    metrics = struct.unpack(">H", hhea[34:36])[0]  # numberOfHMetrics
    order, ids = list(gids), {gid: i for i, gid in enumerate(gids)}

    def new_id(gid: int) -> int:
        if gid not in ids:
            ids[gid] = len(order)
            order.append(gid)
        return ids[gid]

    new_glyf, new_loca, new_hmtx = bytearray(), [0], bytearray()
    i = 0
    while i < len(order):  # grows while composites add their components
        gid = order[i]
        glyph = glyf[offsets[gid]:offsets[gid + 1]] if gid < font.num_glyphs else b""
        if glyph:
            glyph = _glyph_for_subset(glyph, new_id)
            glyph += b"\0" * (-len(glyph) % 4)
        new_glyf += glyph
        new_loca.append(len(new_glyf))
        last = min(gid, metrics - 1)
        lsb = hmtx[4 * gid + 2:4 * gid + 4] if gid < metrics else \
            hmtx[4 * metrics + 2 * (gid - metrics):4 * metrics + 2 * (gid - metrics) + 2]
        new_hmtx += hmtx[4 * last:4 * last + 2] + lsb
        i += 1
    struct.pack_into(">H", hhea, 34, len(order))
    struct.pack_into(">H", maxp, 4, len(order))
    head = bytearray(font.table("head"))
    struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set below
    struct.pack_into(">h", head, 50, 1)  # long loca offsets
    post = font.table("post")
    tables = {tag: font.table(tag) for tag in _KEEP if tag in font.tables}
    tables.update({"glyf": bytes(new_glyf), "loca": struct.pack(f">{len(new_loca)}I", *new_loca),
                   "hmtx": bytes(new_hmtx), "hhea": bytes(hhea), "maxp": bytes(maxp), "head": bytes(head),
                   "cmap": _EMPTY_CMAP,  # the PDF maps codes to glyphs (Identity), the font's cmap is unused
                   "post": struct.pack(">I", 0x00030000) + post[4:32]})  # no glyph names
    return _sfnt(tables)


def _sfnt(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    power = 1 << (len(tags).bit_length() - 1)
    out = bytearray(struct.pack(">IHHHH", 0x00010000, len(tags), power * 16, power.bit_length() - 1,
                                len(tags) * 16 - power * 16))
    offset = 12 + 16 * len(tags)
    body = bytearray()
    head_at = 0
    for tag in tags:
        data = tables[tag]
        if tag == "head":
            head_at = offset + len(body)
        out += struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    out += body
    struct.pack_into(">I", out, head_at + 8, (0xB1B0AFBA - _checksum(bytes(out))) & 0xFFFFFFFF)
    return bytes(out)


def _tj(buf: Any, glyph: Callable[[int], tuple[int, int]]) -> tuple[bytes, int]:
    """One TJ for horizontal text: the gap between HarfBuzz's advance and the glyph width as kerning
    (pyHanko's format, in thousandths of an em)."""
    segments: list[str] = []
    cids: list[int] = []
    adjust = total = 0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        adjust -= pos.x_offset  # HarfBuzz and PDF offsets have opposite signs
        if adjust:
            if cids:
                segments.append(f"<{''.join(f'{c:04x}' for c in cids)}>")
                cids = []
            segments.append(str(adjust))
        cid, width = glyph(info.codepoint)
        cids.append(cid)
        adjust = width - pos.x_advance + pos.x_offset
        total += pos.x_advance
    if cids:
        segments.append(f"<{''.join(f'{c:04x}' for c in cids)}>")
    return f"[{' '.join(segments)}] TJ".encode("ascii"), total


def _positioned(buf: Any, size: float, glyph: Callable[[int], tuple[int, int]]) -> tuple[bytes, int]:
    """Glyph by glyph with Td moves, for marks placed above or below (a y offset)."""
    commands, x, y, total = [], 0, 0, 0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        x, y = x + pos.x_offset, y + pos.y_offset
        if x or y:
            commands.append(b"%g %g Td" % (x * size / EM, y * size / EM))
        commands.append(f"<{glyph(info.codepoint)[0]:04x}> Tj".encode("ascii"))
        x, y = pos.x_advance - pos.x_offset, pos.y_advance - pos.y_offset
        total += pos.x_advance
    if x or y:
        commands.append(b"%g %g Td" % (x * size / EM, y * size / EM))
    return b" ".join(commands), total


class StampFontEngine(FontEngine):
    """pyHanko font engine over a TrueType file: CIDs number the glyphs used, widths in 1/1000 em."""

    def __init__(self, writer: Any, font: TrueTypeFont, font_size: int, bcp47_lang_code: str | None = None,
                 obj_stream: Any = None) -> None:
        super().__init__(writer, font.ps_name, embedded_subset=True, obj_stream=obj_stream, font_size=font_size)
        self.font = font
        self.bcp47_lang_code = bcp47_lang_code
        self._font_ref = writer.allocate_placeholder()
        self._gids = [0]  # CID -> the font's glyph id: glyphs numbered in order of first use
        self._cids = {0: 0}
        self._widths: dict[int, int] = {0: font.hb_font.get_glyph_h_advance(0)}  # by CID
        self._to_unicode: dict[int, str] = {}
        self._written = False

    def _glyph(self, gid: int) -> tuple[int, int]:
        """The CID of the font's glyph ``gid`` and its width."""
        cid = self._cids.get(gid)
        if cid is None:
            cid = self._cids[gid] = len(self._gids)
            self._gids.append(gid)
            self._widths[cid] = self.font.hb_font.get_glyph_h_advance(gid)
        return cid, self._widths[cid]

    def shape(self, txt: str) -> ShapeResult:
        if not txt:
            return ShapeResult(b"", 0, 0)
        buf = hb.Buffer()
        buf.add_str(txt)
        buf.guess_segment_properties()
        hb.shape(self.font.hb_font, buf)
        if any(pos.y_offset for pos in buf.glyph_positions):
            ops, total = _positioned(buf, self.font_size, self._glyph)
        else:
            ops, total = _tj(buf, self._glyph)
            ops += b" %g 0 Td" % (total * self.font_size / EM)  # cursor at the end, as the other branch
        self._map_clusters(buf, txt)
        props = generic.DictionaryObject({pdf_name("/ActualText"): generic.TextStringObject(txt)})
        if self.bcp47_lang_code is not None:
            props[pdf_name("/Lang")] = generic.pdf_string(self.bcp47_lang_code)
        out = BytesIO()
        out.write(b"/Span ")
        props.write_to_stream(out)
        out.write(b" BDC " + ops + b" EMC")
        return ShapeResult(graphics_ops=out.getvalue(), x_advance=total / EM, y_advance=0)

    def _map_clusters(self, buf: Any, txt: str) -> None:
        """ToUnicode entries: a one-glyph cluster maps to its text; in a cluster of several glyphs
        each glyph maps to the character the font's cmap gives it (as pyHanko does)."""
        clusters: dict[int, list[int]] = {}
        for info in buf.glyph_infos:
            clusters.setdefault(info.cluster, []).append(info.codepoint)
        starts = sorted(clusters)
        for start, end in zip(starts, [*starts[1:], len(txt)], strict=True):
            gids, text = clusters[start], txt[start:end]
            if len(gids) == 1:
                if gids[0]:
                    self._to_unicode[self._glyph(gids[0])[0]] = text
                continue
            for ch in text:
                gid = self.font.hb_font.get_nominal_glyph(ord(ch))
                if gid and gid in gids:
                    self._to_unicode.setdefault(self._glyph(gid)[0], ch)

    def as_resource(self) -> generic.IndirectObject:
        return self._font_ref

    def prepare_write(self) -> None:
        if self._written:
            return
        self._written = True
        writer, font, name = self.writer, self.font, f"{self.subset_prefix}+{self.font.ps_name}"
        program = subset_font(font, self._gids)
        stream = generic.StreamObject({pdf_name("/Length1"): generic.NumberObject(len(program))},
                                      stream_data=program)
        stream.compress()
        head, hhea, os2 = font.table("head"), font.table("hhea"), font.table("OS/2") if "OS/2" in font.tables else b""
        bbox = struct.unpack(">4h", head[36:44])
        weight = struct.unpack(">H", os2[4:6])[0] if len(os2) >= 6 else 400
        cap_height = struct.unpack(">h", os2[88:90])[0] if len(os2) >= 90 else 750 * font.units_per_em // EM
        italic = struct.unpack(">i", font.table("post")[4:8])[0] / 65536
        descriptor = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/FontDescriptor"), pdf_name("/FontName"): pdf_name("/" + name),
            pdf_name("/Ascent"): generic.NumberObject(font.scaled(struct.unpack(">h", hhea[4:6])[0])),
            pdf_name("/Descent"): generic.NumberObject(font.scaled(struct.unpack(">h", hhea[6:8])[0])),
            pdf_name("/FontBBox"): generic.ArrayObject([generic.NumberObject(font.scaled(v)) for v in bbox]),
            pdf_name("/Flags"): generic.NumberObject(0b110), pdf_name("/ItalicAngle"): generic.FloatObject(italic),
            pdf_name("/StemV"): generic.NumberObject(int(10 + 220 * (weight - 50) / 900)),
            pdf_name("/CapHeight"): generic.NumberObject(font.scaled(cap_height)),
            pdf_name("/FontFile2"): writer.add_object(stream),
        })
        cid_font = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/CIDFontType2"),
            pdf_name("/BaseFont"): pdf_name("/" + name),
            pdf_name("/CIDSystemInfo"): generic.DictionaryObject({
                pdf_name("/Registry"): generic.pdf_string("Adobe"),
                pdf_name("/Ordering"): generic.pdf_string("Identity"),
                pdf_name("/Supplement"): generic.NumberObject(0)}),
            pdf_name("/FontDescriptor"): writer.add_object(descriptor, self.obj_stream),
            pdf_name("/CIDToGIDMap"): pdf_name("/Identity"),
            pdf_name("/W"): _widths_array(self._widths),
        })
        type0 = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type0"),
            pdf_name("/BaseFont"): pdf_name(f"/{name}-Identity-H"), pdf_name("/Encoding"): pdf_name("/Identity-H"),
            pdf_name("/DescendantFonts"): generic.ArrayObject([writer.add_object(cid_font, self.obj_stream)]),
            pdf_name("/ToUnicode"): writer.add_object(_to_unicode_cmap(self._to_unicode)),
        })
        writer.add_object(type0, self.obj_stream, idnum=self._font_ref.idnum)


def _widths_array(widths: dict[int, int]) -> generic.ArrayObject:
    """``/W``: runs of consecutive CIDs, ``first [w1 w2 …]``."""
    out = generic.ArrayObject()
    run: list[generic.NumberObject] = []
    first = prev = -2
    for cid in sorted(widths):
        if cid != prev + 1 and run:
            out += [generic.NumberObject(first), generic.ArrayObject(run)]
            run = []
        if not run:
            first = cid
        run.append(generic.NumberObject(widths[cid]))
        prev = cid
    if run:
        out += [generic.NumberObject(first), generic.ArrayObject(run)]
    return out


def _to_unicode_cmap(mapping: dict[int, str]) -> generic.StreamObject:
    entries = [f"<{cid:04x}> <{text.encode('utf-16-be').hex()}>" for cid, text in sorted(mapping.items())]
    chunks = [entries[i:i + 100] for i in range(0, len(entries), 100)]  # at most 100 per block
    body = "\n".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar" for c in chunks)
    cmap = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
            "/CIDSystemInfo <<\n/Registry (Adobe)\n/Ordering (UCS2)\n/Supplement 0\n>> def\n"
            "/CMapName /Adobe-Identity-UCS2 def\n/CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
            f"{body}\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")
    stream = generic.StreamObject(stream_data=cmap.encode("ascii"))
    stream.compress()
    return stream


@dataclass(frozen=True)
class StampFontFactory(FontEngineFactory):
    """Creates a ``StampFontEngine`` per text box (pyHanko asks once per appearance stream)."""

    font_file: str
    font_size: int = 10
    bcp47_lang_code: str | None = None
    create_objstream_if_needed: bool = True

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> StampFontEngine:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return StampFontEngine(writer, load_font(self.font_file), self.font_size,
                               bcp47_lang_code=self.bcp47_lang_code, obj_stream=obj_stream)
