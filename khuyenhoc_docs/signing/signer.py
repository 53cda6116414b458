"""PAdES signing of a prepared signature field (incremental update only)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from weakref import WeakKeyDictionary

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields as sig_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext

from . import FieldAlreadySigned, SigningError
from .appearance import AppearanceOptions, StampInfo, signing_moment, style_for
from .keys import SigningKey, check_certificate
from .pki import to_asn1_cert


@dataclass(frozen=True)
class SignOptions:
    md_algorithm: str = "sha256"
    location: str | None = None
    appearance: AppearanceOptions = field(default_factory=AppearanceOptions)
    # The product signs PAdES B-T: a signature without a trusted time is
    # refused. Benchmarks of B-B pass require_timestamp=False.
    require_timestamp: bool = True
    # Refuse a certificate that is expired, lacks signing key usage or is
    # issued to someone other than the stamp's full name.
    check_certificate: bool = True


def _field_state(writer: IncrementalPdfFileWriter, field_name: str) -> tuple[bool, tuple[float, float]]:
    """(already signed?, widget size) of the named signature field."""
    for _name, value, ref in sig_fields.enumerate_sig_fields(writer.prev, with_name=field_name):
        widget = ref.get_object()
        if "/Rect" not in widget and "/Kids" in widget:
            widget = widget["/Kids"][0].get_object()
        x1, y1, x2, y2 = (float(v) for v in widget.get("/Rect", [0, 0, 0, 0]))
        return value is not None, (abs(x2 - x1), abs(y2 - y1))
    raise SigningError(code="signature_field_missing", params={"field_name": field_name},
                       detail=f"no signature field {field_name!r}")


def _has_signatures(writer: IncrementalPdfFileWriter) -> bool:
    return any(True for _ in sig_fields.enumerate_sig_fields(writer.prev, filled_status=True))


def sign_document(
    pdf: bytes,
    *,
    field_name: str,
    signer: Signer | SigningKey,
    cert_chain: Sequence[x509.Certificate | asn1_x509.Certificate],
    timestamper: TimeStamper | None,
    certify: bool,
    stamp: StampInfo,
    reason: str | None,
    options: SignOptions = SignOptions(),
    validation_context: ValidationContext | None = None,
    stamp_style: BaseStampStyle | None = None,
    before_signing: Callable[[IncrementalPdfFileWriter], None] | None = None,
) -> bytes:
    """Sign the existing, empty field ``field_name``; return the new PDF.

    ``certify=True``: certification signature, DocMDP FILL_FORMS (must be the
    first signature); otherwise an approval signature. Always PAdES
    (ETSI.CAdES.detached), B-T when a timestamper is given, B-B otherwise
    (only allowed with ``options.require_timestamp=False``). With a
    ``validation_context`` (see ``ltv.lt_validation_context``) the signature is
    B-LT: the chains and revocation data of signer and TSA go into the DSS.
    The original bytes are kept unchanged; the signature is an incremental update.

    ``stamp_style`` replaces the text stamp (e.g. an image-only appearance);
    ``before_signing`` changes the writer first (e.g. fills text fields), so
    those changes land in the signature's own revision and are covered by it."""
    pyhanko_signer = signer.signer if isinstance(signer, SigningKey) else signer
    if timestamper is None and options.require_timestamp:
        raise SigningError(code="tsa_not_configured",
                           detail="timestamp required (PAdES B-T)")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    if writer.prev.encrypted:
        raise SigningError(code="pdf_encrypted_unsignable", detail="encrypted")

    signed, box = _field_state(writer, field_name)
    if signed:
        raise FieldAlreadySigned(code="field_signed", params={"field_name": field_name}, detail=field_name)
    if certify and _has_signatures(writer):
        raise SigningError(code="certification_must_be_first",
                           detail="certification signature must come first")

    at: datetime = signing_moment(stamp)
    cert = pyhanko_signer.signing_cert
    if options.check_certificate:
        check_certificate(cert, expected_name=stamp.full_name, at=at)
    if before_signing is not None:
        before_signing(writer)
    registry = pyhanko_signer.cert_registry
    registry.register_multiple([to_asn1_cert(c) for c in cert_chain])

    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm=options.md_algorithm,
        reason=reason,
        location=options.location,
        certify=certify,
        docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        embed_validation_info=validation_context is not None,
        validation_context=validation_context,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=pyhanko_signer,
        timestamper=timestamper,
        stamp_style=stamp_style or style_for(stamp, at, box, options.appearance),
    )
    size_key = _size_key(pyhanko_signer, options.md_algorithm)
    reserved = _reserved_sizes(timestamper).get(size_key) if size_key is not None else None
    try:
        out = pdf_signer.sign_pdf(writer, existing_fields_only=True, bytes_reserved=reserved)
    except TimestampRequestError as exc:
        raise SigningError(code="tsa_failed", detail=repr(exc)) from exc
    except PyHankoSigningError as exc:
        raise SigningError(detail=repr(exc)) from exc
    except PdfError as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc
    except RuntimeError as exc:
        # python-pkcs11 errors (token removed, session closed, mechanism...)
        if type(exc).__module__.startswith("pkcs11"):
            raise SigningError(code="token_signing_failed", detail=repr(exc)) from exc
        raise
    signed_pdf = out.getvalue()
    if reserved is None and size_key is not None:
        learnt = _contents_size(signed_pdf, len(pdf))
        if learnt is not None:
            _reserved_sizes(timestamper)[size_key] = learnt
    return signed_pdf


# pyHanko sizes the signature's /Contents by building and encoding a complete dry-run CMS
# (~15-20 ms of every signature). That size depends only on the signer's certificate, the
# certificates the signer embeds, the digest and the timestamper (whose dummy token it caches):
# the size pyHanko chose the first time is kept per timestamper and passed on the next signatures.
_SIZES: WeakKeyDictionary[TimeStamper, dict[tuple[str, ...], int]] = WeakKeyDictionary()
_NO_TSA: dict[tuple[str, ...], int] = {}
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _reserved_sizes(timestamper: TimeStamper | None) -> dict[tuple[str, ...], int]:
    if timestamper is None:
        return _NO_TSA
    return _SIZES.setdefault(timestamper, {})


def _size_key(signer: Signer, md_algorithm: str) -> tuple[str, ...] | None:
    cert = signer.signing_cert
    if cert is None:
        return None
    embedded = sorted(c.sha256.hex() for c in signer.cert_registry)
    return (md_algorithm, cert.sha256.hex(), *embedded)


def _contents_size(signed_pdf: bytes, start: int) -> int | None:
    """The hex digits reserved for the signature just appended after ``start`` (its /ByteRange gap
    less the angle brackets)."""
    found = list(_BYTE_RANGE.finditer(signed_pdf, start))
    if not found:
        return None
    _, first_len, second_start, _ = (int(g) for g in found[-1].groups())
    return second_start - first_len - 2
