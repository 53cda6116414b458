"""Numbering in the outgoing register: per organisation, per calendar year, gap-free.

Numbers are given at sealing by the lead organisation's clerk (Decree 30 Art. 15.3, 17), in
sealing order. The counter row is updated in the sealing transaction (after the document row's
lock), which takes the row lock (PostgreSQL) or the write lock (SQLite) until commit; a
rolled-back sealing therefore never consumes a number, and concurrent sealers in other processes
simply queue. The partner organisation's register records the joint document under the lead's
number (an entry without a number of its own).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .db import utcnow
from .drafting.vn import format_doc_number
from .models import ENTRY_ACTIVE, ENTRY_VOID, SIG_SIGNED, Organisation, RegisterCounter, RegisterEntry

IMPORTED_NOTE = "Hồ sơ có trước hệ thống (nhập sổ theo số gốc)"


@dataclass(frozen=True)
class Allocation:
    """A number taken from the register (not yet committed)."""

    organisation_id: int
    year: int
    number: int
    doc_number: str


def _ensure_counter(session: Session, organisation_id: int, year: int) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(RegisterCounter).values(organisation_id=organisation_id, year=year, last_number=0)
    session.execute(stmt.on_conflict_do_nothing(index_elements=["organisation_id", "year"]))


def allocate(
    session: Session,
    *,
    organisation_id: int,
    year: int,
    type_abbr: str,
    org_abbrs: tuple[str, ...],
    on: date | None = None,
) -> Allocation:
    """Take the next number of ``organisation_id``'s register for ``year``.

    Must run inside the transaction that also stores the document; the lock is held to commit.
    A merged or dissolved organisation's register refuses (Conflict) from the effective date.
    """
    from .succession import ensure_can_number

    org = session.get(Organisation, organisation_id)
    assert org is not None
    ensure_can_number(org, on)
    _ensure_counter(session, organisation_id, year)
    session.execute(
        update(RegisterCounter)
        .where(RegisterCounter.organisation_id == organisation_id, RegisterCounter.year == year)
        .values(last_number=RegisterCounter.last_number + 1)
    )
    number = session.scalar(
        select(RegisterCounter.last_number)
        .where(RegisterCounter.organisation_id == organisation_id, RegisterCounter.year == year)
        .execution_options(populate_existing=True)
    )
    assert number is not None
    return Allocation(organisation_id, year, number, format_doc_number(number, type_abbr, org_abbrs))


def peek(session: Session, organisation_id: int, year: int) -> int:
    """The last number given this year (0 if none); informative only, takes no lock."""
    return session.scalar(select(RegisterCounter.last_number).where(
        RegisterCounter.organisation_id == organisation_id, RegisterCounter.year == year)) or 0


def record_partner(session: Session, *, organisation_id: int, doc_number: str, document_id: int,
                   issue_date: date, summary: str) -> RegisterEntry:
    """The partner's register entry of a joint document: the lead's number, none of its own."""
    entry = RegisterEntry(organisation_id=organisation_id, year=issue_date.year, number=None, role="partner",
                          doc_number=doc_number, document_id=document_id, issue_date=issue_date,
                          summary=summary[:2000])
    session.add(entry)
    session.flush()
    return entry


def record(session: Session, alloc: Allocation, *, document_id: int, issue_date: date, summary: str) -> RegisterEntry:
    """Write the register entry for an allocation (unique constraints back the counter)."""
    entry = RegisterEntry(
        organisation_id=alloc.organisation_id,
        year=alloc.year,
        number=alloc.number,
        doc_number=alloc.doc_number,
        document_id=document_id,
        issue_date=issue_date,
        summary=summary[:2000],
    )
    session.add(entry)
    session.flush()
    return entry


def void(session: Session, document_id: int, reason: str) -> list[RegisterEntry]:
    """Mark a withdrawn document's numbers void; they are never reused."""
    entries = list(
        session.scalars(
            select(RegisterEntry).where(RegisterEntry.document_id == document_id, RegisterEntry.status == ENTRY_ACTIVE)
        )
    )
    for entry in entries:
        entry.status = ENTRY_VOID
        entry.void_reason = reason[:2000]
        entry.voided_at = utcnow()
    session.flush()
    return entries


def entries_for_year(session: Session, organisation_ids: set[int] | frozenset[int], year: int) -> list[RegisterEntry]:
    """Register rows of a year for the given organisations, in number order."""
    return list(
        session.scalars(
            select(RegisterEntry)
            .where(RegisterEntry.organisation_id.in_(organisation_ids), RegisterEntry.year == year)
            # sealing order: numbers rise with it; partner entries (no own number) fall in by date
            .order_by(RegisterEntry.organisation_id, RegisterEntry.issue_date, RegisterEntry.id)
        )
    )


def register_rows(session: Session, organisation_ids: set[int] | frozenset[int], year: int,
                  *, status: str | None = None, query: str = "") -> list:
    """The outgoing register of a year in Decree 30 columns (void numbers included, noted)."""
    from .distribution.register_export import RegisterRow, ack_summary, void_note
    from .models import Dispatch, Document, Signature
    from .vntime import vn_day

    rows = []
    for entry in entries_for_year(session, organisation_ids, year):
        if status and entry.status != status:
            continue
        doc = session.get(Document, entry.document_id)
        assert doc is not None
        if query and query.casefold() not in f"{entry.doc_number} {entry.summary}".casefold():
            continue
        signers = tuple(s.signer.full_name for s in session.scalars(
            select(Signature).where(Signature.document_id == doc.id, Signature.status == SIG_SIGNED)
            .order_by(Signature.order))) or tuple((doc.fields or {}).get("signers", []))  # pre-system: as typed
        dispatches = list(session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id)))
        sent = [d.sent_at for d in dispatches if d.sent_at]
        acked = sum(1 for d in dispatches if d.acknowledged_at)
        rows.append(RegisterRow(
            doc_number=entry.doc_number, issue_date=entry.issue_date,
            doc_type=(doc.fields or {}).get("doc_type", "").capitalize(), summary=entry.summary,
            signers=signers, recipients=tuple((doc.fields or {}).get("recipients", [])),
            archive_unit=(doc.fields or {}).get("archive", "Lưu: VT."), copies=len(dispatches) + 1,
            dispatched_date=vn_day(min(sent)) if sent else None, acknowledged=ack_summary(acked, len(dispatches)),
            notes=(void_note(vn_day(entry.voided_at or entry.created_at), entry.void_reason)
                   if entry.status == ENTRY_VOID else IMPORTED_NOTE if entry.imported
                   else (f"Văn bản phối hợp, số của {doc.lead_org.name}" if entry.role == "partner" else "")),
        ))
    return rows
