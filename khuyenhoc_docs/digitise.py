"""Scans of paper originals → one PDF/A-2b with a Vietnamese OCR text layer (ocrmypdf + tesseract).

Debian's ``ocrmypdf``, ``tesseract-ocr`` and ``tesseract-ocr-vie`` do the work in a subprocess with a
time limit; images are first joined into one PDF with Pillow. The PDF text of a born-digital PDF is
read with pdfplumber; OCR only runs where a page has no text.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ServiceUnavailable, ValidationFailed

MAX_PAGES = 200
MAX_PIXELS = 60_000_000  # per image: a 600 dpi A3 page is about 70 Mpx; refuse decompression bombs
IMAGE_TYPES = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpeg", b"II*\x00": "tiff", b"MM\x00*": "tiff"}


@dataclass(frozen=True)
class Digitised:
    """The archival PDF/A and its text (what full-text search indexes)."""

    pdf: bytes
    text: str
    pages: int


def pdf_text(pdf: bytes) -> str:
    """The text layer of a PDF (empty when it has none)."""
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            return "\n".join((page.extract_text() or "") for page in doc.pages[:MAX_PAGES]).strip()
    except Exception:  # noqa: BLE001 - an unreadable text layer is no text, not an error
        return ""


def kind_of(data: bytes) -> str | None:
    """"pdf", "png", "jpeg", "tiff" or None."""
    if data[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


def images_to_pdf(images: list[bytes]) -> bytes:
    """Join scanned pages (PNG/JPEG/TIFF, every frame) into one PDF at their own resolution."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    pages = []
    try:
        for data in images:
            img = Image.open(io.BytesIO(data))
            for frame in range(getattr(img, "n_frames", 1)):
                img.seek(frame)
                pages.append((img.convert("L") if img.mode not in ("L", "1", "RGB") else img.copy(),
                              img.info.get("dpi", (300, 300))[0] or 300))
                if len(pages) > MAX_PAGES:
                    raise ValidationFailed(code="scan_too_many_pages", params={"max_pages": MAX_PAGES})
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(code="scan_image_unreadable") from exc
    if not pages:
        raise ValidationFailed(code="scan_no_pages")
    out = io.BytesIO()
    first, dpi = pages[0]
    first.save(out, "PDF", resolution=float(dpi), save_all=True, append_images=[p for p, _ in pages[1:]])
    return out.getvalue()


def to_pdfa(pdf: bytes, *, language: str = "vie", timeout: float = 300) -> Digitised:
    """OCR the pages that have no text and write PDF/A-2b; the text comes from ocrmypdf's sidecar."""
    exe = shutil.which("ocrmypdf")
    if exe is None:
        raise ServiceUnavailable(code="ocr_unavailable")
    with tempfile.TemporaryDirectory(prefix="khd-ocr-") as tmp:
        src, dst, side = Path(tmp, "in.pdf"), Path(tmp, "out.pdf"), Path(tmp, "text.txt")
        src.write_bytes(pdf)
        cmd = [exe, "-l", language, "--output-type", "pdfa-2", "--skip-text", "--optimize", "0", "--jobs", "1",
               "--sidecar", str(side), "--quiet", str(src), str(dst)]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ServiceUnavailable(code="ocr_timeout") from exc
        if done.returncode != 0 or not dst.exists():
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ValidationFailed(code="pdfa_failed", params={"detail": detail[0][:300]})
        out = dst.read_bytes()
        ocr_text = side.read_text("utf-8", "replace") if side.exists() else ""
    # The sidecar only holds what OCR read; pages that already had text keep theirs.
    text = pdf_text(out) or ocr_text
    return Digitised(pdf=out, text=text.strip(), pages=page_count(out))


def digitise(files: list[bytes]) -> Digitised:
    """One PDF, or one or more page images, → PDF/A with a text layer."""
    kinds = [kind_of(f) for f in files]
    if not files or None in kinds:
        raise ValidationFailed(code="scan_type")
    if "pdf" in kinds and len(files) > 1:
        raise ValidationFailed(code="scan_mixed_files")
    return to_pdfa(files[0] if kinds == ["pdf"] else images_to_pdf(files))


def page_count(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def pdfa_part(pdf: bytes) -> str | None:
    """The PDF/A part the XMP metadata claims ("2" for PDF/A-2b), or None."""
    import re

    from pyhanko.pdf_utils.reader import PdfFileReader

    root = PdfFileReader(io.BytesIO(pdf), strict=False).root
    if "/Metadata" not in root:
        return None
    xmp = root["/Metadata"].get_object().data.decode("utf-8", "replace")
    match = re.search(r"pdfaid:part(?:=\"|>)\s*(\d)", xmp)
    return match.group(1) if match else None
