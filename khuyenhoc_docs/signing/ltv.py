"""Long-term validation material over any pyHanko signer: B-LT (DSS with chains and
revocation data) and B-LTA (document timestamps, refreshed before their TSA expires).

``sign_document(..., validation_context=lt_validation_context(roots))`` signs B-LT directly;
``make_lt`` upgrades a PDF whose signatures were made elsewhere (e.g. a remote CSC signer) the
same way. ``add_document_timestamp`` and ``refresh_archive_timestamp`` are the B-LTA steps."""
from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps import TimeStamper, TimestampRequestError
from pyhanko.sign.validation import add_validation_info
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import ValidationContext

from . import SigningError
from .pki import to_asn1_cert, to_crypto_cert
from .sessions import fetcher_backend

DOC_TS_FIELD = "LTA_timestamp"


def lt_validation_context(trust_roots: Sequence[x509.Certificate | asn1_x509.Certificate],
                          other_certs: Sequence[x509.Certificate | asn1_x509.Certificate] = ()
                          ) -> ValidationContext:
    """Context that fetches OCSP/CRL from the certificates' AIA/CRL-DP to embed them.

    Soft-fail: a responder that is down leaves a B-T-with-DSS signature (the validator then
    warns) rather than blocking a signing ceremony; a *revoked* certificate still fails."""
    return ValidationContext(trust_roots=[to_asn1_cert(c) for c in trust_roots],
                             other_certs=[to_asn1_cert(c) for c in other_certs],
                             allow_fetching=True, revocation_mode="soft-fail",
                             fetcher_backend=fetcher_backend())


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError) as exc:
        raise SigningError(code="pdf_invalid", detail=repr(exc)) from exc


def make_lt(pdf: bytes, vc: ValidationContext) -> bytes:
    """Add validation data (DSS) for the newest signature of ``pdf`` (any signer made it)."""
    reader = _reader(pdf)
    sigs = reader.embedded_regular_signatures
    if not sigs:
        raise SigningError(code="ltv_unsigned", detail="no signature to extend")
    out = io.BytesIO()
    try:
        add_validation_info(sigs[-1], vc, output=out)
    except (PyHankoSigningError, PdfError, ValueError) as exc:
        raise SigningError(code="ltv_failed", detail=repr(exc)) from exc
    return out.getvalue()


def add_document_timestamp(pdf: bytes, timestamper: TimeStamper, vc: ValidationContext) -> bytes:
    """B-LTA: DSS for the latest timestamp's TSA, then a document timestamp over everything.

    The first document timestamp of a record; later ones go through ``refresh_archive_timestamp``."""
    # One parse of the signatures (their hex /Contents are costly to read) for both questions.
    stamps = _doc_timestamp_count(pdf)
    if stamps:
        return refresh_archive_timestamp(pdf, timestamper, vc)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    try:
        out = signers.PdfTimeStamper(timestamper, field_name=_field_name(stamps)).timestamp_pdf(
            writer, "sha256", validation_context=vc)
    except TimestampRequestError as exc:
        raise SigningError(code="tsa_failed", detail=repr(exc)) from exc
    except (PyHankoSigningError, PdfError) as exc:
        raise SigningError(code="lta_failed", detail=repr(exc)) from exc
    return out.getvalue()


def refresh_archive_timestamp(pdf: bytes, timestamper: TimeStamper, vc: ValidationContext) -> bytes:
    """Validate the newest document timestamp, store its validation data, add a new one."""
    reader = _reader(pdf)
    out = io.BytesIO()
    try:
        signers.PdfTimeStamper(timestamper, field_name=_next_field(pdf)).update_archival_timestamp_chain(
            reader, vc, in_place=False, output=out)
    except TimestampRequestError as exc:
        raise SigningError(code="tsa_failed", detail=repr(exc)) from exc
    except (PyHankoSigningError, PdfError) as exc:
        raise SigningError(code="lta_renew_failed", detail=repr(exc)) from exc
    return out.getvalue()


def _doc_timestamp_count(pdf: bytes) -> int:
    return sum(1 for e in embedded_signatures(_reader(pdf)) if is_doc_timestamp(e))


def _field_name(count: int) -> str:
    """Unique name for one more document timestamp field, after ``count`` of them."""
    return DOC_TS_FIELD if count == 0 else f"{DOC_TS_FIELD}_{count + 1}"


def _next_field(pdf: bytes) -> str:
    """Unique name for one more document timestamp field."""
    return _field_name(_doc_timestamp_count(pdf))


@dataclass(frozen=True)
class TimestampInfo:
    """One timestamp protecting the record: when, by which TSA, until when that TSA is valid."""

    kind: str  # "signature" | "document"
    time: datetime
    tsa: str
    tsa_not_after: datetime


def timestamp_info(kind: str, signed_data) -> TimestampInfo:
    tst_info = signed_data["encap_content_info"]["content"].parsed
    certs = [c.chosen for c in signed_data["certificates"]]
    sid = signed_data["signer_infos"][0]["sid"].chosen
    tsa = next((c for c in certs if c.issuer == sid["issuer"] and c.serial_number == sid["serial_number"].native),
               certs[0])
    return TimestampInfo(kind=kind, time=tst_info["gen_time"].native, tsa=tsa.subject.human_friendly,
                         tsa_not_after=tsa["tbs_certificate"]["validity"]["not_after"].native)


def embedded_signatures(reader: PdfFileReader) -> list[EmbeddedPdfSignature]:
    """Every filled signature field, skipping ones too damaged to parse (validation reports those)."""
    out = []
    for name, _value, ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            out.append(EmbeddedPdfSignature(reader, ref, name))
        except (PdfError, ValueError, KeyError, TypeError, IndexError):
            continue
    return sorted(out, key=lambda e: e.signed_revision)


def signer_pairs(embs: Sequence[EmbeddedPdfSignature], roots: Sequence[asn1_x509.Certificate]
                 ) -> list[tuple[x509.Certificate, x509.Certificate]]:
    """(signer, issuer) of each signature, the issuer as its CMS or the roots name it: what a
    validation asks the responders about (``revocation.OnlineAnswers``)."""
    pairs = []
    for emb in embs:
        if is_doc_timestamp(emb):
            continue
        try:
            cert = emb.signer_cert
            known = [*roots, *(c.chosen for c in emb.signed_data["certificates"])]
            issuer = next((c for c in known if c.subject.dump() == cert.issuer.dump()), None)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if issuer is not None:
            pairs.append((to_crypto_cert(cert), to_crypto_cert(issuer)))
    return pairs


def is_doc_timestamp(emb: EmbeddedPdfSignature) -> bool:
    return emb.sig_object.get("/Type") == "/DocTimeStamp"


def timestamp_chain(pdf: bytes) -> list[TimestampInfo]:
    """Signature timestamps and document timestamps in the file, oldest first."""
    reader = _reader(pdf)
    out: list[TimestampInfo] = []
    for emb in embedded_signatures(reader):
        try:
            if is_doc_timestamp(emb):
                out.append(timestamp_info("document", emb.signed_data))
            else:
                for tst in extract_tst_data_iter(emb.signer_info, signed=False):
                    out.append(timestamp_info("signature", tst))
        except (KeyError, ValueError, IndexError, TypeError):
            continue  # a damaged token protects nothing; validation reports it
    return sorted(out, key=lambda t: t.time)
