"""Certified electronic copies ("sao y", Decree 30 Art. 25–26), signed with the organisation's key.

A digitised paper original becomes a certified copy when the digitising organisation's own clerk signs
it (a new version of the record, validated and kept); any issued record can be copied by a clerk of an
organisation that keeps it (the copy is handed out, the record stays as it is).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, search_sync
from ..access import Principal, ensure
from ..audit import Actor
from ..credentials import active_credential, key_source
from ..db import utcnow
from ..errors import Conflict, ValidationFailed
from ..legacy import DIGITISED
from ..models import Document, DocumentVersion
from ..services import Services
from ..signing import SignatureCoreError
from ..signing.copy_stamp import sign_copy
from ..storage.keys import document_key
from . import objects
from .documents import get_document, lock_document
from .signing import SigningRefused, check_secret

COPY_FORM = "SAO Y"


def certify_digitised(session: Session, svc: Services, p: Principal, actor: Actor, doc_id: int,
                      secret: str) -> Document:
    """Sign a digitised record as its organisation (the copy stamp); audited. Commits; nothing on refusal."""
    doc = get_document(session, p, doc_id)
    ensure(p, "organisation.seal", doc.lead_org)
    if doc.origin != DIGITISED:
        raise Conflict(code="certify_not_digitised")
    if (doc.fields or {}).get("legacy", {}).get("certified"):
        raise Conflict(code="certify_already")
    check_secret(secret)
    cred = active_credential(session, doc.lead_org)
    if cred is None:
        raise ValidationFailed(code="org_credential_missing")
    assert doc.pdf_object is not None  # a digitised record always has its PDF/A
    pdf = objects.read(svc.store, doc.pdf_object)
    now = utcnow()
    try:
        with key_source(cred, secret, svc.trust_roots).open() as key:
            signed = sign_copy(pdf, key=key, cert_chain=svc.trust_roots, form=COPY_FORM,
                               organisation=doc.lead_org.header_name or doc.lead_org.name.upper(), at=now,
                               timestamper=svc.timestamper, validation_context=svc.lt_context(),
                               reason="Sao y bản số hóa từ bản gốc giấy")
    except SignatureCoreError as exc:
        session.rollback()
        raise SigningRefused(exc.reason_vi, code=type(exc).__name__) from exc
    locked = lock_document(session, doc.id)
    assert locked is not None
    if (locked.fields or {}).get("legacy", {}).get("certified"):
        session.rollback()
        raise Conflict(code="certify_already")
    version = locked.current_version + 1
    row = objects.put(session, svc.store, document_key(locked.id, version, "certified", "pdf"), signed,
                      content_type=objects.PDF, metadata={"doc-number": locked.doc_number or "",
                                                          "document-id": str(locked.id), "origin": DIGITISED},
                      retain_until=now + timedelta(days=365 * svc.retention.years))
    report = svc.validate(signed).to_dict()
    text = session.scalar(select(DocumentVersion.text).where(DocumentVersion.document_id == locked.id)
                          .order_by(DocumentVersion.number.desc()).limit(1)) or ""
    fields = dict(locked.fields or {})
    fields["legacy"] = {**fields.get("legacy", {}), "certified": True, "verified": bool(report["ok"]),
                        "certified_at": now.isoformat(), "certified_by": locked.lead_org.name,
                        "reason": "" if report["ok"] else report["summary"]}
    session.add(DocumentVersion(document_id=locked.id, number=version, stage="certified", fields=fields,
                                template_version_id=None, docx_object_id=None, pdf_object_id=row.id, text=text,
                                note="Tổ chức ký số xác nhận bản sao y", created_by_id=p.user.id))
    locked.fields, locked.current_version, locked.pdf_object_id = fields, version, row.id
    locked.validation, locked.validated_at = {**report, "sha256": row.sha256}, now
    session.flush()
    search_sync.index(session, locked)
    audit.record(session, actor, "legacy_certified", "document", locked.id, sha256=row.sha256,
                 organisation=locked.lead_org.name, valid=bool(report["ok"]))
    session.commit()
    return locked

