"""Drafting: create and edit drafts; every edit is a new version with its DOCX and PDF."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, recipients, search_sync
from ..access import Principal, can, ensure
from ..audit import Actor
from ..drafting.fields import ProgrammeFields
from ..drafting.render import render_docx_text
from ..drafting.templates import TemplateKind
from ..errors import Conflict, Problem, ValidationFailed
from ..models import DECLINED, DRAFT, Document, Organisation, Recipient, RecipientList, TemplateVersion
from ..orgtree import counterpart, is_counterpart
from ..services import Services
from . import objects
from .documents import get_document, lock_document, store_version

EDITABLE = (DRAFT, DECLINED)


@dataclass(frozen=True)
class Rendered:
    """A rendered version before it is stored."""

    fields: ProgrammeFields
    docx: bytes
    pdf: bytes
    text: str


def latest_template(session: Session, kind: str) -> TemplateVersion:
    """The newest uploaded version of a template kind."""
    try:
        TemplateKind(kind)
    except ValueError:
        raise ValidationFailed(code="template_kind_unknown",
                               fields={"kind": Problem("field_template_kind_unknown", kind=kind)}) from None
    tv = session.scalar(
        select(TemplateVersion).where(TemplateVersion.kind == kind).order_by(TemplateVersion.version.desc()).limit(1)
    )
    if tv is None:
        raise ValidationFailed(code="template_missing_for_kind")
    return tv


def parse_fields(kind: str, data: Any, *, strict: bool) -> ProgrammeFields:
    """Parse and validate form/API data into ProgrammeFields (ValidationFailed on errors)."""
    if not isinstance(data, dict):
        raise ValidationFailed(code="fields_not_object")
    needs_parent = kind in (TemplateKind.PROGRAMME_DISTRICT.value, TemplateKind.PROGRAMME_GRASSROOTS.value)
    fields, errors = ProgrammeFields.parse(data, require_parent=strict and needs_parent,
                                           require_report=strict and needs_parent,
                                           letter=kind == TemplateKind.OFFICIAL_LETTER.value)
    if errors or fields is None:
        flat = {path or "_": " ".join(msgs) for path, msgs in errors.items()}
        raise ValidationFailed(code="fields_invalid", fields=flat)
    return fields


def render(svc: Services, template: TemplateVersion, fields: ProgrammeFields, *,
           doc_number: str | None = None, issue_date: date | None = None) -> Rendered:
    """Render the DOCX from the pinned template version and convert it to PDF."""
    template_bytes = objects.read(svc.store, template.object)
    docx, text = render_docx_text(template_bytes, fields, doc_number=doc_number, issue_date=issue_date)
    pdf = svc.converter.convert(docx)
    return Rendered(fields, docx, pdf, text)


def _orgs_for(session: Session, p: Principal, lead_org_id: int | None, partner_org_id: int | None
              ) -> tuple[Organisation, Organisation]:
    lead = session.get(Organisation, lead_org_id) if lead_org_id else p.user.organisation
    if lead is None or not can(p, "organisation.draft_for", lead):
        raise ValidationFailed(code="lead_org_invalid", fields={"lead_org_id": Problem("field_org_out_of_scope")})
    partner = session.get(Organisation, partner_org_id) if partner_org_id else counterpart(session, lead)
    if partner is None or partner.id == lead.id:
        raise ValidationFailed(code="partner_org_missing",
                               fields={"partner_org_id": Problem("field_partner_required")})
    if not is_counterpart(lead, partner):
        # The partner's chair signs and its clerks see the document: only the counterpart unit qualifies.
        raise ValidationFailed(code="partner_org_invalid",
                               fields={"partner_org_id": Problem("field_partner_peer")})
    return lead, partner


def recipient_choices(session: Session, p: Principal, doc: Document | None = None
                      ) -> tuple[list[Recipient], list[RecipientList]]:
    """What the draft form offers under "Chọn từ danh bạ": the lead organisation's own entries and lists
    plus the shared ones, never another organisation's."""
    org_id = doc.lead_org_id if doc is not None else p.user.organisation_id
    return recipients.directory(session, org_id), recipients.lists(session, org_id)


def with_recipients(session: Session, data: Any, recipient_ids: list[int] | None,
                    list_ids: list[int] | None, org_id: int, *, keep_printed: bool = False
                    ) -> tuple[Any, list[Recipient] | None]:
    """Put the names of chosen entries and lists (of ``org_id``'s directory or the shared one) into the
    printed Nơi nhận list, in place of it (API) or ahead of the lines typed there (``keep_printed``: the
    draft form); returns the data and the chosen entries (None when nothing was chosen)."""
    if not (recipient_ids or list_ids) or not isinstance(data, dict):
        return data, None
    chosen = recipients.resolve(session, recipient_ids=list(recipient_ids or []), list_ids=list(list_ids or []),
                                org_id=org_id)
    names = [r.name for r in chosen]
    typed = data.get("recipients") if keep_printed else None
    if isinstance(typed, list):
        names += [n for n in typed if isinstance(n, str) and n.strip() and n.strip() not in names]
    return {**data, "recipients": names}, chosen


def link_recipients(session: Session, doc: Document, fields: ProgrammeFields,
                    chosen: list[Recipient] | None) -> None:
    """Link the recipients who receive the issued document: the chosen entries by id, then the other printed
    names found in the lead organisation's own directory or the shared list (never another's)."""
    rows = list(chosen or [])
    names = {r.name for r in rows}
    rows += [r for r in recipients.by_printed_name(session, doc.lead_org_id, list(fields.recipients))
             if r.name not in names]
    recipients.set_document_recipients(session, doc.id, rows)


def create_draft(session: Session, svc: Services, p: Principal, actor: Actor, *, kind: str, data: Any,
                 lead_org_id: int | None = None, partner_org_id: int | None = None,
                 parent_id: int | None = None, routing: str = "any", basis_incoming_id: int | None = None,
                 answers_incoming_id: int | None = None,
                 recipient_ids: list[int] | None = None, recipient_list_ids: list[int] | None = None,
                 keep_printed: bool = False, pre_rendered: Rendered | None = None,
                 template: TemplateVersion | None = None) -> Document:
    """Create a draft and its first version; commits. ``pre_rendered`` skips rendering and ``template``
    (the kind's latest version, looked up once by a batch job) its lookup."""
    ensure(p, "document.create")
    if routing not in ("any", "sequential"):
        raise ValidationFailed(code="signing_order_invalid", fields={"routing": Problem("field_signing_order")})
    if template is None or template.kind != kind:
        template = latest_template(session, kind)
    lead, partner = _orgs_for(session, p, lead_org_id, partner_org_id)
    data, chosen = with_recipients(session, data, recipient_ids, recipient_list_ids, lead.id,
                                   keep_printed=keep_printed)
    fields = parse_fields(kind, data, strict=False)
    if parent_id is not None and session.get(Document, parent_id) is None:
        raise ValidationFailed(code="parent_document_unknown", fields={"parent_id": Problem("field_not_found")})
    rendered = pre_rendered if pre_rendered is not None and pre_rendered.fields == fields else render(
        svc, template, fields)
    doc = Document(kind=kind, title=fields.summary[:2000], status=DRAFT, fields=fields.to_dict(),
                   template_version_id=template.id, lead_org_id=lead.id, partner_org_id=partner.id,
                   parent_id=parent_id, routing=routing, created_by_id=p.user.id,
                   basis_incoming_id=basis_incoming_id, answers_incoming_id=answers_incoming_id)
    session.add(doc)
    session.flush()
    store_version(session, svc, doc, rendered, user_id=p.user.id, stage="draft", note="Tạo dự thảo")
    link_recipients(session, doc, fields, chosen)
    search_sync.index(session, doc)
    audit.record(session, actor, "create", "document", doc.id, kind=kind, version=doc.current_version)
    session.commit()
    return doc


def update_draft(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, *, data: Any,
                 expected_version: int | None = None, routing: str | None = None,
                 recipient_ids: list[int] | None = None, recipient_list_ids: list[int] | None = None,
                 keep_printed: bool = False) -> Document:
    """Save an edit as a new version; a declined document returns to draft. Commits."""
    doc = get_document(session, p, doc_id, "document.edit")
    data, chosen = with_recipients(session, data, recipient_ids, recipient_list_ids, doc.lead_org_id,
                                   keep_printed=keep_printed)
    if doc.status not in EDITABLE:
        raise Conflict(code="edit_not_draft")
    if routing is not None and routing not in ("any", "sequential"):
        raise ValidationFailed(code="signing_order_invalid", fields={"routing": Problem("field_signing_order")})
    fields = parse_fields(doc.kind, data, strict=False)
    assert doc.template_version is not None  # only records from before the system have none, and they are final
    rendered = render(svc, doc.template_version, fields)
    locked = lock_document(session, doc_id)
    assert locked is not None
    if locked.status not in EDITABLE:
        session.rollback()
        raise Conflict(code="edit_submitted")
    if expected_version is not None and expected_version != locked.current_version:
        session.rollback()
        raise Conflict(code="edit_stale_version", params={"version": locked.current_version})
    store_version(session, svc, locked, rendered, user_id=p.user.id, stage="draft", note="Chỉnh sửa")
    link_recipients(session, locked, fields, chosen)
    locked.status = DRAFT
    if routing:
        locked.routing = routing
    search_sync.index(session, locked)
    audit.record(session, actor, "edit", "document", locked.id, version=locked.current_version)
    session.commit()
    return locked
