"""edXML, receiving side: the incoming register (sổ đăng ký văn bản đến) and status messages out."""
from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import audit, edxml, search_sync
from ..access import Principal, can, ensure, incoming_scope
from ..audit import Actor
from ..db import utcnow
from ..edxml import EdxmlInvalid
from ..edxml.transport import TransportFailed, send
from ..errors import Conflict, DomainError, NotFound, ValidationFailed
from ..models import (
    RECALL_REQUESTED,
    RECALLED,
    RECEIVED,
    REPLACED,
    ExchangeStatus,
    IncomingCounter,
    IncomingDocument,
    Organisation,
    StoredObject,
)
from ..search import text as search_text
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.validation import validate_pdf
from ..storage.keys import validate_key
from . import exchange_out, objects

CLERK_CODES = ("04", "05", "06")
MAX_TEXT = 200_000


class PackageRefused(DomainError):
    """A package or status that is not accepted; nothing was registered."""

    status = 422


@dataclass(frozen=True)
class Received:
    kind: str  # "document" | "status" | "business"
    ids: tuple[int, ...]


def _pdf_text(pdf: bytes) -> str:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(pdf)) as doc:
            return "\n".join(page.extract_text() or "" for page in doc.pages)[:MAX_TEXT]
    except Exception:  # noqa: BLE001 - text is for search only; an odd PDF still registers
        return ""


def _check_signer(svc: Services, env: edxml.SignedEnvelope) -> None:
    """The XML signer's certificate must chain to a configured trust root."""
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError

    from ..signing.pki import to_asn1_cert

    vc = ValidationContext(trust_roots=[to_asn1_cert(c) for c in svc.trust_roots], allow_fetching=False,
                           revocation_mode="soft-fail")
    validator = CertificateValidator(to_asn1_cert(env.signer_cert),
                                     intermediate_certs=[to_asn1_cert(c) for c in env.chain], validation_context=vc)
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature"}))
    except (PathBuildingError, PathValidationError) as exc:
        raise PackageRefused(code="edxml_in_signer_untrusted") from exc


def _validate(svc: Services, pdf: bytes):
    try:
        return validate_pdf(pdf, trust_roots=svc.trust_roots)
    except SignatureCoreError as exc:
        raise PackageRefused(code="edxml_in_pdf_unreadable", params={"reason": exc.reason_vi}) from exc


def _next_arrival(session: Session, org_id: int, year: int) -> int:
    # Same discipline as the outgoing register: the counter UPDATE is the transaction's lock.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(IncomingCounter).values(organisation_id=org_id, year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["organisation_id", "year"]))
    session.execute(update(IncomingCounter).where(IncomingCounter.organisation_id == org_id,
                                                  IncomingCounter.year == year)
                    .values(last_number=IncomingCounter.last_number + 1))
    number = session.scalar(select(IncomingCounter.last_number).where(
        IncomingCounter.organisation_id == org_id, IncomingCounter.year == year)
        .execution_options(populate_existing=True))
    assert number is not None
    return number


def receive(session: Session, svc: Services, p: Principal | None, actor: Actor, data: bytes) -> Received:
    """Take a package or a status message from another system. Commits; refuses with nothing written.

    Through the API a clerk's account may deliver only to organisations in its scope, an admin
    (or the hub's service account) to any; ``p=None`` is the inbox folder, which only this
    machine's own processes can write to.
    """
    if p is not None:
        ensure(p, "exchange.receive")
    try:
        env = edxml.open_envelope(data)
        if edxml.is_status(env.root):
            msg, _ = edxml.open_status(data)
            _check_signer(svc, env)
            return Received("status", (exchange_out.record_status(session, msg, actor).id,))
        pkg, _ = edxml.open_package(data)
    except EdxmlInvalid as exc:
        raise PackageRefused(exc.reason_vi) from exc
    _check_signer(svc, env)
    codes = {o.organ_id for o in pkg.header.recipients}
    orgs = [o for o in session.scalars(select(Organisation).where(Organisation.code.in_(codes),
                                                                  Organisation.code != ""))
            if p is None or can(p, "exchange.deliver_to", o)]
    if not orgs:
        raise PackageRefused(code="edxml_in_no_recipient")
    if pkg.business.doc_type != edxml.NEW:
        return Received("business", tuple(_business(session, svc, actor, org, pkg, data).id for org in orgs))
    pdfs = [a for a in pkg.attachments if a.content_type == "application/pdf"]
    if len(pdfs) != 1:
        raise PackageRefused(code="edxml_in_one_pdf")
    report = _validate(svc, pdfs[0].data)
    if not report.ok:
        raise PackageRefused(code="edxml_in_signature_invalid", params={"summary": report.summary})
    ids = []
    for org in orgs:
        if session.scalar(select(IncomingDocument.id).where(IncomingDocument.organisation_id == org.id,
                                                            IncomingDocument.edxml_document_id
                                                            == pkg.header.document_id)):
            raise Conflict(code="incoming_already_registered",
                           params={"document_id": pkg.header.document_id, "org_name": org.name})
        ids.append(_register(session, svc, actor, org, pkg, data, pdfs[0].data, report.to_dict()).id)
    session.commit()
    for incoming_id in ids:
        for code in ("01", "03"):
            send_status(session, svc, actor, incoming_id, code, "Đã đến" if code == "01" else "Đã vào sổ văn bản đến")
    return Received("document", tuple(ids))


def _register(session: Session, svc: Services, actor: Actor, org: Organisation, pkg: edxml.Package,
              package: bytes, pdf: bytes, validation: dict) -> IncomingDocument:
    h = pkg.header
    year = utcnow().astimezone(exchange_out.VN_TZ).year
    number = _next_arrival(session, org.id, year)
    base = f"exchange/incoming/{org.id:06d}/{year}/{number:05d}"
    row = IncomingDocument(
        organisation_id=org.id, year=year, arrival_number=number, edxml_document_id=h.document_id[:300],
        sender_code=h.sender.organ_id, sender_name=h.sender.organ_name[:255], code_number=h.code_number[:40],
        code_notation=h.code_notation[:120], promulgation_date=h.promulgation_date, place=h.place[:255],
        type_name=h.type_name[:255], subject=h.subject, signer_competence=h.signer.competence[:40],
        signer_position=h.signer.position[:255], signer_name=h.signer.full_name[:255], due_date=h.due_date,
        to_places=list(h.to_places), page_amount=h.other.page_amount, text=_pdf_text(pdf),
        pdf_object_id=objects.put(session, svc.store, validate_key(f"{base}/document.pdf"), pdf,
                                  content_type=objects.PDF).id,
        package_object_id=objects.put(session, svc.store, validate_key(f"{base}/package.xml"), package,
                                      content_type=exchange_out.XML).id,
        validation=validation, status=RECEIVED)
    session.add(row)
    session.flush()
    search_sync.index_incoming(session, row)
    audit.record(session, actor, "edxml_receive", "incoming", row.id, organisation=org.id,
                 document_id=h.document_id, arrival=number)
    return row


def _business(session: Session, svc: Services, actor: Actor, org: Organisation, pkg: edxml.Package,
              package: bytes) -> IncomingDocument:
    """A sender's recall/update/replace: kept pending until the clerk agrees (15) or refuses (16)."""
    target = pkg.business.document_id or pkg.header.document_id
    row = session.scalar(select(IncomingDocument).where(IncomingDocument.organisation_id == org.id,
                                                        IncomingDocument.edxml_document_id == target))
    if row is None:
        raise PackageRefused(code="edxml_in_business_unmatched")
    if row.status == RECALLED:
        raise Conflict(code="incoming_revoked")
    key = validate_key(f"exchange/incoming/{org.id:06d}/{row.year}/{row.arrival_number:05d}/"
                       f"business-{utcnow():%Y%m%d-%H%M%S%f}.xml")
    row.pending_business = pkg.business.doc_type
    row.pending_package_object_id = objects.put(session, svc.store, key, package, content_type=exchange_out.XML).id
    row.business_reason = pkg.business.reason[:2000]
    row.status = RECALL_REQUESTED
    search_sync.index_incoming(session, row)
    audit.record(session, actor, "edxml_business_in", "incoming", row.id, business=pkg.business.doc_type,
                 reason=pkg.business.reason[:500])
    session.commit()
    send_status(session, svc, actor, row.id, "13", f"Nhận yêu cầu {edxml.BUSINESS_TYPES[pkg.business.doc_type]}")
    return row


def send_status(session: Session, svc: Services, actor: Actor, incoming_id: int, code: str,
                description: str, staff: str = "") -> ExchangeStatus:
    """Sign and send a status message about an incoming document; recorded whether or not it got through."""
    row = session.get(IncomingDocument, incoming_id)
    assert row is not None
    ident = svc.exchange_identity
    msg = edxml.StatusMessage(
        sender=exchange_out.organ(row.organisation),
        response_for=edxml.ResponseFor(row.sender_code, row.doc_number, row.promulgation_date,
                                       row.edxml_document_id),
        status_code=code, timestamp=exchange_out.now_vn(), description=description,
        staff=edxml.Staff(department=row.organisation.name[:255], staff=staff))
    status = ExchangeStatus(direction="out", incoming_id=row.id, status_code=code, description=description[:2000],
                            organ_id=row.sender_code, staff=staff[:255], message_time=utcnow())
    data = edxml.build_status(msg, ident.key, ident.cert, ident.chain)
    try:
        send(svc.transport_options, data, f"edxml-status-{row.id}-{code}-{utcnow():%H%M%S%f}.xml")
        status.delivery = "sent"
    except (TransportFailed, ValueError) as exc:
        status.delivery = f"failed: {exc}"[:40]
    row.last_status_code = code
    session.add(status)
    session.commit()
    return status


def get_incoming(session: Session, p: Principal, incoming_id: int, action: str = "incoming.view") -> IncomingDocument:
    row = session.get(IncomingDocument, incoming_id)
    if row is None:
        raise NotFound(code="incoming_not_found")
    ensure(p, action, row)
    return row


def mark(session: Session, svc: Services, p: Principal, actor: Actor, incoming_id: int, code: str,
         description: str = "") -> ExchangeStatus:
    """The receiving clerk's progress: 04 assigned, 05 in progress, 06 done."""
    row = get_incoming(session, p, incoming_id, "incoming.process")
    if code not in CLERK_CODES:
        raise ValidationFailed(code="incoming_status_invalid",
                               fields={"code": code[:8]})
    if row.status == RECALLED:
        raise Conflict(code="incoming_document_revoked")
    audit.record(session, actor, "edxml_status_out", "incoming", row.id, code=code)
    return send_status(session, svc, actor, row.id, code, description[:2000] or edxml.STATUS_CODES[code],
                       p.user.full_name)


def answer_business(session: Session, svc: Services, p: Principal, actor: Actor, incoming_id: int,
                    agree: bool) -> IncomingDocument:
    """Agree (15) or refuse (16) the sender's pending recall/update/replace."""
    row = get_incoming(session, p, incoming_id, "incoming.process")
    if not row.pending_business or row.pending_package_object_id is None:
        raise Conflict(code="incoming_no_business_pending")
    kind = row.pending_business
    if agree and kind == edxml.REVOKE:
        row.status = RECALLED
    elif agree:
        stored = session.get(StoredObject, row.pending_package_object_id)
        assert stored is not None
        pkg, _ = edxml.open_package(objects.read(svc.store, stored))
        pdf = next(a.data for a in pkg.attachments if a.content_type == "application/pdf")
        report = _validate(svc, pdf)
        key = validate_key(f"exchange/incoming/{row.organisation_id:06d}/{row.year}/{row.arrival_number:05d}/"
                           f"document-{utcnow():%Y%m%d-%H%M%S%f}.pdf")
        row.pdf_object_id = objects.put(session, svc.store, key, pdf, content_type=objects.PDF).id
        row.validation, row.text, row.subject = report.to_dict(), _pdf_text(pdf), pkg.header.subject
        row.status = REPLACED
    else:
        row.status = RECEIVED
    row.pending_business, row.pending_package_object_id = "", None
    search_sync.index_incoming(session, row)
    audit.record(session, actor, "edxml_business_answer", "incoming", row.id, business=kind, agree=agree)
    session.commit()
    send_status(session, svc, actor, row.id, "15" if agree else "16",
                f"{'Đồng ý' if agree else 'Từ chối'} {edxml.BUSINESS_TYPES[kind].lower()}", p.user.full_name)
    return row


def register(session: Session, p: Principal, year: int, query: str = "") -> list[IncomingDocument]:
    """The incoming register of a year for the principal's organisations, newest first."""
    ensure(p, "incoming.list")
    stmt = select(IncomingDocument).where(IncomingDocument.year == year)
    scope = incoming_scope(p)
    if scope is not None:
        stmt = stmt.where(IncomingDocument.organisation_id.in_(scope))
    rows = list(session.scalars(stmt.order_by(IncomingDocument.organisation_id,
                                              IncomingDocument.arrival_number.desc())))
    terms = search_text.words(query[:200]) if query else []
    if not terms:
        return rows
    # Folded as the search index folds ("dang ky", "Đăng ký" and "ĐĂNG KÝ" find the same rows): the query's
    # words, whole and in order, in the number, sender, summary or text. A year's register is small enough
    # to fold in Python, the same way on SQLite and PostgreSQL.
    phrase = f" {' '.join(terms)} "
    return [row for row in rows if phrase in _register_key(row)]


def _register_key(row: IncomingDocument) -> str:
    """The folded words a register search looks in."""
    return search_text.key_text(" ".join((row.code_number, row.code_notation, row.sender_name, row.subject,
                                          row.text or "")))


def statuses(session: Session, incoming_id: int) -> list[ExchangeStatus]:
    return list(session.scalars(select(ExchangeStatus).where(ExchangeStatus.incoming_id == incoming_id)
                                .order_by(ExchangeStatus.id)))


def pdf_of(session: Session, svc: Services, p: Principal, incoming_id: int) -> tuple[IncomingDocument, bytes]:
    row = get_incoming(session, p, incoming_id)
    return row, objects.read(svc.store, row.pdf_object)


def process_inbox(session: Session, svc: Services) -> dict[str, int]:
    """Register every message dropped in the inbox folder; refused ones move aside with the reason."""
    inbox = svc.settings.edxml_dir / "inbox"
    counts = {"accepted": 0, "refused": 0}
    if not inbox.is_dir():
        return counts
    for path in sorted(inbox.glob("*.xml")):
        try:
            receive(session, svc, None, Actor(None, "edxml-inbox"), path.read_bytes())
            target, reason = inbox / "done", ""
            counts["accepted"] += 1
        except DomainError as exc:
            session.rollback()
            target, reason = inbox / "refused", exc.message
            counts["refused"] += 1
        target.mkdir(exist_ok=True)
        path.replace(target / path.name)
        if reason:
            (target / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    return counts
