"""Follow-up of a signed programme: unit programmes cascaded from it, yearly report obligations."""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..access import Principal, ensure
from ..audit import Actor
from ..db import utcnow
from ..drafting.fields import ParentProgramme
from ..drafting.reference import demo_district_fields
from ..drafting.templates import TemplateKind
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import (ISSUED, SIGNED, BackgroundJob, CascadeChild, Document, Organisation, OrgLevel,
                      ReportObligation)
from ..orgtree import counterpart
from ..services import Services
from ..storage.keys import report_key
from . import drafting, objects
from .prefill import party_for

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NO_SIGNER = "……………"  # the unit's clerk fills in the name of a signer without an account
MAX_REPORT_BYTES = 20 * 1024 * 1024


def units_for(session: Session, doc: Document) -> list[Organisation]:
    """Units of the next level below the programme's lead organisation (levels are data)."""
    return list(session.scalars(select(Organisation).where(Organisation.parent_id == doc.lead_org_id,
                                                           Organisation.active.is_(True)).order_by(Organisation.name)))


def _kind_for(session: Session, unit: Organisation) -> str:
    # The lowest level of the tree uses the grassroots template; any level above it the district one.
    deeper = session.scalar(select(OrgLevel.id).where(OrgLevel.rank > unit.level.rank).limit(1))
    return (TemplateKind.PROGRAMME_DISTRICT if deeper else TemplateKind.PROGRAMME_GRASSROOTS).value


def start_cascade(session: Session, p: Principal, actor: Actor, doc_id: int,
                  unit_ids: list[int] | None = None) -> BackgroundJob:
    """Record a cascade job for the chosen (default: all) units; the caller enqueues it. Commits."""
    doc = drafting.get_document(session, p, doc_id, "document.issue")
    ensure(p, "document.create")
    if doc.status not in (SIGNED, ISSUED):
        raise Conflict("Chỉ triển khai xuống cấp dưới từ chương trình đã ký.")
    available = {u.id for u in units_for(session, doc)}
    if not available:
        raise ValidationFailed("Tổ chức chủ trì không có đơn vị cấp dưới.")
    chosen = list(dict.fromkeys(unit_ids)) if unit_ids else sorted(available)
    if not set(chosen) <= available:
        raise ValidationFailed("Có đơn vị không thuộc cấp dưới trực tiếp của tổ chức chủ trì.",
                               fields={"unit_ids": ", ".join(str(u) for u in sorted(set(chosen) - available))})
    job = BackgroundJob(kind="cascade", total=len(chosen), params={"document_id": doc.id, "unit_ids": chosen},
                        created_by_id=p.user.id)
    session.add(job)
    session.flush()
    audit.record(session, actor, "cascade", "document", doc.id, job=job.id, units=len(chosen))
    session.commit()
    return job


def _unit_fields(session: Session, parent: Document, unit: Organisation, partner: Organisation | None) -> dict:
    pf = parent.fields or {}
    citation = ParentProgramme(
        number=parent.doc_number or "", date=parent.issue_date or date.today(),
        parties=f"{parent.lead_org.name} và {parent.partner_org.name}",
        subject=f"phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập giai đoạn {pf.get('period', '')}"
        .strip())
    name = re.sub(r"^(Hội Khuyến học|Huyện đoàn|Thành đoàn|Đoàn)\s+", "", unit.name)
    base = demo_district_fields(name, citation)
    pair = [unit, partner] if partner else [unit]
    doan = next((o for o in pair if o.family == "doan"), None)
    hoi = next((o for o in pair if o is not doan), None)
    parties = {}
    for key, org in (("party_a", doan), ("party_b", hoi)):
        if org is not None:
            party = party_for(session, org)
            parties[key] = replace(party, signer_name=party.signer_name or NO_SIGNER)
    return replace(base, period=pf.get("period", base.period), place=unit.place or base.place,
                   org_abbrs=tuple(o.abbreviation for o in pair), **parties).to_dict()


def run_cascade(session: Session, svc: Services, job_id: int) -> BackgroundJob:
    """Create the missing unit drafts one by one (each committed), updating the job's progress."""
    job = session.get(BackgroundJob, job_id)
    if job is None or job.status == "done":
        return job
    job.status = "running"
    session.commit()
    parent = session.get(Document, job.params["document_id"])
    from ..models import User

    p = Principal.of(session, session.get(User, job.created_by_id))
    actor = Actor(p.user, "job")
    created, skipped = [], []
    try:
        todo = []
        for unit_id in job.params["unit_ids"]:
            if session.scalar(select(CascadeChild.id).where(CascadeChild.parent_document_id == parent.id,
                                                            CascadeChild.unit_org_id == unit_id)):
                skipped.append(unit_id)
                continue
            unit = session.get(Organisation, unit_id)
            partner = counterpart(session, unit)
            kind = _kind_for(session, unit)
            data = _unit_fields(session, parent, unit, partner)
            todo.append((unit, partner, kind, data, drafting.parse_fields(kind, data, strict=False)))
        job.done = len(skipped)
        session.commit()
        templates = {kind: drafting.latest_template(session, kind) for _, _, kind, _, _ in todo}
        # Rendering and conversion run in parallel (one worker per converter instance); the
        # database writes stay in this thread, one committed unit at a time.
        workers = max(1, len(svc.settings.converter_endpoints))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(drafting.render, svc, templates[kind], fields) for _, _, kind, _, fields in todo]
            for (unit, partner, kind, data, _), future in zip(todo, futures):
                child = drafting.create_draft(session, svc, p, actor, kind=kind, data=data, lead_org_id=unit.id,
                                              partner_org_id=partner.id if partner else None, parent_id=parent.id,
                                              pre_rendered=future.result())
                session.add(CascadeChild(parent_document_id=parent.id, unit_org_id=unit.id, document_id=child.id))
                created.append(child.id)
                job.done += 1
                session.commit()
        job.status, job.result = "done", {"created": created, "skipped": skipped}
    except Exception as exc:  # noqa: BLE001 - the job records why it stopped; finished units stay
        session.rollback()
        job = session.get(BackgroundJob, job_id)
        job.status, job.error = "failed", str(getattr(exc, "message", exc))[:2000]
        job.result = {"created": created, "skipped": skipped}
    job.finished_at = utcnow()
    session.commit()
    return job


def cascade_tree(session: Session, doc: Document) -> list[tuple[Organisation, Document | None]]:
    """Every unit below the programme with its generated programme (or None)."""
    children = {c.unit_org_id: c.document for c in session.scalars(
        select(CascadeChild).where(CascadeChild.parent_document_id == doc.id))}
    return [(u, children.get(u.id)) for u in units_for(session, doc)]


# -- yearly reports ---------------------------------------------------------------------------

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


def obligation_status(o: ReportObligation, now: datetime) -> str:
    """on_time | late | missing | pending."""
    if o.submitted_at is not None:
        return "late" if o.late else "on_time"
    return "missing" if now >= deadline_moment(o.due_date) else "pending"


def programmes_with_reports(session: Session, p: Principal) -> list[tuple[Document, set[int] | None]]:
    """Signed programmes the principal follows, each with the units they may see (None: all).

    The province sees every unit of its programmes; a unit sees its own line only.
    """
    mine = {p.user.organisation_id}
    partner = counterpart(session, p.user.organisation)
    if partner is not None:
        mine.add(partner.id)
    out: list[tuple[Document, set[int] | None]] = []
    for d in session.scalars(select(Document).where(Document.status.in_([SIGNED, ISSUED]),
                                                    Document.kind == TemplateKind.PROGRAMME_PROVINCE.value)):
        if p.has("admin") or p.in_scope(d):
            out.append((d, None))
        elif own := {u.id for u in units_for(session, d)} & mine:
            out.append((d, own))
    return out


def submit_report(session: Session, svc: Services, p: Principal, actor: Actor, obligation_id: int,
                  filename: str, data: bytes, *, now: datetime | None = None) -> ReportObligation:
    """Store a unit's report (DOCX or PDF); after the deadline it is accepted and marked late. Commits."""
    o = _own_obligation(session, p, obligation_id)
    ext = _report_type(data)
    now = now or utcnow()
    row = objects.put(session, svc.store, report_key("yearly", o.id, ext), data,
                      content_type=objects.PDF if ext == "pdf" else objects.DOCX,
                      metadata={"programme-id": str(o.programme_id), "year": str(o.year)})
    o.object_id, o.filename = row.id, (filename or f"bao-cao.{ext}").rsplit("/", 1)[-1][:255]
    o.submitted_at, o.submitted_by_id = now, p.user.id
    o.late = now >= deadline_moment(o.due_date)
    audit.record(session, actor, "report_submit", "document", o.programme_id, obligation=o.id, late=o.late)
    session.commit()
    return o


def report_template(session: Session, p: Principal, obligation_id: int, today: date) -> tuple[bytes, str]:
    """A pre-filled report .docx for the unit to complete and upload."""
    from ..drafting.report_doc import yearly_report_docx

    o = _own_obligation(session, p, obligation_id)
    doc = session.get(Document, o.programme_id)
    data = yearly_report_docx(
        unit_header=o.unit.header_name, unit_name=o.unit.name, place=o.unit.place or "Bến Tre",
        programme_number=doc.doc_number or "", programme_summary=doc.title, year=o.year,
        recipient=(doc.fields or {}).get("report_to") or doc.lead_org.name, today=today)
    return data, f"bao-cao-{o.year}-{o.id}.docx"


def _unit_orgs(session: Session, o: ReportObligation) -> set[int]:
    """The reporting unit and its counterpart of the other family: either may act on the report."""
    partner = counterpart(session, o.unit)
    return {o.unit_org_id} | ({partner.id} if partner else set())


def _own_obligation(session: Session, p: Principal, obligation_id: int) -> ReportObligation:
    o = session.get(ReportObligation, obligation_id)
    if o is None:
        raise NotFound("Không tìm thấy nghĩa vụ báo cáo.")
    if not p.has("clerk") or p.user.organisation_id not in _unit_orgs(session, o):
        raise Forbidden("Chỉ văn thư của đơn vị được giao mới nộp được báo cáo này.")
    return o


def sign_report(session: Session, svc: Services, p: Principal, actor: Actor, obligation_id: int,
                secret: str) -> ReportObligation:
    """The unit chair signs its submitted PDF report (a field at the top right of page 1). Commits."""
    from ..credentials import active_credential, key_source
    from ..signing import SignatureCoreError
    from ..signing.appearance import StampInfo
    from ..signing.fields import FieldBox, prepare_fields
    from ..signing.keys import check_certificate
    from ..signing.signer import sign_document
    from .signing import SigningRefused

    o = session.get(ReportObligation, obligation_id)
    if o is None:
        raise NotFound("Không tìm thấy nghĩa vụ báo cáo.")
    if not p.has("chair") or p.user.organisation_id not in _unit_orgs(session, o):
        raise Forbidden("Chỉ người ký của đơn vị được giao mới ký được báo cáo này.")
    if o.object is None or o.object.content_type != objects.PDF:
        raise Conflict("Chỉ ký được báo cáo đã nộp dưới dạng PDF.")
    if o.signed_object_id is not None:
        raise Conflict("Báo cáo đã được ký.")
    if not secret or len(secret) > 256:
        raise ValidationFailed("Cần nhập mật khẩu chứng thư số hoặc mã PIN.", fields={"secret": "Bắt buộc."})
    cred = active_credential(session, p.user)
    if cred is None:
        raise ValidationFailed("Bạn chưa có chứng thư số; liên hệ quản trị viên để cấp hoặc tải lên.")
    pdf = objects.read(svc.store, o.object)
    now = utcnow()
    try:
        x1, y1, x2, y2 = _page_one_box(pdf)
        prepared = prepare_fields(pdf, [FieldBox("sig_report", 0, x1, y1, x2, y2)])
        with key_source(cred, secret, svc.trust_roots).open() as key:
            check_certificate(key.cert, expected_name=p.user.full_name, at=now)
            signed = sign_document(prepared, field_name="sig_report", signer=key, cert_chain=svc.trust_roots,
                                   timestamper=svc.timestamper, certify=True,
                                   stamp=StampInfo(full_name=p.user.full_name, position=p.user.position,
                                                   organisation=p.user.organisation.name, signed_at=now),
                                   reason=f"Ký báo cáo năm {o.year}")
    except SignatureCoreError as exc:
        raise SigningRefused(exc.reason_vi) from exc
    row = objects.put(session, svc.store, report_key("yearly-signed", o.id, "pdf"), signed,
                      content_type=objects.PDF, metadata={"programme-id": str(o.programme_id), "year": str(o.year)})
    o.signed_object_id, o.signed_by_id, o.signed_at = row.id, p.user.id, now
    audit.record(session, actor, "report_sign", "document", o.programme_id, obligation=o.id, sha256=row.sha256)
    session.commit()
    return o


def _page_one_box(pdf: bytes) -> tuple[float, float, float, float]:
    """Top right of page 1, inside the 15 mm right and 20 mm top margins (Decree 30 attachments)."""
    import io

    import pdfplumber

    from ..signing import InvalidPdf

    try:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            x0, y0, x1, y1 = (float(v) for v in doc.pages[0].mediabox)
    except Exception as exc:  # noqa: BLE001 - any unreadable page tree is an unusable report
        raise InvalidPdf("Không đọc được trang đầu của tệp PDF.", detail=repr(exc)) from exc
    right, top = x1 - 42.5, y1 - 20
    return right - 190, top - 48, right, top


def _report_type(data: bytes) -> str:
    from ..conversion.base import InvalidDocument
    from ..conversion import validate_docx
    from ..drafting.templates import TemplateInvalid, check_container
    from ..signing import InvalidPdf
    from ..signing.validation import _open as open_pdf

    if not data or len(data) > MAX_REPORT_BYTES:
        raise ValidationFailed("Tệp báo cáo trống hoặc quá lớn (tối đa 20 MB).")
    if data.startswith(b"%PDF"):
        try:
            open_pdf(data)
        except InvalidPdf as exc:
            raise ValidationFailed(f"Tệp PDF không hợp lệ: {exc.reason_vi}") from exc
        return "pdf"
    try:
        validate_docx(data)
        check_container(data)  # declared sizes and ratios, before anything is inflated
    except InvalidDocument as exc:
        raise ValidationFailed("Tệp báo cáo phải là PDF hoặc DOCX hợp lệ.") from exc
    except TemplateInvalid as exc:
        raise ValidationFailed(f"Tệp báo cáo không hợp lệ: {exc.message}") from exc
    return "docx"


def send_reminders(session: Session, svc: Services, today: date, *, days_before: int = 7) -> dict[str, int]:
    """Email units whose report is due in ``days_before`` days, and those still missing the day after."""
    from ..distribution.mailer import MailDeliveryFailed, OutgoingMail, send_mail

    sent = {"reminders": 0, "overdue": 0, "failed": 0}
    pending = session.scalars(select(ReportObligation).where(ReportObligation.submitted_at.is_(None)))
    for o in pending:
        kind = ("reminders" if today == o.due_date - timedelta(days=days_before) and o.reminder_sent_at is None
                else "overdue" if today == o.due_date + timedelta(days=1) and o.overdue_sent_at is None else None)
        if kind is None or not o.unit.email:
            continue
        doc = session.get(Document, o.programme_id)
        when = o.due_date.strftime("%d/%m/%Y")
        text = (f"Kính gửi {o.unit.name},\n\nBáo cáo năm {o.year} thực hiện chương trình phối hợp số "
                f"{doc.doc_number} " + ("đến hạn ngày " if kind == "reminders" else "đã quá hạn ngày ") + when +
                ".\nVui lòng nộp báo cáo trên hệ thống.\n")
        subject = ("Nhắc hạn" if kind == "reminders" else "Quá hạn") + f" báo cáo năm {o.year}: {doc.doc_number}"
        try:
            send_mail(svc.mail_options, OutgoingMail(to=o.unit.email, to_name=o.unit.name, subject=subject, text=text))
        except MailDeliveryFailed:
            sent["failed"] += 1
            continue
        if kind == "reminders":
            o.reminder_sent_at = utcnow()
        else:
            o.overdue_sent_at = utcnow()
        sent[kind] += 1
        session.commit()
    return sent
