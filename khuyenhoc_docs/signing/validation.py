"""Validate every signature of a PDF against configurable trust roots and
summarise the result in Vietnamese (JSON-serialisable report)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from . import InvalidPdf
from .pki import to_asn1_cert


@dataclass(frozen=True)
class SignatureReport:
    """Outcome for one signature (times are timezone-aware UTC)."""

    field_name: str
    kind: str  # "certification" | "approval"
    signer_cn: str | None
    organisation: str | None
    position: str | None
    serial: str | None  # hex
    chain_subjects: tuple[str, ...]  # leaf first
    intact: bool
    valid: bool
    trusted: bool
    signing_time: datetime | None  # claimed by the signer (not proof)
    timestamp_time: datetime | None
    timestamp_valid: bool | None  # None: no signature timestamp
    timestamp_tsa: str | None
    coverage: str | None  # ENTIRE_FILE / ENTIRE_REVISION / ...
    modification_level: str | None  # NONE / LTA_UPDATES / FORM_FILLING / ANNOTATIONS / OTHER
    docmdp_ok: bool | None
    docmdp_permission: str | None  # certification only, e.g. FILL_FORMS
    ok: bool
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # informative, e.g. "validated at the timestamp's time"

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class ValidationReport:
    signatures: tuple[SignatureReport, ...]
    ok: bool
    summary: str
    validated_at: datetime
    trust_roots: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _open(pdf: bytes) -> PdfFileReader:
    if not isinstance(pdf, (bytes, bytearray)) or b"%PDF-" not in pdf[:1024]:
        raise InvalidPdf("Tệp không phải là tài liệu PDF.", detail="no %PDF- header")
    if b"%%EOF" not in pdf[-1024:]:
        # Incremental updates end with %%EOF; without it the file was cut off
        # and the last revision (often the latest signature) is incomplete.
        raise InvalidPdf("Tệp PDF bị cắt cụt (không đầy đủ).", detail="no trailing %%EOF")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise InvalidPdf("Tệp PDF bị hỏng hoặc không đầy đủ.", detail=repr(exc)) from exc
    if reader.encrypted:
        raise InvalidPdf("Tệp PDF đã được mã hoá; không thể kiểm tra chữ ký.", detail="encrypted")
    return reader


def _name_attr(cert: asn1_x509.Certificate, key: str) -> str | None:
    value = cert.subject.native.get(key)
    if isinstance(value, list):  # multi-valued attribute
        value = value[-1] if value else None
    return value


def _kind(emb: EmbeddedPdfSignature) -> tuple[str, str | None]:
    for ref in emb.sig_object.get("/Reference", ()):
        ref = ref.get_object()
        if ref.get("/TransformMethod") == "/DocMDP":
            perm = emb.docmdp_level
            return "certification", perm.name if perm is not None else None
    return "approval", None


_TRUST_PROBLEMS_VI = {
    "NO_CERTIFICATE_CHAIN_FOUND": "Chứng thư số không do tổ chức chứng thực được tin cậy cấp.",
    "EXPIRED": "Chứng thư số đã hết hạn tại thời điểm kiểm tra.",
    "OUT_OF_BOUNDS_NO_POE": "Chứng thư số đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra.",
    "OUT_OF_BOUNDS_NOT_REVOKED": "Chứng thư số đã hết hạn hoặc chưa có hiệu lực tại thời điểm kiểm tra.",
    "NOT_YET_VALID": "Chứng thư số chưa có hiệu lực tại thời điểm kiểm tra.",
    "REVOKED": "Chứng thư số đã bị thu hồi.",
    "REVOKED_NO_POE": "Chứng thư số đã bị thu hồi.",
    "REVOKED_CA_NO_POE": "Chứng thư số của tổ chức chứng thực đã bị thu hồi.",
    "SIG_CONSTRAINTS_FAILURE": "Chứng thư số không được cấp cho mục đích ký số.",
}


def _problems(intact: bool, valid: bool, trust_problem: str | None, ts_valid: bool | None,
              level: str | None, docmdp_ok: bool | None) -> list[str]:
    out = []
    if not intact:
        out.append("Nội dung đã bị thay đổi sau khi ký (chữ ký không còn toàn vẹn).")
    elif not valid:
        out.append("Chữ ký số không hợp lệ về mặt mật mã.")
    if intact and valid and trust_problem is not None:
        out.append(_TRUST_PROBLEMS_VI.get(
            trust_problem, f"Chứng thư số không được tin cậy ({trust_problem})."))
    if ts_valid is False:
        out.append("Dấu thời gian không hợp lệ hoặc không được tin cậy.")
    if intact and (docmdp_ok is False or level == ModificationLevel.OTHER.name):
        out.append(f"Tài liệu bị sửa đổi sau khi ký theo cách không được phép (mức {level}).")
    return out


_EXPIRY_PROBLEMS = {"EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"}


def _report(emb: EmbeddedPdfSignature, vc: ValidationContext,
            roots: list[asn1_x509.Certificate] | None = None) -> SignatureReport:
    kind, perm = _kind(emb)
    try:
        cert = emb.signer_cert
    except Exception:  # malformed CMS
        cert = None
    base: dict[str, Any] = dict(
        field_name=str(emb.field_name), kind=kind, docmdp_permission=perm,
        signer_cn=_name_attr(cert, "common_name") if cert else None,
        organisation=_name_attr(cert, "organization_name") if cert else None,
        position=_name_attr(cert, "title") if cert else None,
        serial=format(cert.serial_number, "x") if cert else None,
    )
    try:
        st = validate_pdf_signature(emb, signer_validation_context=vc)
    except (SignatureValidationError, ValueError, PdfError) as exc:
        chain = (cert.subject.human_friendly,) if cert else ()
        return replace(_broken(base["field_name"], exc), **base, chain_subjects=chain)
    if st.validation_path is not None:
        chain = tuple(c.subject.human_friendly for c in reversed(list(st.validation_path.iter_certs(True))))
    else:
        chain = (st.signing_cert.subject.human_friendly,)
    tsv = st.timestamp_validity
    ts_valid = None if tsv is None else bool(tsv.intact and tsv.valid and tsv.trusted)
    level = st.modification_level.name if st.modification_level is not None else None
    trust_problem = None
    notes: list[str] = []
    if not st.trusted:
        indic = st.trust_problem_indic
        trust_problem = indic.name if indic is not None else "NO_CERTIFICATE_CHAIN_FOUND"  # type: ignore[attr-defined]
        if trust_problem in _EXPIRY_PROBLEMS and ts_valid and tsv is not None and roots is not None:
            # PAdES B-T: the trusted timestamp proves the signature existed while the certificate
            # was valid, so the chain is judged at that moment (archives outlive certificates).
            at_ts = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail",
                                      moment=tsv.timestamp)
            st_ts = validate_pdf_signature(emb, signer_validation_context=at_ts)
            if st_ts.trusted and st_ts.intact and st_ts.valid:
                st, trust_problem = st_ts, None
                notes.append("Chứng thư số đã hết hạn sau khi ký; chữ ký được xác nhận tại thời điểm dấu thời gian "
                             f"{tsv.timestamp.astimezone(UTC):%d/%m/%Y %H:%M} UTC.")
    problems = _problems(st.intact, st.valid, trust_problem, ts_valid, level, st.docmdp_ok)
    ok = bool(st.bottom_line and st.trusted and not problems)
    return SignatureReport(
        **base, chain_subjects=chain, intact=st.intact, valid=st.valid, trusted=st.trusted,
        signing_time=st.signer_reported_dt,
        timestamp_time=tsv.timestamp if tsv is not None else None,
        timestamp_valid=ts_valid,
        timestamp_tsa=tsv.signing_cert.subject.human_friendly if tsv is not None else None,
        coverage=st.coverage.name if st.coverage is not None else None,
        modification_level=level, docmdp_ok=st.docmdp_ok, ok=ok, problems=tuple(problems), notes=tuple(notes),
    )


def _broken(field_name: str, exc: Exception) -> SignatureReport:
    return SignatureReport(
        field_name=field_name, kind="approval", signer_cn=None, organisation=None,
        position=None, serial=None, chain_subjects=(), intact=False, valid=False,
        trusted=False, signing_time=None, timestamp_time=None, timestamp_valid=None,
        timestamp_tsa=None, coverage=None, modification_level=None, docmdp_ok=None,
        docmdp_permission=None, ok=False,
        problems=(f"Không đọc được chữ ký: dữ liệu chữ ký bị hỏng ({type(exc).__name__}).",),
    )


def _collect(reader: PdfFileReader, vc: ValidationContext,
             roots: list[asn1_x509.Certificate] | None = None) -> list[SignatureReport]:
    """Reports in signing order. A signature whose CMS blob cannot even be
    parsed is reported as broken instead of failing the whole document."""
    good: list[tuple[int, SignatureReport]] = []
    broken: list[SignatureReport] = []
    try:
        filled = list(enumerate_sig_fields(reader, filled_status=True))
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise InvalidPdf("Tệp PDF bị hỏng hoặc không đầy đủ.", detail=repr(exc)) from exc
    for name, sig_obj, field_ref in filled:
        try:
            if sig_obj.get_object().get("/Type", "/Sig") != "/Sig":
                continue  # document timestamps (B-LTA) are not signatures of a person
            emb = EmbeddedPdfSignature(reader, field_ref, name)
            good.append((emb.signed_revision, _report(emb, vc, roots)))
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
            broken.append(_broken(str(name), exc))
    return [r for _, r in sorted(good, key=lambda item: item[0])] + broken


def _summary(sigs: Sequence[SignatureReport]) -> str:
    if not sigs:
        return "Tài liệu không có chữ ký số."
    bad = [s for s in sigs if not s.ok]
    if not bad:
        return (f"Tài liệu có {len(sigs)} chữ ký số, tất cả đều hợp lệ, "
                "toàn vẹn và được tin cậy.")
    parts = [f"{s.signer_cn or s.field_name}: {' '.join(s.problems) or 'không hợp lệ.'}" for s in bad]
    return f"{len(bad)}/{len(sigs)} chữ ký số không hợp lệ. " + " ".join(parts)


def validate_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate | asn1_x509.Certificate],
    at: datetime | None = None,
) -> ValidationReport:
    """Validate all ``/Sig`` signatures. Only ``trust_roots`` are trusted
    (never the OS list); no network fetching; revocation soft-fail (the demo
    PKI publishes no CRL/OCSP). ``at`` is the validation time (default now).
    Raises ``InvalidPdf`` for non-PDF, encrypted or truncated input."""
    reader = _open(pdf)
    roots = [to_asn1_cert(c) for c in trust_roots]
    moment = at or datetime.now(UTC)
    vc = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail", moment=moment
    )
    sigs = tuple(_collect(reader, vc, roots))
    ok = bool(sigs) and all(s.ok for s in sigs)
    return ValidationReport(
        signatures=sigs, ok=ok, summary=_summary(sigs), validated_at=moment,
        trust_roots=tuple(r.subject.human_friendly for r in roots),
    )
