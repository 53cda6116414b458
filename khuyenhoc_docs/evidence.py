"""Evidence package of a signed record: the exact signed PDF, its validation report, its audit trail."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy.orm import Session

from .audit import events_for
from .db import utcnow
from .filenames import document_basename
from .models import SIG_SIGNED, Document
from .services import Services
from .workflow import objects

# HTML lives in report_templates/ (plain Jinja, no Flask: the evidence package is built by the core).
_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "report_templates"),
                   autoescape=select_autoescape(default=True))
REPORT_HTML = _env.get_template("validation-report.html")


def page_count(pdf: bytes) -> int:
    """Number of pages of a PDF (Decree 30 metadata)."""
    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def metadata(doc: Document, pdf: bytes | None) -> dict:
    """Decree 30 metadata of an outgoing document."""
    fields = doc.fields or {}
    signed = [s for s in doc.signatures if s.status == SIG_SIGNED]
    return {
        "type": fields.get("doc_type", ""), "number": doc.doc_number, "issue_date": doc.issue_date.isoformat()
        if doc.issue_date else None, "organisations": list(dict.fromkeys([doc.lead_org.name, doc.partner_org.name])),
        "summary": doc.title, "language": "Tiếng Việt", "page_count": page_count(pdf) if pdf else None,
        "signers": [{"position": s.signer.position, "full_name": s.signer.full_name} for s in signed]
        or [{"position": "", "full_name": name} for name in fields.get("signers", [])],
        "recipients": fields.get("recipients", []), "copies": len(fields.get("recipients", [])) + 1,
        "status": doc.status,
        # The names stay the issuing organisations' own; a merger only adds who keeps the record now.
        "succession": succession(doc),
        "origin": doc.origin, "legacy": fields.get("legacy"),
    }


def succession(doc: Document) -> list[dict]:
    """Issuing organisations merged or dissolved since, with their successor (the record's keeper)."""
    return [{"organisation": o.name, "dissolved_on": o.dissolved_on.isoformat(),
             "successor": o.successor.name if o.successor else None}
            for o in dict.fromkeys((doc.lead_org, doc.partner_org)) if o.dissolved_on is not None]


def _event_dict(e) -> dict:
    return {"id": e.id, "at": e.at.isoformat(), "actor": e.actor_name, "ip": e.ip, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "details": e.details,
            "prev_hash": e.prev_hash, "hash": e.hash}


def build_evidence(session: Session, svc: Services, doc: Document, *, now: datetime | None = None) -> bytes:
    """A ZIP with the signed PDF, validation report (JSON + HTML), audit events and a sha256 manifest."""
    assert doc.pdf_object is not None
    pdf = objects.read(svc.store, doc.pdf_object)
    report = svc.validate(pdf).to_dict()
    base = document_basename(doc.doc_number, doc.id)  # a ZIP member: never a path
    files: dict[str, bytes] = {
        f"{base}.pdf": pdf,
        "validation-report.json": json.dumps(report, ensure_ascii=False, indent=2).encode(),
        "validation-report.html": REPORT_HTML.render(doc=doc, report=report, pdf_sha256=doc.pdf_object.sha256,
                                                      succession=succession(doc)).encode(),
        "audit-events.json": json.dumps([_event_dict(e) for e in events_for(session, "document", doc.id)],
                                        ensure_ascii=False, indent=2).encode(),
        "metadata.json": json.dumps(metadata(doc, pdf), ensure_ascii=False, indent=2).encode(),
    }
    manifest: dict[str, Any] = {
        "document_id": doc.id, "doc_number": doc.doc_number, "created_at": (now or utcnow()).isoformat(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        zf.writestr("SHA256SUMS", "".join(f"{h}  {n}\n" for n, h in manifest["files"].items()))
    return buf.getvalue()
