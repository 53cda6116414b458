"""The cascade room: unit programmes drafted from a signed programme, one per unit below it (a job).

The same job derives programmes from a received document (incoming register): for the units below the
receiving organisation, and optionally the receiving organisation's own one; they cite its sender.
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..access import Principal, can
from ..audit import Actor
from ..db import utcnow
from ..drafting.fields import ParentProgramme
from ..drafting.grassroots import grassroots_fields, locality
from ..drafting.reference import unit_programme_fields
from ..drafting.templates import TemplateKind
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    ISSUED,
    JOB_DONE,
    JOB_FAILED,
    JOB_RUNNING,
    RECALLED,
    SEALED,
    SIGNED,
    BackgroundJob,
    CascadeChild,
    Document,
    IncomingDocument,
    Organisation,
    OrgLevel,
    User,
)
from ..orgtree import counterpart
from ..services import Services
from . import drafting
from .documents import get_document
from .prefill import initial_fields, party_for

NO_SIGNER = "……………"  # the unit's clerk fills in the name of a signer without an account


@dataclass(frozen=True)
class Source:
    """What a cascade implements: a signed programme or a received document, as the drafts cite it."""

    citation: ParentProgramme
    period: str
    report_deadline: str
    upper: tuple[Organisation, ...]  # the bodies above the units (named in the grassroots wording)
    org_id: int  # the units are those below this organisation
    document_id: int | None = None
    incoming_id: int | None = None


def document_source(doc: Document) -> Source:
    pf = doc.fields or {}
    citation = ParentProgramme(
        number=doc.doc_number or "", date=doc.issue_date or date.today(),
        parties=f"{doc.lead_org.name} và {doc.partner_org.name}",
        subject=f"phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập giai đoạn {pf.get('period', '')}"
        .strip())
    return Source(citation, pf.get("period") or "", pf.get("report_deadline", "15/11"),
                  (doc.lead_org, doc.partner_org), doc.lead_org_id, document_id=doc.id)


def incoming_source(session: Session, row: IncomingDocument) -> Source:
    """A received document as its implementing programmes cite it ("… số …, ngày … của <sender> về việc …")."""
    org = row.organisation
    partner = counterpart(session, org)
    period = re.search(r"(\d{4})\s*[-–]\s*(\d{4})", row.subject)
    citation = ParentProgramme(number=row.doc_number, date=row.promulgation_date, parties=row.sender_name,
                               subject=row.subject[:1].lower() + row.subject[1:],
                               doc_kind=(row.type_name or "văn bản").lower(), relation="của")
    return Source(citation, f"{period.group(1)} – {period.group(2)}" if period else "", "15/11",
                  (org, partner) if partner else (org,), org.id, incoming_id=row.id)


def units_for(session: Session, doc: Document | Source) -> list[Organisation]:
    """Units of the next level below the programme's lead organisation (levels are data)."""
    from ..succession import is_gone

    org_id = doc.org_id if isinstance(doc, Source) else doc.lead_org_id
    units = session.scalars(select(Organisation).where(Organisation.parent_id == org_id,
                                                       Organisation.active.is_(True)).order_by(Organisation.name))
    return [u for u in units if not is_gone(u)]  # merged units receive no new programmes


def _kind_for(session: Session, unit: Organisation, own: bool = False) -> str:
    # The lowest level of the tree uses the grassroots template; any level above it the district one.
    # A top-level organisation's own programme (from a received document) is a province programme.
    if own and unit.level.rank == 0:
        return TemplateKind.PROGRAMME_PROVINCE.value
    deeper = session.scalar(select(OrgLevel.id).where(OrgLevel.rank > unit.level.rank).limit(1))
    return (TemplateKind.PROGRAMME_DISTRICT if deeper else TemplateKind.PROGRAMME_GRASSROOTS).value


def start_cascade(session: Session, p: Principal, actor: Actor, doc_id: int,
                  unit_ids: list[int] | None = None) -> BackgroundJob:
    """Record a cascade job for the chosen (default: all) units; the caller enqueues it. Commits."""
    doc = get_document(session, p, doc_id, "document.cascade")
    # the units cite the programme's number: it exists once sealed (or numbered under the old flow)
    if doc.status not in (SEALED, ISSUED) and not (doc.status == SIGNED and doc.doc_number):
        raise Conflict(code="cascade_not_issued")
    job = _job(session, p, document_source(doc), unit_ids, own=False)
    from .reports import create_obligations  # here: reports imports units_for from this module

    create_obligations(session, doc)  # the units owe yearly reports from the cascade on
    session.flush()
    audit.record(session, actor, "cascade", "document", doc.id, job=job.id, units=len(job.params["unit_ids"]))
    session.commit()
    return job


def start_incoming_cascade(session: Session, p: Principal, actor: Actor, incoming_id: int,
                           unit_ids: list[int] | None = None, own: bool = False) -> BackgroundJob:
    """"Triển khai" a received document: programmes for the chosen units below the receiving organisation
    (``unit_ids``; all when None and not ``own``) and, with ``own``, the organisation's own. Commits."""
    from .exchange_in import get_incoming

    row = get_incoming(session, p, incoming_id, "incoming.cascade")
    if row.status == RECALLED:
        raise Conflict(code="cascade_incoming_recalled")
    job = _job(session, p, incoming_source(session, row), unit_ids, own=own)
    audit.record(session, actor, "cascade", "incoming", row.id, job=job.id, units=len(job.params["unit_ids"]),
                 own=own)
    session.commit()
    return job


def _job(session: Session, p: Principal, source: Source, unit_ids: list[int] | None, own: bool) -> BackgroundJob:
    available = {u.id for u in units_for(session, source)}
    if not available and not own:
        raise ValidationFailed(code="cascade_no_units")
    chosen = list(dict.fromkeys(unit_ids)) if unit_ids else ([] if own else sorted(available))
    if not set(chosen) <= available:
        raise ValidationFailed(code="cascade_unit_invalid",
                               fields={"unit_ids": ", ".join(str(u) for u in sorted(set(chosen) - available))})
    if own:
        chosen.insert(0, source.org_id)
    origin = {"document_id": source.document_id} if source.document_id else {"incoming_id": source.incoming_id}
    job = BackgroundJob(kind="cascade", total=len(chosen), params={**origin, "unit_ids": chosen},
                        created_by_id=p.user.id)
    session.add(job)
    session.flush()
    return job


def _unit_fields(session: Session, source: Source, unit: Organisation, partner: Organisation | None,
                 kind: str = TemplateKind.PROGRAMME_DISTRICT.value) -> dict:
    citation = source.citation
    if unit.id == source.org_id:  # the receiving organisation's own programme, implementing what it received
        own = initial_fields(session, kind, unit, partner)
        return {**own, "parent": {**asdict(citation), "date": citation.date.isoformat()}}
    pair = [unit, partner] if partner else [unit]
    doan = next((o for o in pair if o.family == "doan"), None)
    hoi = next((o for o in pair if o is not doan), None)
    parties: dict[str, Any] = {}
    for key, org in (("party_a", doan), ("party_b", hoi)):
        if org is not None:
            party = party_for(session, org)
            parties[key] = replace(party, signer_name=party.signer_name or NO_SIGNER)
    abbrs = tuple(o.abbreviation for o in pair)
    if kind == TemplateKind.PROGRAMME_GRASSROOTS.value and len(parties) == 2:
        return _grassroots_fields(source, unit, citation, parties, abbrs).to_dict()
    name = re.sub(r"^(Hội Khuyến học|Huyện đoàn|Thành đoàn|Đoàn)\s+", "", unit.name)
    base = unit_programme_fields(name, citation, period=source.period or "2018 – 2020")
    return replace(base, place=unit.place or base.place, org_abbrs=abbrs, **parties).to_dict()


def _grassroots_fields(source: Source, unit: Organisation, citation: ParentProgramme, parties: dict,
                       abbrs: tuple[str, ...]):
    """Commune, ward or special-zone wording, naming the real bodies above (any tree depth)."""
    upper = list(source.upper)
    upper_doan = next((o.name for o in upper if o.family == "doan"), upper[0].name)
    upper_hoi = next((o.name for o in upper if o.family != "doan"), upper[-1].name)
    place = locality(unit.name)
    date_place = unit.place or re.sub(r"^(xã|phường|đặc khu|thị trấn)\s+", "", place, flags=re.IGNORECASE)
    return grassroots_fields(
        place, citation, period=source.period, report_to=f"Ban Thường vụ {upper_doan} và {upper_hoi}",
        report_deadline=source.report_deadline, upper_doan=f"Ban Thường vụ {upper_doan}",
        upper_hoi=upper_hoi, party_a=parties["party_a"], party_b=parties["party_b"], org_abbrs=abbrs,
        date_place=date_place)


def _source_of(session: Session, job: BackgroundJob) -> Source | None:
    if "incoming_id" in job.params:
        row = session.get(IncomingDocument, job.params["incoming_id"])
        return incoming_source(session, row) if row is not None else None
    doc = session.get(Document, job.params["document_id"])
    return document_source(doc) if doc is not None else None


def _done_for(session: Session, source: Source, unit_id: int) -> bool:
    """Reruns skip units whose draft exists already."""
    if source.document_id is not None:
        return session.scalar(select(CascadeChild.id).where(CascadeChild.parent_document_id == source.document_id,
                                                            CascadeChild.unit_org_id == unit_id)) is not None
    return session.scalar(select(Document.id).where(Document.basis_incoming_id == source.incoming_id,
                                                    Document.lead_org_id == unit_id).limit(1)) is not None


def run_cascade(session: Session, svc: Services, job_id: int) -> BackgroundJob | None:
    """Create the missing unit drafts one by one (each committed), updating the job's progress."""
    job = session.get(BackgroundJob, job_id)
    if job is None or job.status == JOB_DONE:
        return job
    job.status = JOB_RUNNING
    session.commit()
    starter = session.get(User, job.created_by_id)
    source = _source_of(session, job)
    assert source is not None and starter is not None  # rows are never deleted
    p = Principal.of(session, starter)
    actor = Actor(p.user, "job")
    created, skipped = [], []
    try:
        todo = []
        for unit_id in job.params["unit_ids"]:
            if _done_for(session, source, unit_id):
                skipped.append(unit_id)
                continue
            unit = session.get(Organisation, unit_id)
            assert unit is not None  # checked against the tree when the job was started
            partner = counterpart(session, unit)
            kind = _kind_for(session, unit, own=unit.id == source.org_id)
            data = _unit_fields(session, source, unit, partner, kind)
            todo.append((unit, partner, kind, data, drafting.parse_fields(kind, data, strict=False)))
        job.done = len(skipped)
        session.commit()
        templates = {kind: drafting.latest_template(session, kind) for _, _, kind, _, _ in todo}
        # Rendering and conversion run in parallel, two workers per converter instance: while one
        # waits for its conversion the other renders the next unit, so no instance sits idle during
        # a rendering (each instance converts one document at a time and queues the next). The
        # database writes stay in this thread, one committed unit at a time.
        workers = 2 * max(1, len(svc.settings.converter_endpoints))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(drafting.render, svc, templates[kind], fields) for _, _, kind, _, fields in todo]
            for (unit, partner, kind, data, _), future in zip(todo, futures, strict=False):
                child = drafting.create_draft(session, svc, p, actor, kind=kind, data=data, lead_org_id=unit.id,
                                              partner_org_id=partner.id if partner else None,
                                              parent_id=source.document_id, basis_incoming_id=source.incoming_id,
                                              pre_rendered=future.result(), template=templates[kind])
                if source.document_id is not None:
                    session.add(CascadeChild(parent_document_id=source.document_id, unit_org_id=unit.id,
                                             document_id=child.id))
                created.append(child.id)
                job.done += 1
                session.commit()
        job.status, job.result = JOB_DONE, {"created": created, "skipped": skipped}
    except Exception as exc:  # noqa: BLE001 - the job records why it stopped; finished units stay
        session.rollback()
        job = session.get(BackgroundJob, job_id)
        assert job is not None
        job.status, job.error = JOB_FAILED, str(getattr(exc, "message", exc))[:2000]
        job.result = {"created": created, "skipped": skipped}
    job.finished_at = utcnow()
    session.commit()
    return job


def cascade_tree(session: Session, doc: Document) -> list[tuple[Organisation, Document | None]]:
    """Every unit below the programme with its generated programme (or None)."""
    children = {c.unit_org_id: c.document for c in session.scalars(
        select(CascadeChild).where(CascadeChild.parent_document_id == doc.id))}
    return [(u, children.get(u.id)) for u in units_for(session, doc)]


def get_job(session: Session, p: Principal, job_id: int) -> BackgroundJob:
    """A background job its starter (or an admin) may follow; hidden (404) from everyone else."""
    job = session.get(BackgroundJob, job_id)
    if job is None or not can(p, "job.view", job):
        raise NotFound(code="job_not_found")
    return job
