"""Access rules, all in one place. Views, workflow functions and templates ask ``can``/``ensure``;
nothing else compares roles, users or organisations to decide who may do what."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, bindparam, not_, or_, select
from sqlalchemy.orm import Session

from .errors import Forbidden
from .models import (
    SIG_CANCELLED,
    SIG_PENDING,
    SIG_SIGNED,
    Document,
    DocumentCount,
    ReportObligation,
    Signature,
    User,
)
from .orgtree import counterpart, scope_ids, scope_of


@dataclass(frozen=True, eq=False)
class Principal:
    """A user together with the organisations they may see (their unit, those below, and those merged into them)."""

    user: User
    session: Session = field(repr=False)

    @classmethod
    def of(cls, session: Session, user: User) -> Principal:
        return cls(user, session)

    @cached_property
    def scope(self) -> frozenset[int]:
        """Read on first use (one query): a list of documents has it in its own statements."""
        return frozenset(scope_ids(self.session, self.user.organisation_id))

    def has(self, *roles: str) -> bool:
        return self.user.has_role(*roles)

    def in_scope(self, doc: Document) -> bool:
        return doc.lead_org_id in self.scope or doc.partner_org_id in self.scope

    def leads(self, doc: Document) -> bool:
        """The document's lead organisation is in scope (the partner's people only view and sign)."""
        return doc.lead_org_id in self.scope


def in_scope_clause(p: Principal) -> ColumnElement[bool]:
    """SQL form of ``Principal.in_scope``: the lead or partner organisation is in the scope."""
    return or_(Document.lead_org_id.in_(p.scope), Document.partner_org_id.in_(p.scope))


def visible_documents_clause(p: Principal) -> ColumnElement[bool] | None:
    """SQL form of "document.view" for listings (None: everything, for admins)."""
    if p.has("admin"):
        return None
    signed_by_me = select(Signature.document_id).where(Signature.signer_id == p.user.id)
    return or_(in_scope_clause(p), Document.id.in_(signed_by_me))


# "document.view" for listings, built once with parameters (building a statement costs about as much
# as running it, and a reused statement keeps its cache key): ``listing_params`` gives the values.
# On the table's columns, so statements made of them stay Core (no ORM loading for plain rows).
_SCOPE, _ME = scope_of(bindparam("org_id", type_=Integer)), bindparam("me_id", type_=Integer)
_DOCS, _COUNTS = Document.__table__.c, DocumentCount.__table__.c
_SIGNED_BY_ME = select(Signature.__table__.c.document_id).where(Signature.__table__.c.signer_id == _ME)
_DOC_IN_SCOPE = or_(_DOCS.lead_org_id.in_(_SCOPE), _DOCS.partner_org_id.in_(_SCOPE))
VISIBLE_DOCUMENTS = or_(_DOC_IN_SCOPE, _DOCS.id.in_(_SIGNED_BY_ME))
# The same documents counted: the counters of the (lead, partner) pairs in scope plus the documents
# outside those pairs that the principal signs (organisations outside their scope).
VISIBLE_PAIRS = or_(_COUNTS.lead_org_id.in_(_SCOPE), _COUNTS.partner_org_id.in_(_SCOPE))
VISIBLE_OUTSIDE_PAIRS = and_(_DOCS.id.in_(_SIGNED_BY_ME), not_(_DOC_IN_SCOPE))


def listing_params(p: Principal) -> dict[str, Any] | None:
    """The values of ``VISIBLE_DOCUMENTS``, ``VISIBLE_PAIRS`` and ``VISIBLE_OUTSIDE_PAIRS`` for the
    principal; None when they see every document (admins: no condition at all)."""
    if p.has("admin"):
        return None
    return {"org_id": p.user.organisation_id, "me_id": p.user.id}


def search_scope(p: Principal) -> frozenset[int] | None:
    """Organisations whose records the principal may search (None: all, for admins)."""
    return None if p.has("admin") else p.scope


def register_scope(p: Principal) -> frozenset[int]:
    """Organisations whose outgoing register the principal reads (their unit and those below)."""
    return p.scope


@dataclass(frozen=True)
class ReportUnit:
    """A yearly report obligation with the organisations that act on it: the unit and its counterpart."""

    obligation: ReportObligation
    org_ids: frozenset[int]

    @classmethod
    def of(cls, session: Session, o: ReportObligation) -> ReportUnit:
        partner = counterpart(session, o.unit)
        return cls(o, frozenset({o.unit_org_id} | ({partner.id} if partner else set())))


def incoming_scope(p: Principal) -> frozenset[int] | None:
    """Organisations whose incoming register the principal sees (None: all, for admins)."""
    return None if p.has("admin") else p.scope


def incoming_search_scope(p: Principal) -> frozenset[int] | None:
    """Organisations whose incoming documents the archive search shows the principal: those of
    their incoming register (None: all, for admins); none for anyone else (e.g. chairs)."""
    return incoming_scope(p) if can(p, "incoming.list") else frozenset()


def recipient_directory_owner(p: Principal) -> tuple[int | None, bool]:
    """Whose recipient directory the principal writes to, and whether they read every directory: an
    admin keeps the shared list (None; read-only to clerks) and sees all; a clerk writes and reads
    their own organisation's (plus the shared list), never another organisation's."""
    if p.has("admin"):
        return None, True
    return p.user.organisation_id, False


def _own_org_clerk(p: Principal, org: Any) -> bool:
    """A clerk of exactly this organisation (not of a parent): only they use its seal and key."""
    org_id = org if isinstance(org, int) else getattr(org, "id", None)
    return p.has("clerk") and org_id is not None and p.user.organisation_id == org_id


def seal_side(p: Principal, doc: Document) -> str | None:
    """Which organisation's seal the principal applies on this document: "lead" (its clerk also
    numbers and dates it), "partner", or None (rules "document.seal" / "organisation.seal")."""
    if _own_org_clerk(p, doc.lead_org_id):
        return "lead"
    if _own_org_clerk(p, doc.partner_org_id):
        return "partner"
    return None


def own_report_units(session: Session, p: Principal) -> frozenset[int]:
    """Units whose report lines the principal sees on a programme they do not follow: their own
    organisation and its counterpart of the other family (either may act on the report)."""
    partner = counterpart(session, p.user.organisation)
    return frozenset({p.user.organisation_id} | ({partner.id} if partner else set()))


def _is_signer(p: Principal, doc: Document) -> bool:
    return any(s.signer_id == p.user.id for s in doc.signatures)


def _pending_signer(p: Principal, doc: Document) -> bool:
    return any(s.signer_id == p.user.id and s.status == SIG_PENDING for s in doc.signatures)


def my_pending_signature(p: Principal, doc: Document) -> Signature | None:
    """The principal's own signature task on the document that still waits for them."""
    return next((s for s in doc.signatures if s.signer_id == p.user.id and s.status == SIG_PENDING), None)


def is_my_turn(p: Principal, doc: Document) -> bool:
    """A pending signer whose turn has come: with sequential routing every earlier signature is done."""
    mine = [s for s in doc.signatures if s.signer_id == p.user.id and s.status == SIG_PENDING]
    if not mine:
        return False
    if doc.routing != "sequential":
        return True
    first = min(s.order for s in mine)
    return all(s.status == SIG_SIGNED for s in doc.signatures if s.order < first and s.status != SIG_CANCELLED)


Rule = Callable[[Principal, Any], bool]

RULES: dict[str, Rule] = {
    # Any active account: routes whose workflow function decides on the object itself
    "account.active": lambda p, _: True,
    # Documents
    "document.list": lambda p, _: p.has("admin", "clerk", "chair", "archivist"),
    "document.create": lambda p, _: p.has("clerk"),
    "document.view": lambda p, d: p.has("admin")
    or (p.has("clerk", "chair", "archivist") and p.in_scope(d))
    or _is_signer(p, d),
    # Only the lead organisation's clerks change a document's course; the partner's clerks view it.
    "document.edit": lambda p, d: p.has("clerk") and p.leads(d),
    "document.submit": lambda p, d: p.has("clerk") and p.leads(d),
    "document.withdraw": lambda p, d: p.has("clerk") and p.leads(d),
    "document.issue": lambda p, d: p.has("clerk") and p.in_scope(d),
    # A pending signer may sign; whether their turn has come (sequential routing) is answered by
    # the signing workflow with a 409 naming who signs first, and by "document.sign_now" for pages.
    "document.sign": lambda p, d: p.has("chair") and my_pending_signature(p, d) is not None,
    "document.sign_now": lambda p, d: p.has("chair") and is_my_turn(p, d),
    "document.decline": lambda p, d: p.has("chair") and _pending_signer(p, d),
    # The organisation's digital signature: number + seal by the lead's clerk, seal by the partner's.
    "document.seal": lambda p, d: _own_org_clerk(p, d.lead_org_id) or _own_org_clerk(p, d.partner_org_id),
    # Certified copies (sao y, trích sao): a clerk or archivist of an organisation that keeps the record
    # (a successor keeps its predecessors') signs with their own organisation's key.
    "document.copy": lambda p, d: p.has("clerk", "archivist") and p.in_scope(d),
    # Batch signing page/endpoint; each document is still checked with "document.sign".
    "document.sign_batch": lambda p, _: p.has("chair"),
    # A remote signing request belongs to the chair who started it; admins may look.
    "signing_request.view": lambda p, r: p.has("admin") or r.user_id == p.user.id,
    "signing_request.cancel": lambda p, r: r.user_id == p.user.id,
    "document.verify": lambda p, d: p.has("admin", "clerk", "chair", "archivist")
    and (p.has("admin") or p.in_scope(d) or _is_signer(p, d)),
    # Handing a recipient's personal link over (e.g. no email address on file).
    "document.hand_over_links": lambda p, d: p.has("clerk") and p.in_scope(d),
    # Cascading a signed programme creates drafts for the units below: issue + create.
    "document.cascade": lambda p, d: p.has("clerk") and p.in_scope(d),
    "document.export": lambda p, d: p.has("admin", "clerk", "archivist") and (p.has("admin") or p.in_scope(d)),
    "document.audit": lambda p, d: p.has("admin", "clerk", "archivist") and (p.has("admin") or p.in_scope(d)),
    # Anyone signed in may check an uploaded PDF; it touches no stored record.
    "verify.upload": lambda p, _: True,
    "register.view": lambda p, _: p.has("admin", "clerk", "archivist"),
    "archive.search": lambda p, _: p.has("admin", "clerk", "chair", "archivist"),
    # Drafting on behalf of an organisation (lead of a new draft)
    "organisation.draft_for": lambda p, org: p.has("clerk") and org.id in p.scope,
    # Home page queues
    "home.to_sign": lambda p, _: p.has("chair"),
    "home.drafting": lambda p, _: p.has("clerk"),
    "home.to_seal": lambda p, _: p.has("clerk"),
    "home.archive": lambda p, _: p.has("archivist"),
    "home.admin": lambda p, _: p.has("admin"),
    # Background jobs are seen by whoever started them (and admins)
    "job.view": lambda p, j: p.has("admin") or j.created_by_id == p.user.id,
    # Yearly reports: the dashboard, a programme's every unit line, a unit's own report
    "report.list": lambda p, _: p.has("admin", "clerk", "chair", "archivist"),
    "report.follow": lambda p, d: p.has("admin") or p.in_scope(d),
    "report.submit": lambda p, r: p.has("clerk") and p.user.organisation_id in r.org_ids,
    "report.sign": lambda p, r: p.has("chair") and p.user.organisation_id in r.org_ids,
    # A submitted report file: ``ctx`` is (programme, ReportUnit): whoever sees the unit's line.
    "report.view": lambda p, ctx: p.has("admin")
    or (p.has("clerk", "chair", "archivist") and p.in_scope(ctx[0]))
    or p.user.organisation_id in ctx[1].org_ids,
    # Records from before the system: the clerks and archivists who keep the archive bring them in.
    "legacy.import": lambda p, _: p.has("clerk", "archivist"),
    # The register a pre-system record enters: an organisation the importer keeps (own, below, or succeeded).
    "legacy.keep": lambda p, org: p.has("admin") or org.id in p.scope,
    # Withdrawing a report signature (with a reason, audited) is for those who sign or submit it.
    "report.withdraw_signature": lambda p, r: p.has("chair", "clerk") and p.user.organisation_id in r.org_ids,
    # Administration
    "admin.users": lambda p, _: p.has("admin"),
    "admin.organisations": lambda p, _: p.has("admin"),
    # The tree itself is no secret to anyone signed in (units pick partners and recipients from it).
    "organisation.list": lambda p, _: True,
    "admin.templates": lambda p, _: p.has("admin"),
    "template.list": lambda p, _: p.has("admin", "clerk"),
    "credential.manage": lambda p, _: p.has("admin"),
    # Using an organisation's key (sealing, certified copies): only that organisation's own clerks.
    "organisation.seal": lambda p, org: _own_org_clerk(p, org),
    "recipients.manage": lambda p, _: p.has("admin", "clerk"),
    # The local outbox (no SMTP server configured): what the service would have mailed.
    "outbox.view": lambda p, _: p.has("admin", "clerk"),
    # edXML exchange: packages come in through a clerk's (or the hub's service) account; each
    # incoming document belongs to the organisation it was addressed to.
    "exchange.receive": lambda p, _: p.has("admin", "clerk"),
    "exchange.deliver_to": lambda p, org: p.has("admin") or (p.has("clerk") and org.id in p.scope),
    "incoming.list": lambda p, _: p.has("admin", "clerk", "archivist"),
    "incoming.view": lambda p, r: p.has("admin") or (p.has("clerk", "archivist") and r.organisation_id in p.scope),
    "incoming.process": lambda p, r: p.has("clerk") and r.organisation_id in p.scope,
    # Acting on a received document by drafting: programmes implementing it ("Triển khai") for the
    # receiving organisation and its units, or a reply to its sender ("Trả lời"); each draft is still
    # checked with "document.create" and "organisation.draft_for".
    "incoming.cascade": lambda p, r: p.has("clerk") and r.organisation_id in p.scope,
    "incoming.reply": lambda p, r: p.has("clerk") and r.organisation_id in p.scope,
}


def can(principal: Principal | None, action: str, obj: Any = None) -> bool:
    """True when the principal may perform ``action`` (on ``obj``). Unknown actions are denied."""
    if principal is None or not principal.user.active:
        return False
    rule = RULES.get(action)
    return bool(rule and rule(principal, obj))


def ensure(principal: Principal | None, action: str, obj: Any = None) -> None:
    """Raise Forbidden (code "forbidden"; the web layer words it) unless ``can``."""
    if not can(principal, action, obj):
        raise Forbidden(code="forbidden")
