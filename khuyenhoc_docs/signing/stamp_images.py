"""Stamp images (handwritten signatures, seals) compressed once per process, not once per signature.

pyHanko's ``PdfImage`` writes an image XObject with ``pil_image``: the raw pixels (and the alpha
channel as an ``/SMask``) Flate-compressed for every signature. A seal or a signature image is
the same few hundred kilobytes of pixels each time and compressing them was ~4.5 ms per stream,
two streams per signature. ``StampImage`` builds the streams once with ``pil_image`` itself (into
a scratch writer) and copies the already-encoded streams into each document: the same bytes."""
from __future__ import annotations

import threading
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.images import PdfImage, pil_image
from pyhanko.pdf_utils.writer import BasePdfFileWriter, PdfFileWriter

MAX_IMAGES = 32  # as appearance._image keeps
_streams: dict[int, tuple[Any, generic.StreamObject, generic.StreamObject | None]] = {}
_lock = threading.Lock()


def _encoded(image: Any) -> tuple[generic.StreamObject, generic.StreamObject | None]:
    """(image XObject, its /SMask or None) as ``pil_image`` writes them, encoded. Keyed by the PIL
    image object (kept alive with its streams, so its id is not reused), which ``appearance._image``
    keeps one of per PNG and which is never changed."""
    with _lock:
        known = _streams.get(id(image))
    if known is not None and known[0] is image:
        return known[1], known[2]
    xobject = pil_image(image, PdfFileWriter()).get_object()
    smask = xobject.get("/SMask")
    entry = (image, xobject, smask.get_object() if smask is not None else None)
    with _lock:
        if len(_streams) >= MAX_IMAGES:
            _streams.pop(next(iter(_streams)))
        _streams[id(image)] = entry
    return entry[1], entry[2]


def _copy(stream: generic.StreamObject, **replace: generic.PdfObject) -> generic.StreamObject:
    entries = {k: v for k, v in stream.items() if k not in replace}
    return generic.StreamObject({**entries, **{generic.NameObject(k): v for k, v in replace.items()}},
                                encoded_data=stream.encoded_data)


def add_image(image: Any, writer: BasePdfFileWriter) -> generic.IndirectObject:
    """Write the image XObject (and its /SMask) into ``writer`` from the encoded streams."""
    xobject, smask = _encoded(image)
    if smask is None:
        return writer.add_object(_copy(xobject))
    return writer.add_object(_copy(xobject, **{"/SMask": writer.add_object(_copy(smask))}))


class StampImage(PdfImage):
    """``PdfImage`` whose XObject comes from ``add_image`` (see the module docstring)."""

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        ref = self._image_ref
        if ref is None or ref.get_pdf_handler() is not self.writer:
            self._image_ref = ref = add_image(self.image, self.writer)
        return ref
