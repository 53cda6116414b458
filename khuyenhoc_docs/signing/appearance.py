"""Visible signature stamp that renders Vietnamese correctly.

pyHanko's default stamp font (Courier, not embedded) garbles Vietnamese.
An embedded TrueType font through ``GlyphAccumulatorFactory`` works, but
pyHanko 0.38 writes glyph widths unscaled, so a 2048-units-per-em font
(Liberation Serif) comes out with letters ~2x apart. The font is therefore
rescaled to 1000 units per em with fontTools, once per process (and per
source path), and subset to Latin + Vietnamese to keep per-signature shaping
cheap.

The stamp text ("Ký ngày: …") is printed into the PDF: document content, not a UI message.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import io
import os
import shutil
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from . import SigningError

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LIBERATION_SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"

# Basic Latin, Latin-1, Latin Extended-A/B, combining marks, Latin Extended
# Additional (all precomposed Vietnamese letters), punctuation, currency.
_UNICODE_RANGES = [
    (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF),
    (0x2000, 0x206F), (0x20A0, 0x20CF),
]


@dataclass(frozen=True)
class StampInfo:
    """What the stamp says. ``signed_at`` defaults to now;
    ``signature_image`` is a transparent PNG of the handwritten signature; ``image_only``: the
    appearance is that image alone (Decree 30 Appendix I), no text and no border."""

    full_name: str
    position: str
    organisation: str
    signed_at: datetime | None = None
    signature_image: bytes | None = None
    image_only: bool = False


@dataclass(frozen=True)
class AppearanceOptions:
    font_path: str = LIBERATION_SERIF
    font_cache_dir: str | None = None  # None: a private temp dir per process
    # Natural font size is picked from the box height within these bounds
    # (pyHanko writes "Tf" with %d, so sizes are whole points); the text is
    # then shrunk to fit the width if needed.
    min_font_size: int = 7
    max_font_size: int = 12
    text_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    border_width: int = 1
    border_color: tuple[float, float, float] = (0.75, 0.1, 0.1)
    image_share: float = 0.38  # width fraction for the handwritten signature


_FONT_LOCK = threading.Lock()


def _default_cache_dir() -> str:
    path = tempfile.mkdtemp(prefix="khuyenhoc-fonts-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


class _InMemoryFontFactory(GlyphAccumulatorFactory):
    """pyHanko's factory opens the font file and never closes it (one leaked handle per signature);
    this one hands it the prepared font's bytes instead."""

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_font_bytes(self.font_file)),
                                font_size=self.font_size, ot_script_tag=self.ot_script_tag,
                                ot_language_tag=self.ot_language_tag, writing_direction=self.writing_direction,
                                bcp47_lang_code=self.bcp47_lang_code, obj_stream=obj_stream)


def font_factory(path: Path, size: int) -> GlyphAccumulatorFactory:
    """A font factory for ``path`` at ``size`` points that leaks no file handle."""
    return _InMemoryFontFactory(str(path), font_size=size, bcp47_lang_code="vi")


@functools.lru_cache(maxsize=8)
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


@functools.lru_cache(maxsize=8)
def _prepared_font(source: str, cache_dir: str | None) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    st = os.stat(source)
    tag = hashlib.sha256(f"{source}|{st.st_size}|{st.st_mtime_ns}|v2".encode()).hexdigest()[:16]
    directory = Path(cache_dir or _default_cache_dir())
    target = directory / f"stamp-{tag}.ttf"
    if target.exists():  # prepared earlier (shared cache dir)
        return target
    directory.mkdir(parents=True, exist_ok=True)
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]  # keep mark positioning for combining marks
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]  # FontForge timestamp; fontTools can't subset it
    # TrueType hinting is ignored by most PDF renderers at stamp sizes; dropping
    # it halves the font and trims pyHanko's per-signature subset+embed step.
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for lo, hi in _UNICODE_RANGES for u in range(lo, hi + 1)])
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    buf = io.BytesIO()
    font.save(buf)
    # write-then-rename: concurrent processes sharing a cache dir never see
    # a half-written font
    tmp = directory / f".{target.name}.{os.getpid()}.tmp"
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, target)
    return target


def stamp_font_path(options: AppearanceOptions = AppearanceOptions()) -> Path:
    """Path of the prepared (subset, 1000 upem) stamp font; built once."""
    with _FONT_LOCK:
        try:
            path = _prepared_font(options.font_path, options.font_cache_dir)
            if not path.exists():  # removed behind our back (tmp cleaner): rebuild
                _prepared_font.cache_clear()
                path = _prepared_font(options.font_path, options.font_cache_dir)
            return path
        except OSError as exc:
            raise SigningError(code="stamp_font_failed", detail=repr(exc)) from exc


def _escape(s: str) -> str:
    # NFC: precomposed Vietnamese letters have designed glyphs, decomposed
    # input would rely on mark positioning. stamp_text is a %-template.
    return " ".join(unicodedata.normalize("NFC", s).split()).replace("%", "%%")


def stamp_text(info: StampInfo, at: datetime) -> str:
    """The four stamp lines, time in Asia/Ho_Chi_Minh."""
    local = at.astimezone(VN_TZ)
    return "\n".join(
        [
            _escape(info.full_name),
            _escape(info.position),
            _escape(info.organisation),
            f"Ký ngày: {local:%d/%m/%Y %H:%M} (GMT+7)",
        ]
    )


@functools.lru_cache(maxsize=32)
def _image(png: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(png))
    img.load()
    # keep transparency: pyHanko turns the alpha channel into an SMask
    return img.convert("RGBA") if img.mode not in ("RGBA", "LA") else img


def build_stamp_style(
    info: StampInfo, at: datetime, box: tuple[float, float],
    options: AppearanceOptions = AppearanceOptions(),
) -> TextStampStyle:
    """TextStampStyle for a field of size ``box`` (width, height) in points."""
    width, height = box
    text = stamp_text(info, at)
    lines = text.count("\n") + 1
    # line height 1.2 em plus ~1 em of margins
    size = int(max(options.min_font_size, min(options.max_font_size, height / (lines * 1.2 + 1))))
    font = _InMemoryFontFactory(
        str(stamp_font_path(options)),
        # must equal the text box's size: pyHanko positions lines with the
        # factory size and draws with the style size
        font_size=size,
        bcp47_lang_code="vi",
    )
    text_style = TextBoxStyle(
        font=font,
        font_size=size,
        leading=round(size * 1.2),
        text_color=options.text_color,
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1),
        ),
    )
    background = None
    text_margins = layout.Margins.uniform(2)
    bg_layout = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
    )
    if info.signature_image:
        try:
            background = PdfImage(_image(info.signature_image))
        except Exception as exc:  # PIL raises many types on a bad image
            raise SigningError(code="handwritten_image_invalid", detail=repr(exc)) from exc
        split = round(width * options.image_share)
        # handwritten signature on the left, text on the right
        bg_layout = layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins(left=2, right=max(0, round(width) - split), top=2, bottom=2),
        )
        text_margins = layout.Margins(left=split, right=2, top=2, bottom=2)
    return TextStampStyle(
        stamp_text=text,
        text_box_style=text_style,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=text_margins,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=options.border_width,
        border_color=options.border_color,
        background=background,
        background_layout=bg_layout,
        background_opacity=1.0,
    )


def style_for(info: StampInfo, at: datetime, box: tuple[float, float],
              options: AppearanceOptions = AppearanceOptions()) -> StaticStampStyle | TextStampStyle:
    """The appearance a stamp asks for: its image alone, or the text stamp (with the image beside it)."""
    if info.image_only and info.signature_image:
        return image_stamp_style(info.signature_image)
    return build_stamp_style(info, at, box, options)


def signing_moment(info: StampInfo) -> datetime:
    return info.signed_at or datetime.now(UTC)


def image_stamp_style(png: bytes) -> StaticStampStyle:
    """Appearance that is only an image (a chair's handwritten signature, an organisation's seal):
    no text, no border, fully opaque, scaled to fit the field and centred (Decree 30, Appendix I)."""
    try:
        background = PdfImage(_image(png))
    except Exception as exc:  # PIL raises many types on a bad image
        raise SigningError(code="stamp_image_invalid", detail=repr(exc)) from exc
    return StaticStampStyle(
        background=background, background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def attachment_stamp_style(doc_number: str, at: datetime, box: tuple[float, float],
                           options: AppearanceOptions = AppearanceOptions()) -> TextStampStyle:
    """An organisation's signature on a separate attachment: top right of page 1, no image, no
    border; number/symbol and the signing time in ISO 8601 with +07:00, Times New Roman 10 pt, black."""
    text = f"{_escape(doc_number)}\n{at.astimezone(VN_TZ).replace(microsecond=0).isoformat()}"
    font = font_factory(stamp_font_path(options), 10)
    return TextStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(font=font, font_size=10, leading=12, text_color=(0.0, 0.0, 0.0),
                                    box_layout_rule=layout.SimpleBoxLayoutRule(
                                        x_align=layout.AxisAlignment.ALIGN_MAX,
                                        y_align=layout.AxisAlignment.ALIGN_MID,
                                        margins=layout.Margins.uniform(1))),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(1), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT),
        border_width=0, background=None, background_opacity=1.0,
    )
