"""Visible signature stamp that renders Vietnamese correctly.

pyHanko's default stamp font (Courier, not embedded) garbles Vietnamese, so the stamp embeds the
glyphs it uses from Liberation Serif, shaped with HarfBuzz (``stamp_font.py``: no fontTools in the
worker, widths scaled to the PDF's 1000 units per em).

The stamp text ("Ký ngày: …") is printed into the PDF: document content, not a UI message.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import struct
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStampStyle

from . import SigningError
from .stamp_font import StampFontFactory, load_font
from .stamp_images import StampImage

_TOO_WIDE = re.compile(r"Content box width/height ([0-9.e+-]+) is too wide for container size ([0-9.e+-]+)")


class _RoundingNoise(logging.Filter):
    """Drops pyHanko's "content box too wide" warning when the excess is float rounding: an image
    shrunk to fit a 102 pt field measures 102.00000000000001 pt, once per seal and signature."""

    def filter(self, record: logging.LogRecord) -> bool:
        found = _TOO_WIDE.match(record.getMessage())
        return found is None or float(found.group(1)) - float(found.group(2)) > 1e-6


logging.getLogger("pyhanko.pdf_utils.layout").addFilter(_RoundingNoise())

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LIBERATION_SERIF = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


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
    # Natural font size is picked from the box height within these bounds
    # (pyHanko writes "Tf" with %d, so sizes are whole points); the text is
    # then shrunk to fit the width if needed.
    min_font_size: int = 7
    max_font_size: int = 12
    text_color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    border_width: int = 1
    border_color: tuple[float, float, float] = (0.75, 0.1, 0.1)
    image_share: float = 0.38  # width fraction for the handwritten signature


def font_factory(path: Path, size: int) -> StampFontFactory:
    """The stamp's font engine factory for the TrueType font at ``path``, ``size`` points."""
    return StampFontFactory(str(path), font_size=size, bcp47_lang_code="vi")


def stamp_font_path(options: AppearanceOptions = AppearanceOptions()) -> Path:
    """The TrueType font the stamp embeds (its used glyphs), read once per process."""
    try:
        load_font(options.font_path)
    except (OSError, ValueError, struct.error) as exc:
        raise SigningError(code="stamp_font_failed", detail=repr(exc)) from exc
    return Path(options.font_path)


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
    # must equal the text box's size: pyHanko positions lines with the
    # factory size and draws with the style size
    font = font_factory(stamp_font_path(options), size)
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
            background = StampImage(_image(info.signature_image))
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
        background = StampImage(_image(png))
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
