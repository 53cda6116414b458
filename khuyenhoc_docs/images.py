"""Signature and seal images (Decree 30, Appendix I): demo images drawn in code, checks of uploads.

Demo seals say "MẪU" (specimen) in the centre so nobody mistakes them for real seals.
"""
from __future__ import annotations

import io
import math
import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from .errors import ValidationFailed

FONT_DIR = "/usr/share/fonts/truetype/liberation2"
SEAL_RED = (204, 0, 0, 255)
INK_BLUE = (16, 42, 190, 255)
MAX_IMAGE_BYTES = 512 * 1024
MIN_SIDE, MAX_SIDE = 20, 2000


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(f"{FONT_DIR}/{name}", size)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


@lru_cache(maxsize=64)
def demo_signature_png(full_name: str) -> bytes:
    """A blue "handwritten" signature: the given name in italic with a flourish, transparent."""
    given = unicodedata.normalize("NFC", full_name).split()[-1] if full_name.split() else "Ký"
    img = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    font = _font("LiberationSerif-BoldItalic.ttf", 120)
    box = draw.textbbox((0, 0), given, font=font)
    x = (600 - (box[2] - box[0])) // 2 - box[0]
    draw.text((x, 20 - box[1] + 20), given, font=font, fill=INK_BLUE)
    # the flourish under the name
    points = [(60 + i * 8, 180 - 25 * math.sin(i / 9)) for i in range(62)]
    draw.line(points, fill=INK_BLUE, width=7, joint="curve")
    return _png(img)


def _ring_text(img: Image.Image, text: str, centre: float, radius: float, font: ImageFont.FreeTypeFont,
               *, start: float, end: float) -> None:
    """Characters upright on a circle, clockwise from angle ``start`` to ``end`` (degrees, 0 = top)."""
    chars = list(text)
    step = (end - start) / max(1, len(chars) - 1)
    for i, ch in enumerate(chars):
        angle = start + i * step
        tile = Image.new("RGBA", (90, 90), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((45, 45), ch, font=font, fill=SEAL_RED, anchor="mm")
        tile = tile.rotate(-angle, resample=Image.Resampling.BICUBIC)
        rad = math.radians(angle)
        cx, cy = centre + radius * math.sin(rad), centre - radius * math.cos(rad)
        img.alpha_composite(tile, (int(cx - 45), int(cy - 45)))


@lru_cache(maxsize=64)
def demo_seal_png(org_name: str, size: int = 600) -> bytes:
    """A round red seal: the organisation's name on the ring, a star, "MẪU" in the centre."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = size / 2
    draw.ellipse((6, 6, size - 6, size - 6), outline=SEAL_RED, width=14)
    draw.ellipse((size * 0.2, size * 0.2, size * 0.8, size * 0.8), outline=SEAL_RED, width=6)
    name = unicodedata.normalize("NFC", org_name).upper()
    font = _font("LiberationSans-Bold.ttf", max(22, min(44, int(1500 / max(1, len(name))))))
    span = min(300.0, 11.0 * len(name))
    _ring_text(img, name, c, size * 0.4, font, start=-span / 2, end=span / 2)
    star = [(c + (s * math.sin(math.radians(a))), c * 1.55 - (s * math.cos(math.radians(a))))
            for i, a in enumerate(range(0, 720, 72)) for s in [(34 if i % 2 == 0 else 34)]]
    draw.polygon([star[i] for i in (0, 2, 4, 1, 3)], fill=SEAL_RED)
    draw.text((c, c * 0.95), "MẪU", font=_font("LiberationSans-Bold.ttf", int(size * 0.16)), fill=SEAL_RED,
              anchor="mm")
    return _png(img)


def check_png(data: bytes, what: str = "Ảnh chữ ký") -> bytes:
    """Accept a PNG with real transparency within size limits; anything else is refused in Vietnamese."""
    if not data:
        raise ValidationFailed(code="png_missing", params={"what": what})
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed(code="png_too_large", params={"what": what, "max_kb": MAX_IMAGE_BYTES // 1024})
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationFailed(code="png_wrong_type", params={"what": what})
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with Image.open(io.BytesIO(data)) as img:
            if max(img.size) > MAX_SIDE or min(img.size) < MIN_SIDE:
                raise ValidationFailed(code="png_size", params={"what": what, "min_side": MIN_SIDE, "max_side": MAX_SIDE})
            rgba = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(code="png_invalid", params={"what_lower": what.lower()}) from exc
    alpha_min, _ = rgba.getchannel("A").getextrema()
    if alpha_min == 255:
        raise ValidationFailed(code="png_not_transparent", params={"what": what})
    return data


def signature_png(user) -> bytes:
    """A chair's handwritten-signature image: uploaded, else one drawn from their name (demo)."""
    return user.signature_image or demo_signature_png(user.full_name)


def seal_png(org) -> bytes:
    """An organisation's seal image: uploaded, else the demo seal marked "MẪU"."""
    return org.seal_image or demo_seal_png(org.name)
