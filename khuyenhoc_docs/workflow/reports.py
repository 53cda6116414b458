"""The reports room: yearly report obligations of the units, submissions, the unit chair's signature,
deadline reminders."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .. import audit
from ..access import Principal, ReportUnit, can, ensure, own_report_units
from ..audit import Actor
from ..conversion import validate_docx
from ..conversion.base import InvalidDocument
from ..db import utcnow
from ..distribution.mailer import InvalidRecipient, MailDeliveryFailed, OutgoingMail
from ..drafting.container import TemplateInvalid, check_container
from ..drafting.outside_refs import check_no_outside_refs
from ..drafting.report_doc import yearly_report_docx
from ..drafting.templates import TemplateKind
from ..errors import Conflict, NotFound, Problem, ValidationFailed
from ..filenames import safe_filename
from ..models import ISSUED, SEALED, SIGNED, Document, ReportObligation
from ..services import Services
from ..signing import InvalidPdf
from ..signing.active_content import active_content
from ..signing.appearance import attachment_stamp_style
from ..signing.fields import FieldBox, prepare_fields
from ..signing.validation import _open as open_pdf
from ..storage.keys import report_key
from . import objects
from .cascade import units_for
from .signing import Placement, apply_signature

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_REPORT_BYTES = 20 * 1024 * 1024
#: A report line's status in a year (the web layer labels them).
ON_TIME, LATE, MISSING, PENDING = "on_time", "late", "missing", "pending"
REPORT_STATUSES = (ON_TIME, LATE, MISSING, PENDING)


def due_date(doc: Document, year: int) -> date:
    """The programme's reporting deadline in ``year`` ("15/11" by default)."""
    day, _, month = ((doc.fields or {}).get("report_deadline") or "15/11").partition("/")
    return date(year, int(month), int(day))


def deadline_moment(due: date) -> datetime:
    """End of the due day in Vietnam time: a report sent at 23:59 on 15/11 is on time."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=VN_TZ)


def programme_years(doc: Document) -> range | None:
    """Years covered by the programme's period ("2018 – 2020"), or None when it gives none."""
    years = [int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", (doc.fields or {}).get("period", ""))]
    return range(min(years), max(years) + 1) if years else None


def ensure_obligations(session: Session, doc: Document, year: int) -> list[ReportObligation]:
    """One obligation per unit for ``year`` (created once). Caller commits."""
    years = programme_years(doc)
    if years is not None and year not in years:
        return []
    existing = {o.unit_org_id: o for o in session.scalars(
        select(ReportObligation).where(ReportObligation.programme_id == doc.id, ReportObligation.year == year))}
    for unit in units_for(session, doc):
        if unit.id not in existing:
            existing[unit.id] = ReportObligation(programme_id=doc.id, unit_org_id=unit.id, year=year,
                                                 due_date=due_date(doc, year))
            session.add(existing[unit.id])
    session.flush()
    return sorted(existing.values(), key=lambda o: o.unit.name)


def create_obligations(session: Session, doc: Document) -> int:
    """Report obligations of every unit for each year of the programme whose deadline falls on or
    after its issue date (the first report is due on the first deadline after issue). Called when
    the programme is issued or cascaded; idempotent. Caller commits. Returns how many exist."""
    if doc.kind != TemplateKind.PROGRAMME_PROVINCE.value or not units_for(session, doc):
        return 0
    issued_on = doc.issue_date or date.today()
    years = programme_years(doc) or range(issued_on.year, issued_on.year + 5)
    count = 0
    for year in years:
        if due_date(doc, year) >= issued_on:
            count += len(ensure_obligations(session, doc, year))
    return count


def obligations_for(session: Session, doc: Document, year: int) -> list[ReportObligation]:
    """The obligations already recorded for ``year`` (reading pages never create any)."""
    rows = session.scalars(select(ReportObligation).where(ReportObligation.programme_id == doc.id,
                                                          ReportObligation.year == year))
    return sorted(rows, key=lambda o: o.unit.name)


def obligation_status(o: ReportObligation, now: datetime) -> str:
    """One of REPORT_STATUSES."""
    if o.submitted_at is not None:
        return LATE if o.late else ON_TIME
    return MISSING if now >= deadline_moment(o.due_date) else PENDING


def programmes_with_reports(session: Session, p: Principal) -> list[tuple[Document, set[int] | None]]:
    """Signed programmes the principal follows, each with the units they may see (None: all).

    The province sees every unit of its programmes; a unit sees its own line only.
    """
    mine = own_report_units(session, p)
    out: list[tuple[Document, set[int] | None]] = []
    for d in session.scalars(select(Document).where(Document.status.in_([SIGNED, SEALED, ISSUED]),
                                                    Document.kind == TemplateKind.PROGRAMME_PROVINCE.value)):
        if can(p, "report.follow", d):
            out.append((d, None))
        elif own := {u.id for u in units_for(session, d)} & mine:
            out.append((d, own))
    return out


def overview(session: Session, p: Principal, year: int, now: datetime | None = None
             ) -> list[tuple[Document, list[tuple[ReportObligation, str, dict[str, bool]]]]]:
    """Each followed programme with the report lines the principal may see, their status and what
    the principal may do on each (submit, sign). Reads only: obligations exist from the issue on."""
    ensure(p, "report.list")
    now = now or utcnow()
    out = []
    for doc, visible in programmes_with_reports(session, p):
        rows = []
        for o in obligations_for(session, doc, year):
            if visible is None or o.unit_org_id in visible:
                unit = ReportUnit.of(session, o)
                rows.append((o, obligation_status(o, now),
                             {"submit": can(p, "report.submit", unit), "sign": can(p, "report.sign", unit),
                              "withdraw": can(p, "report.withdraw_signature", unit)}))
        if rows:
            out.append((doc, rows))
    return out


def allowed_actions(session: Session, p: Principal, obligations: list[ReportObligation]) -> dict[int, set[str]]:
    """For each obligation, what the principal may do with it here: "submit" and/or "sign"."""
    out = {}
    for o in obligations:
        unit = ReportUnit.of(session, o)
        out[o.id] = {name for name in ("submit", "sign") if can(p, f"report.{name}", unit)}
    return out


def submit_report(session: Session, svc: Services, p: Principal, actor: Actor, obligation_id: int,
                  filename: str, data: bytes, *, now: datetime | None = None) -> ReportObligation:
    """Store a unit's report (DOCX or PDF); after the deadline it is accepted and marked late. Commits."""
    o = get_obligation(session, p, obligation_id, "report.submit")
    if o.signed_at is not None:
        raise Conflict(code="report_signed_frozen")
    ext = _report_type(data)
    now = now or utcnow()
    replaced = o.object_id is not None
    row = objects.put(session, svc.store, report_key("yearly", o.id, ext), data,
                      content_type=objects.PDF if ext == "pdf" else objects.DOCX,
                      metadata={"programme-id": str(o.programme_id), "year": str(o.year)})
    o.object_id = row.id
    o.filename = safe_filename(filename.replace("\\", "/").rsplit("/", 1)[-1], f"bao-cao.{ext}")
    o.submitted_at, o.submitted_by_id = now, p.user.id
    o.late = now >= deadline_moment(o.due_date)
    o.signed_object_id = o.signed_by_id = o.signed_at = None  # a signature never covers another file
    audit.record(session, actor, "report_submit", "document", o.programme_id, obligation=o.id, late=o.late,
                 replaced=replaced, sha256=row.sha256)
    session.commit()
    return o


def report_template(session: Session, p: Principal, obligation_id: int, today: date) -> tuple[bytes, str]:
    """A pre-filled report .docx for the unit to complete and upload."""
    o = get_obligation(session, p, obligation_id, "report.submit")
    doc = _programme(session, o)
    data = yearly_report_docx(
        unit_header=o.unit.header_name, unit_name=o.unit.name, place=o.unit.place or "Bến Tre",
        programme_number=doc.doc_number or "", programme_summary=doc.title, year=o.year,
        recipient=(doc.fields or {}).get("report_to") or doc.lead_org.name, today=today)
    return data, f"bao-cao-{o.year}-{o.id}.docx"


def get_obligation(session: Session, p: Principal, obligation_id: int, action: str) -> ReportObligation:
    """Load a report obligation the principal may act on (404 when missing, 403 when not allowed)."""
    o = session.get(ReportObligation, obligation_id)
    if o is None:
        raise NotFound(code="obligation_not_found")
    ensure(p, action, ReportUnit.of(session, o))
    return o


def _programme(session: Session, o: ReportObligation) -> Document:
    doc = session.get(Document, o.programme_id)
    assert doc is not None  # documents are never deleted
    return doc


def report_file(session: Session, svc: Services, p: Principal, obligation_id: int) -> tuple[bytes, str, str]:
    """The submitted report (the signed PDF once signed) for whoever may see the unit's line."""
    o = _viewable(session, p, obligation_id)
    if o.signed_object is not None:  # a PDF, whatever was submitted (a DOCX is signed as its PDF)
        return objects.read(svc.store, o.signed_object), objects.PDF, o.pdf_filename
    assert o.object is not None
    return objects.read(svc.store, o.object), o.object.content_type, o.filename or f"bao-cao-{o.year}-{o.id}"


def report_pdf(session: Session, svc: Services, p: Principal, obligation_id: int) -> tuple[bytes, str]:
    """The report as a PDF: the signed one, or what the unit's chair would sign (a submitted DOCX
    converted by LibreOffice), and its file name."""
    o = _viewable(session, p, obligation_id)
    signed = o.signed_object
    return (objects.read(svc.store, signed) if signed is not None else _signable_pdf(svc, o)), o.pdf_filename


def _viewable(session: Session, p: Principal, obligation_id: int) -> ReportObligation:
    """A submitted report the principal may see (404 otherwise, as if it did not exist)."""
    o = session.get(ReportObligation, obligation_id)
    if o is None or o.object is None:
        raise NotFound(code="report_not_found")
    if not can(p, "report.view", (session.get(Document, o.programme_id), ReportUnit.of(session, o))):
        raise NotFound(code="report_not_found")
    return o


def unconvertible_reason(data: bytes) -> str | None:
    """Why a handed-in DOCX report could not be converted for signing (it points outside itself),
    or None: the unit is told at upload, though the file is accepted (see ``_signable_pdf``)."""
    if data.startswith(b"%PDF"):
        return None
    try:
        check_no_outside_refs(data)
    except TemplateInvalid as exc:
        return exc.message
    return None


def _signable_pdf(svc: Services, o: ReportObligation) -> bytes:
    """The submitted file as the PDF to sign: a PDF as it is, a DOCX converted (the same converter
    and settings as the documents' drafts, so the chair's preview shows what is signed)."""
    assert o.object is not None
    data = objects.read(svc.store, o.object)
    if o.object.content_type == objects.PDF:
        return data
    reason = unconvertible_reason(data)  # a unit's file: LibreOffice must not follow links out of it
    if reason is not None:
        raise ValidationFailed(code="report_docx_outside_ref", params={"reason": reason})
    return svc.converter.convert(data)


def _lock_obligation(session: Session, obligation_id: int) -> ReportObligation:
    """Serialise signing of one report across processes (the UPDATE is the transaction's first write)."""
    session.execute(update(ReportObligation).where(ReportObligation.id == obligation_id)
                    .values(signed_by_id=ReportObligation.signed_by_id))
    o = session.get(ReportObligation, obligation_id, populate_existing=True)
    assert o is not None
    return o


def sign_report(session: Session, svc: Services, p: Principal, actor: Actor, obligation_id: int,
                secret: str) -> ReportObligation:
    """The unit chair signs its submitted report (a field at the top right of page 1); a DOCX report
    is converted to PDF first, and the signed PDF is the report from then on. Commits."""
    o = get_obligation(session, p, obligation_id, "report.sign")
    _check_signable(o)
    submitted = o.object_id
    # Read (and converted) before the row lock: a conversion takes LibreOffice ~0.1-1 s.
    pdf = _signable_pdf(svc, o)

    def lock() -> Placement:
        locked = _lock_obligation(session, obligation_id)
        try:
            _check_signable(locked)
            if locked.object_id != submitted:  # the unit replaced the file meanwhile
                raise Conflict(code="report_replaced_while_signing")
        except Conflict:
            session.rollback()
            raise
        x1, y1, x2, y2 = _page_one_box(pdf)
        prepared = prepare_fields(pdf, [FieldBox("sig_report", 0, x1, y1, x2, y2)])
        programme = session.get(Document, locked.programme_id)
        # Appendix I, attachments: number/symbol + ISO 8601 time as 10 pt text, no image
        style = attachment_stamp_style(programme.doc_number or "" if programme else "", utcnow(),
                                       (x2 - x1, y2 - y1))
        return Placement(prepared, "sig_report", f"Ký báo cáo năm {locked.year}", certify=True, style=style)

    signed, now = apply_signature(session, svc, p, secret, lock)
    row = objects.put(session, svc.store, report_key("yearly-signed", o.id, "pdf"), signed,
                      content_type=objects.PDF, metadata={"programme-id": str(o.programme_id), "year": str(o.year)})
    o.signed_object_id, o.signed_by_id, o.signed_at = row.id, p.user.id, now
    audit.record(session, actor, "report_sign", "document", o.programme_id, obligation=o.id, sha256=row.sha256)
    session.commit()
    return o


def withdraw_signature(session: Session, p: Principal, actor: Actor, obligation_id: int,
                       reason: str) -> ReportObligation:
    """Clear the signature of a signed report, with a reason (audited), so the unit may replace the file.

    The unit's chairs and clerks may do it (those who sign and submit its report). Commits.
    """
    o = get_obligation(session, p, obligation_id, "report.withdraw_signature")
    reason = " ".join((reason or "").split())
    if len(reason) < 5 or len(reason) > 500:
        raise ValidationFailed(code="report_withdraw_reason",
                               fields={"reason": Problem("field_reason_length")})
    o = _lock_obligation(session, obligation_id)
    if o.signed_at is None:
        session.rollback()
        raise Conflict(code="report_not_signed")
    audit.record(session, actor, "report_signature_withdraw", "document", o.programme_id, obligation=o.id,
                 reason=reason, signed_by=o.signed_by_id,
                 sha256=o.signed_object.sha256 if o.signed_object else None)
    # The signed file stays in the store (its audit event names it); the report is simply unsigned again.
    o.signed_object_id = o.signed_by_id = o.signed_at = None
    session.commit()
    return o


def _check_signable(o: ReportObligation) -> None:
    if o.object is None:
        raise Conflict(code="report_nothing_to_sign")
    if o.signed_object_id is not None:
        raise Conflict(code="report_already_signed")


def _page_one_box(pdf: bytes) -> tuple[float, float, float, float]:
    """Top right of page 1, inside the 15 mm right and 20 mm top margins (Decree 30 attachments)."""
    try:
        import pdfplumber  # imported where used (see signing/fields.py)

        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            x0, y0, x1, y1 = (float(v) for v in doc.pages[0].mediabox)
    except Exception as exc:  # noqa: BLE001 - any unreadable page tree is an unusable report
        raise InvalidPdf(code="report_first_page_unreadable", detail=repr(exc)) from exc
    right, top = x1 - 42.5, y1 - 20
    return right - 190, top - 48, right, top


def _report_type(data: bytes) -> str:
    if not data or len(data) > MAX_REPORT_BYTES:
        raise ValidationFailed(code="report_file_size")
    if data.startswith(b"%PDF"):
        try:
            reader = open_pdf(data)
        except InvalidPdf as exc:
            raise ValidationFailed(code="report_pdf_invalid", params={"reason": exc.reason_vi}) from exc
        if (active := active_content(reader)):
            # A report is read and signed by people: nothing in it may run or carry other files.
            raise ValidationFailed(code="report_active_content", params={"active": ", ".join(active)},
                                   fields={"file": Problem("field_pdf_active", active=', '.join(active))})
        return "pdf"
    try:
        validate_docx(data)
        check_container(data)  # declared sizes and ratios, before anything is inflated
    except InvalidDocument as exc:
        raise ValidationFailed(code="report_file_type") from exc
    except TemplateInvalid as exc:
        raise ValidationFailed(code="report_file_invalid", params={"reason": exc.message}) from exc
    return "docx"


def send_reminders(session: Session, svc: Services, today: date, *, days_before: int = 7) -> dict[str, int]:
    """Email units whose report is due in ``days_before`` days, and those still missing the day after."""
    sent = {"reminders": 0, "overdue": 0, "failed": 0}
    pending = session.scalars(select(ReportObligation).where(ReportObligation.submitted_at.is_(None)))
    for o in pending:
        kind = ("reminders" if today == o.due_date - timedelta(days=days_before) and o.reminder_sent_at is None
                else "overdue" if today == o.due_date + timedelta(days=1) and o.overdue_sent_at is None else None)
        if kind is None or not o.unit.email:
            continue
        doc = _programme(session, o)
        when = o.due_date.strftime("%d/%m/%Y")
        text = (f"Kính gửi {o.unit.name},\n\nBáo cáo năm {o.year} thực hiện chương trình phối hợp số "
                f"{doc.doc_number} " + ("đến hạn ngày " if kind == "reminders" else "đã quá hạn ngày ") + when +
                ".\nVui lòng nộp báo cáo trên hệ thống.\n")
        subject = ("Nhắc hạn" if kind == "reminders" else "Quá hạn") + f" báo cáo năm {o.year}: {doc.doc_number}"
        try:
            svc.send_mail(OutgoingMail(to=o.unit.email, to_name=o.unit.name, subject=subject, text=text))
        except (MailDeliveryFailed, InvalidRecipient):
            sent["failed"] += 1
            continue
        if kind == "reminders":
            o.reminder_sent_at = utcnow()
        else:
            o.overdue_sent_at = utcnow()
        sent[kind] += 1
        session.commit()
    return sent
