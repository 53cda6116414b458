"""Submission for signature (number + date + signature fields) and withdrawal."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, register, search_sync
from ..access import Principal
from ..audit import Actor
from ..drafting.fields import ProgrammeFields
from ..errors import Conflict, ValidationFailed
from ..models import (
    AWAITING,
    DECLINED,
    DRAFT,
    ENTRY_ACTIVE,
    SIG_CANCELLED,
    SIG_PENDING,
    SIGNED,
    WITHDRAWN,
    Document,
    RegisterEntry,
    Signature,
    User,
    UserRole,
)
from ..services import Services
from ..signing import SignatureBlockNotFound
from ..signing.copy_stamp import copy_field_box
from ..signing.fields import SignatureBlock, locate_signature_boxes, prepare_fields
from ..signing.record_code import new_record_code, public_url, stamp_record_code
from . import drafting
from .documents import get_document, lock_document, store_version

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FIELD_A, FIELD_B = "sig_a", "sig_b"  # party_a's and party_b's blocks


def today_vn() -> date:
    """The calendar date in Vietnam: numbering years and issue dates follow it."""
    return datetime.now(VN_TZ).date()


def _chair_for(session: Session, organisation_ids: tuple[int, int], signer_name: str) -> User:
    """The chair account of either organisation whose full name is the printed signer name."""
    chairs = list(session.scalars(
        select(User).join(UserRole).where(User.organisation_id.in_(organisation_ids), UserRole.role == "chair",
                                          User.active.is_(True))
    ))
    wanted = signer_name.strip().casefold()
    for chair in chairs:
        if chair.full_name.strip().casefold() == wanted:
            return chair
    raise ValidationFailed(
        f"Không có tài khoản người ký “{signer_name}” thuộc tổ chức này; quản trị viên cần tạo tài khoản Chủ tịch/Bí thư.",
        fields={"signer_name": signer_name},
    )


def signature_blocks(fields: ProgrammeFields) -> list[SignatureBlock]:
    """The two blocks to locate in the PDF: (field, position line, name)."""
    return [
        SignatureBlock(FIELD_A, fields.party_a.position, fields.party_a.signer_name),
        SignatureBlock(FIELD_B, fields.party_b.position, fields.party_b.signer_name),
    ]


def submit(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int,
           *, on: date | None = None) -> Document:
    """Number the document, render the final PDF with both empty signature fields, route to chairs.

    The register counter and the document row stay locked until commit, so the number is
    gap-free and unique across processes; any failure rolls back and consumes nothing.
    """
    doc = get_document(session, p, doc_id, "document.submit")
    if doc.status not in (DRAFT, DECLINED):
        raise Conflict("Chỉ trình ký được văn bản ở trạng thái dự thảo hoặc bị từ chối ký.")
    fields = drafting.parse_fields(doc.kind, doc.fields, strict=True)
    orgs = (doc.lead_org_id, doc.partner_org_id)
    chair_a = _chair_for(session, orgs, fields.party_a.signer_name)
    chair_b = _chair_for(session, orgs, fields.party_b.signer_name)
    if chair_a.id == chair_b.id:
        raise ValidationFailed("Hai người ký phải là hai người khác nhau.")
    if not fields.org_abbrs:
        fields = replace(fields, org_abbrs=(doc.lead_org.abbreviation, doc.partner_org.abbreviation))
    issue_date = on or today_vn()

    locked = lock_document(session, doc_id)
    if locked is None or locked.status not in (DRAFT, DECLINED):
        session.rollback()
        raise Conflict("Văn bản vừa được trình ký bởi người khác.")
    existing = session.scalar(select(RegisterEntry).where(RegisterEntry.document_id == doc_id,
                                                          RegisterEntry.status == ENTRY_ACTIVE))
    if existing is not None:
        # A declined document keeps its number when it is submitted again.
        doc_number, alloc = existing.doc_number, None
    else:
        alloc = register.allocate(session, organisation_id=locked.lead_org_id, year=issue_date.year,
                                  type_abbr=fields.type_abbr, org_abbrs=fields.org_abbrs, on=issue_date)
        doc_number = alloc.doc_number
    assert locked.template_version is not None  # only records from before the system have none, and they are final
    rendered = drafting.render(svc, locked.template_version, fields, doc_number=doc_number, issue_date=issue_date)
    try:
        boxes = locate_signature_boxes(rendered.pdf, signature_blocks(fields))
    except SignatureBlockNotFound as exc:
        session.rollback()
        raise ValidationFailed(exc.reason_vi) from exc
    if locked.record_code is None:
        locked.record_code = new_record_code()
    # the record code and its QR go on page 1 before the fields, so every signature covers them
    coded = stamp_record_code(rendered.pdf, locked.record_code, public_url(svc.settings.base_url, locked.record_code))
    prepared = prepare_fields(coded, [*boxes, copy_field_box(coded)])  # the copy field: see copy_field_box
    rendered = replace(rendered, pdf=prepared)
    version = store_version(session, svc, locked, rendered, user_id=p.user.id, stage="submitted",
                                     note="Trình ký", metadata={"doc-number": doc_number})
    if alloc is not None:
        register.record(session, alloc, document_id=locked.id, issue_date=issue_date, summary=fields.summary)
    for sig in session.scalars(select(Signature).where(Signature.document_id == locked.id,
                                                       Signature.status == SIG_PENDING)):
        sig.status = SIG_CANCELLED
    for order, (chair, field) in enumerate(((chair_a, FIELD_A), (chair_b, FIELD_B)), start=1):
        session.add(Signature(document_id=locked.id, version_id=version.id, signer_id=chair.id,
                              field_name=field, order=order))
    locked.doc_number = doc_number
    locked.issue_date = issue_date
    locked.status = AWAITING
    search_sync.index(session, locked)
    audit.record(session, actor, "submit", "document", locked.id, doc_number=doc_number,
                 version=version.number, signers=[chair_a.username, chair_b.username])
    session.commit()
    return locked


def withdraw(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int, reason: str) -> Document:
    """Withdraw a submitted or signed (not yet issued) document; its number becomes void."""
    doc = get_document(session, p, doc_id, "document.withdraw")
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationFailed("Cần nhập lý do thu hồi (tối đa 2000 ký tự).", fields={"reason": "Bắt buộc."})
    locked = lock_document(session, doc_id)
    if locked is None or locked.status not in (AWAITING, SIGNED, DECLINED):
        session.rollback()
        raise Conflict("Chỉ thu hồi được văn bản đang chờ ký, bị từ chối hoặc đã ký nhưng chưa phát hành.")
    voided = register.void(session, doc.id, reason)
    for sig in session.scalars(select(Signature).where(Signature.document_id == doc.id, Signature.status == SIG_PENDING)):
        sig.status = SIG_CANCELLED
    locked.status = WITHDRAWN
    search_sync.index(session, locked)
    audit.record(session, actor, "withdraw", "document", doc.id, reason=reason,
                 voided=[e.doc_number for e in voided])
    session.commit()
    return locked
