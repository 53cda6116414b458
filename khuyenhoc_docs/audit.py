"""Hash-chained audit trail: append and verify (plain Python over a session)."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .db import rowcount, utcnow
from .models import AuditEvent, AuditHead, User

GENESIS = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where."""

    user: User | None = None
    ip: str = ""

    @property
    def name(self) -> str:
        return self.user.username if self.user else ""


def _digest(event: AuditEvent) -> str:
    payload = {
        "id": event.id,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "prev": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    # The UPDATE takes the row (PostgreSQL) or write (SQLite) lock before we read the tip,
    # so concurrent appenders from several processes queue instead of forking the chain.
    res = session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_event_id=AuditHead.last_event_id))
    if rowcount(res) == 0:
        session.add(AuditHead(id=1, last_event_id=0, last_hash=GENESIS))
        session.flush()
    return session.execute(select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)).scalar_one()


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj_type: str = "",
    obj_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction (commit stays with the caller)."""
    head = _lock_head(session)
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user.id if actor.user else None,
        actor_name=actor.name,
        ip=actor.ip[:64],
        action=action,
        object_type=obj_type,
        object_id=obj_id,
        details=json.loads(json.dumps(details, default=str, ensure_ascii=False)),
        prev_hash=head.last_hash,
        hash="",
    )
    session.add(event)
    session.flush()
    event.hash = _digest(event)
    head.last_event_id = event.id
    head.last_hash = event.hash
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    """Outcome of a full chain verification."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 1000) -> ChainCheck:
    """Recompute every hash in order; name the first event that does not match."""

    def events() -> Iterator[AuditEvent]:
        last_id = 0
        while True:
            page: Sequence[AuditEvent] = session.scalars(
                select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            ).all()
            if not page:
                return
            yield from page
            last_id = page[-1].id

    def tip() -> str | None:
        # Read after the events, as appenders move the head after writing theirs.
        head = session.get(AuditHead, 1)
        return head.last_hash if head is not None else None

    return verify_events(events(), tip)


def verify_events(events: Iterable[AuditEvent], head_hash: Callable[[], str | None]) -> ChainCheck:
    """Check a sequence of events (ordered by id) against each other and the head's tip (None: no head).

    Also used on events read from a backup, outside any session.
    """
    prev = GENESIS
    checked = 0
    for ev in events:
        if ev.prev_hash != prev:
            return ChainCheck(False, checked, ev.id, "prev_hash does not match the previous event")
        if _digest(ev) != ev.hash:
            return ChainCheck(False, checked, ev.id, "content does not match its hash")
        prev = ev.hash
        checked += 1
    tip = head_hash()
    if tip is not None and tip != prev:
        return ChainCheck(False, checked, None, "the chain's tip does not match the head (events removed?)")
    return ChainCheck(True, checked)


def events_for(session: Session, obj_type: str, obj_id: int) -> list[AuditEvent]:
    """A document's (or other object's) history, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == obj_type, AuditEvent.object_id == obj_id)
            .order_by(AuditEvent.id)
        )
    )
