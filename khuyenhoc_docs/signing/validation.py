"""Validate every signature of a PDF against configurable trust roots and
summarise the result in Vietnamese (JSON-serialisable report).

The report's Vietnamese (problems, warnings, the summary; mostly in ``report_vi``) is the
report itself: stored with each version, shown on the record page and printed in the evidence
export, so it is domain content, not UI error wording (``web/messages/``). Refusals to read the
input (``InvalidPdf``) carry codes."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from pyhanko.sign.validation import EmbeddedPdfSignature, validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.generic_cms import collect_timing_info
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from . import InvalidPdf
from .active_content import DAMAGED, active_content
from .diff_reuse import ReusingDiffPolicy
from .ltv import embedded_signatures, is_doc_timestamp, signer_pairs, timestamp_info
from .pki import to_asn1_cert, to_crypto_cert
from .report_vi import (
    REASONS_VI,
    REVOCATION_WARNING,
    VN_TZ,
    key_usage_vi,
    problems_vi,
    signer_kind_vi,
    summary_vi,
)
from .revocation import NOT_PUBLISHED, REVOKED, UNAVAILABLE, UNKNOWN, OnlineAnswers, RevocationStatus, check_revocation


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
    warnings: tuple[str, ...] = ()  # valid, but something could not be checked (e.g. revocation)
    trust_root: str | None = None  # the configured root the chain ends at
    cert_valid_at_signing: bool | None = None  # judged at the timestamp's time (None: no timestamp)
    revocation: dict[str, Any] | None = None  # RevocationStatus.to_dict()
    key_usage: tuple[str, ...] = ()  # Vietnamese labels
    level: str | None = None  # PAdES baseline level: B-B, B-T, B-LT, B-LTA
    # Decree 30 Art. 5.1: "chữ ký của người có thẩm quyền" or "chữ ký số của cơ quan, tổ chức"
    signer_kind_vi: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class ValidationReport:
    signatures: tuple[SignatureReport, ...]
    ok: bool
    summary: str
    validated_at: datetime
    trust_roots: tuple[str, ...] = field(default=())
    warnings: tuple[str, ...] = ()
    document_timestamps: tuple[dict[str, Any], ...] = ()  # B-LTA chain, oldest first
    #: JavaScript, launch actions, embedded or attached files found in the PDF (named, Vietnamese)
    active_content: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return [_jsonable(v) for v in value] if isinstance(value, (list, tuple)) else value


def _open(pdf: bytes) -> PdfFileReader:
    if not isinstance(pdf, (bytes, bytearray)) or b"%PDF-" not in pdf[:1024]:
        raise InvalidPdf(code="pdf_not_pdf", detail="no %PDF- header")
    if b"%%EOF" not in pdf[-1024:]:
        # Incremental updates end with %%EOF; without it the file was cut off
        # and the last revision (often the latest signature) is incomplete.
        raise InvalidPdf(code="pdf_truncated", detail="no trailing %%EOF")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    except DAMAGED as exc:
        raise InvalidPdf(code="pdf_damaged", detail=repr(exc)) from exc
    if reader.encrypted:
        raise InvalidPdf(code="pdf_encrypted", detail="encrypted")
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


@dataclass
class _Context:
    """What every signature of one document is judged with."""

    roots: list[asn1_x509.Certificate]
    at: datetime
    online: bool
    ocsps: list[bytes]
    crls: list[bytes]
    doc_stamps: list[tuple[int, datetime, datetime, bool]]  # (revision, time, TSA not_after, trusted then)
    warnings: list[str] = field(default_factory=list)
    answers: OnlineAnswers | None = None
    diff_policy: ReusingDiffPolicy | None = None  # pyHanko's, reusing an earlier validation's analysis

    def vc(self, moment: datetime) -> ValidationContext:
        # No fetching inside pyHanko: revocation is judged by .revocation, which says where
        # its answer came from; chains and validity periods are judged here.
        return ValidationContext(trust_roots=self.roots, allow_fetching=False, revocation_mode="soft-fail",
                                 moment=moment)


def _vn(dt: datetime) -> str:
    return f"{dt.astimezone(VN_TZ):%d/%m/%Y %H:%M} (giờ Việt Nam)"


def _evidence_until(ts_time: datetime, ts_not_after: datetime, revision: int, ctx: _Context) -> datetime:
    """How long the proof of existence at ``ts_time`` lasts: the signature timestamp's TSA
    validity, extended by each document timestamp made (and trusted) before the previous expired."""
    until = ts_not_after
    for rev, t, not_after, trusted in ctx.doc_stamps:
        if rev > revision and trusted and ts_time <= t <= until:
            until = max(until, not_after)
    return until


def _revocation(st: Any, ctx: _Context) -> RevocationStatus | None:
    path = st.validation_path
    if path is None:
        return None
    certs = list(path.iter_certs(True))  # root ... leaf
    if len(certs) < 2:
        return None
    leaf, issuer = to_crypto_cert(certs[-1]), to_crypto_cert(certs[-2])
    return check_revocation(leaf, issuer, embedded_ocsps=ctx.ocsps, embedded_crls=ctx.crls, online=ctx.online,
                            answers=ctx.answers)


def _timestamp_validity(emb: EmbeddedPdfSignature, vc: ValidationContext) -> TimestampSignatureStatus | None:
    """The signature timestamp's status as pyHanko's validation of the signature computes it."""
    async def run() -> TimestampSignatureStatus | None:
        try:
            status = await collect_timing_info(emb.signer_info, vc, raw_digest=emb.compute_digest)
        finally:
            await vc.aclose()
        return status.get("timestamp_validity")
    return asyncio.run(run())


def _report(emb: EmbeddedPdfSignature, ctx: _Context) -> SignatureReport:
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
        key_usage=key_usage_vi(cert) if cert else (),
    )
    kind_vi = signer_kind_vi(_name_attr(cert, "common_name") if cert else None,
                             _name_attr(cert, "organization_name") if cert else None,
                             _name_attr(cert, "title") if cert else None)
    try:
        # First only the moment: the signature timestamp token alone, validated now (what pyHanko's
        # own timing step of a full validation does); the signer's CMS, chain and the difference
        # analysis are judged once, by the full validation below at that moment.
        tsv = _timestamp_validity(emb, ctx.vc(ctx.at))
        signing_time = tsv.timestamp if tsv is not None and tsv.intact and tsv.valid else None
        # Judge certificate and timestamp at the moment the timestamp proves (archives outlive certs).
        st = validate_pdf_signature(emb, ctx.vc(signing_time or ctx.at), diff_policy=ctx.diff_policy)
    except DAMAGED as exc:
        chain = (cert.subject.human_friendly,) if cert else ()
        return replace(_broken(base["field_name"], exc), **base, chain_subjects=chain,
                       signer_kind_vi=kind_vi)
    tsv = st.timestamp_validity
    notes: list[str] = []
    warnings: list[str] = []
    problems: list[str] = []
    ts_valid = None if tsv is None else bool(tsv.intact and tsv.valid and tsv.trusted)
    level = st.modification_level.name if st.modification_level is not None else None
    chain = tuple(c.subject.human_friendly for c in reversed(list(st.validation_path.iter_certs(True)))) \
        if st.validation_path is not None else (st.signing_cert.subject.human_friendly,)
    trust_problem = None
    if not st.trusted:
        indic = st.trust_problem_indic
        # AdESSubIndic is typed as a protocol; its values are enum members
        trust_problem = indic.name if indic is not None else "NO_CERTIFICATE_CHAIN_FOUND"  # type: ignore[attr-defined]
    problems += problems_vi(st.intact, st.valid, trust_problem, ts_valid, level, st.docmdp_ok)
    if signing_time is not None and ts_valid:
        if signing_time > ctx.at:
            problems.append(f"Chữ ký được tạo lúc {_vn(signing_time)}, sau thời điểm kiểm tra.")
        else:
            assert tsv is not None  # ts_valid is only set from a timestamp
            tsa_until = tsv.signing_cert.not_valid_after
            until = _evidence_until(signing_time, tsa_until, emb.signed_revision, ctx)
            if until < ctx.at:
                problems.append("Dấu thời gian đã hết hiệu lực tại thời điểm kiểm tra và không có dấu thời gian "
                                "lưu trữ (B-LTA) nào kéo dài nó.")
            elif tsa_until < ctx.at:
                notes.append("Chứng thư của máy chủ dấu thời gian đã hết hạn; chữ ký vẫn được bảo đảm bởi chuỗi "
                             f"dấu thời gian lưu trữ (B-LTA) còn hiệu lực đến {_vn(until)}.")
        if st.trusted and cert is not None and cert.not_valid_after < ctx.at:
            notes.append("Chứng thư số đã hết hạn sau khi ký; chữ ký được xác nhận tại thời điểm dấu thời gian "
                         f"{_vn(signing_time)}.")
    elif tsv is None:
        notes.append("Chữ ký không có dấu thời gian (PAdES B-B): thời điểm ký chỉ do người ký tự khai.")
    rev = _revocation(st, ctx) if st.trusted else None
    if rev is not None:
        when = signing_time or ctx.at
        if rev.state == REVOKED and rev.revoked_at is not None and rev.revoked_at <= when:
            problems.append(f"Chứng thư số đã bị thu hồi từ {_vn(rev.revoked_at)}, trước thời điểm ký "
                            f"(lý do: {REASONS_VI.get(rev.reason or '', rev.reason or 'không nêu')}).")
        elif rev.state == REVOKED and rev.revoked_at is not None:
            notes.append(f"Chứng thư số bị thu hồi lúc {_vn(rev.revoked_at)}, sau thời điểm ký; chữ ký vẫn hợp lệ "
                         "vì dấu thời gian chứng minh chữ ký có trước.")
        elif rev.state in (UNAVAILABLE, NOT_PUBLISHED, UNKNOWN):
            warnings.append(REVOCATION_WARNING + (" (chứng thư không công bố CRL/OCSP)." if rev.state == NOT_PUBLISHED
                                                  else "."))
    ok = bool(st.bottom_line and st.trusted and not problems)
    lt = rev is not None and rev.embedded or _has_embedded(ctx)
    return SignatureReport(
        **base, chain_subjects=chain, intact=st.intact, valid=st.valid, trusted=st.trusted,
        signing_time=st.signer_reported_dt,
        timestamp_time=tsv.timestamp if tsv is not None else None,
        timestamp_valid=ts_valid,
        timestamp_tsa=tsv.signing_cert.subject.human_friendly if tsv is not None else None,
        coverage=st.coverage.name if st.coverage is not None else None,
        modification_level=level, docmdp_ok=st.docmdp_ok, ok=ok, problems=tuple(problems), notes=tuple(notes),
        warnings=tuple(warnings), trust_root=chain[-1] if st.trusted and chain else None,
        cert_valid_at_signing=bool(st.trusted) if signing_time is not None else None,
        revocation=rev.to_dict() if rev is not None else None,
        level=_level(tsv is not None, lt, any(r > emb.signed_revision for r, *_ in ctx.doc_stamps)),
        signer_kind_vi=kind_vi,
    )


def _has_embedded(ctx: _Context) -> bool:
    return bool(ctx.ocsps or ctx.crls)


def _level(has_ts: bool, lt: bool, lta: bool) -> str:
    if not has_ts:
        return "B-B"
    return "B-LTA" if lt and lta else "B-LT" if lt else "B-T"


def _broken(field_name: str, exc: Exception) -> SignatureReport:
    return SignatureReport(
        field_name=field_name, kind="approval", signer_cn=None, organisation=None,
        position=None, serial=None, chain_subjects=(), intact=False, valid=False,
        trusted=False, signing_time=None, timestamp_time=None, timestamp_valid=None,
        timestamp_tsa=None, coverage=None, modification_level=None, docmdp_ok=None,
        docmdp_permission=None, ok=False,
        problems=(f"Không đọc được chữ ký: dữ liệu chữ ký bị hỏng ({type(exc).__name__}).",),
    )


def _dss(reader: PdfFileReader) -> tuple[list[bytes], list[bytes]]:
    """OCSP responses and CRLs stored in the document (B-LT)."""
    try:
        dss = reader.root["/DSS"]
    except KeyError:
        return [], []
    def streams(key: str) -> list[bytes]:
        try:
            return [ref.get_object().data for ref in dss.get(key, ())]
        except (PdfError, ValueError, KeyError, TypeError):
            return []
    return streams("/OCSPs"), streams("/CRLs")


def _doc_stamps(embs: list[EmbeddedPdfSignature], ctx: _Context) -> list[dict[str, Any]]:
    """Document timestamps, each validated at its own time (it then vouches for what it covers)."""
    out = []
    for emb in embs:
        if not is_doc_timestamp(emb):
            continue
        try:
            info = timestamp_info("document", emb.signed_data)
            st = validate_pdf_timestamp(emb, validation_context=ctx.vc(info.time), diff_policy=ctx.diff_policy)
            trusted = bool(st.intact and st.valid and st.trusted)
        except DAMAGED:
            continue
        ctx.doc_stamps.append((emb.signed_revision, info.time, info.tsa_not_after, trusted))
        out.append({"field_name": str(emb.field_name), "time": info.time.isoformat(), "tsa": info.tsa,
                    "tsa_not_after": info.tsa_not_after.isoformat(), "trusted": trusted})
    return out


def _collect(reader: PdfFileReader, ctx: _Context) -> list[SignatureReport]:
    """Reports in signing order. A signature whose CMS blob cannot even be
    parsed is reported as broken instead of failing the whole document."""
    good: list[tuple[int, SignatureReport]] = []
    broken: list[SignatureReport] = []
    try:
        filled = list(enumerate_sig_fields(reader, filled_status=True))
    except DAMAGED as exc:
        raise InvalidPdf(code="pdf_damaged", detail=repr(exc)) from exc
    for name, sig_obj, field_ref in filled:
        try:
            if sig_obj.get_object().get("/Type", "/Sig") != "/Sig":
                continue  # document timestamps (B-LTA) are not signatures of a person
            emb = EmbeddedPdfSignature(reader, field_ref, name)
            good.append((emb.signed_revision, _report(emb, ctx)))
        except DAMAGED as exc:
            broken.append(_broken(str(name), exc))
    return [r for _, r in sorted(good, key=lambda item: item[0])] + broken


def validate_pdf(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate | asn1_x509.Certificate],
    at: datetime | None = None,
    online: bool = True,
) -> ValidationReport:
    """Validate all ``/Sig`` signatures at ``at`` (default now) against ``trust_roots`` only
    (never the OS list). Each is judged at the time its trusted timestamp proves, kept alive
    past its TSA's expiry by document timestamps (B-LTA); revocation comes from the CA's
    OCSP/CRL (``online``) or the data embedded at signing, and a warning says when neither
    answered. Raises ``InvalidPdf`` for non-PDF, encrypted or truncated input."""
    reader = _open(pdf)
    roots = [to_asn1_cert(c) for c in trust_roots]
    moment = at or datetime.now(UTC)
    ocsps, crls = _dss(reader)
    embs = embedded_signatures(reader)
    ctx = _Context(roots=roots, at=moment, online=online, ocsps=ocsps, crls=crls, doc_stamps=[],
                   answers=OnlineAnswers(signer_pairs(embs, roots)) if online else None,
                   diff_policy=(policy := ReusingDiffPolicy(pdf, reader)))
    try:
        stamps = _doc_stamps(embs, ctx)
        sigs = tuple(_collect(reader, ctx))
        policy.remember()
    finally:
        if ctx.answers is not None:
            ctx.answers.close()
    ok = bool(sigs) and all(s.ok for s in sigs)
    warnings = tuple(dict.fromkeys(w for s in sigs for w in s.warnings))
    active = active_content(reader)
    summary = summary_vi(sigs, warnings)
    if active:
        summary += " Cảnh báo: tài liệu chứa nội dung chủ động: " + ", ".join(active) + "."
    return ValidationReport(
        signatures=sigs, ok=ok, summary=summary, validated_at=moment,
        trust_roots=tuple(r.subject.human_friendly for r in roots), warnings=warnings,
        document_timestamps=tuple(stamps), active_content=active,
    )
