"""Evidence package of a signed record: the exact signed PDF, its validation report, its audit trail."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime

from jinja2 import Environment, select_autoescape
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy.orm import Session

from .audit import events_for
from .db import utcnow
from .models import Document
from .services import Services
from .signing.validation import validate_pdf
from .workflow import objects

_env = Environment(autoescape=select_autoescape(default=True))
REPORT_HTML = _env.from_string("""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Báo cáo kiểm tra chữ ký — {{ doc.doc_number }}</title>
<style>body{font-family:"Times New Roman",serif;max-width:900px;margin:24px auto}td,th{border:1px solid #999;padding:4px 6px;text-align:left}table{border-collapse:collapse;width:100%;margin-bottom:16px}</style>
</head><body>
<h1>Báo cáo kiểm tra chữ ký số</h1>
<p>Văn bản số <b>{{ doc.doc_number }}</b> ngày {{ doc.issue_date.strftime('%d/%m/%Y') if doc.issue_date else '' }}: {{ doc.title }}</p>
<p>Tệp PDF SHA-256: <code>{{ pdf_sha256 }}</code> · Kiểm tra lúc {{ report.validated_at }}</p>
<p><b>Kết luận:</b> {{ report.summary }}</p>
{% for s in report.signatures %}
<h2>{{ loop.index }}. {{ s.signer_cn }} ({{ 'chứng thực' if s.kind == 'certification' else 'phê duyệt' }})</h2>
<table>
<tr><th>Tổ chức · chức vụ</th><td>{{ s.organisation }} · {{ s.position }}</td></tr>
<tr><th>Chuỗi chứng thư</th><td>{{ s.chain_subjects | join(' → ') }}</td></tr>
<tr><th>Tin cậy / toàn vẹn / hợp lệ</th><td>{{ s.trusted }} / {{ s.intact }} / {{ s.valid }}</td></tr>
<tr><th>Dấu thời gian</th><td>{{ s.timestamp_time }} ({{ s.timestamp_tsa }}), hợp lệ: {{ s.timestamp_valid }}</td></tr>
<tr><th>Phạm vi · mức thay đổi</th><td>{{ s.coverage }} · {{ s.modification_level }}</td></tr>
{% if s.notes %}<tr><th>Ghi chú</th><td>{{ s.notes | join('; ') }}</td></tr>{% endif %}
{% if s.problems %}<tr><th>Vấn đề</th><td>{{ s.problems | join('; ') }}</td></tr>{% endif %}
</table>
{% endfor %}
</body></html>""")


def page_count(pdf: bytes) -> int:
    """Number of pages of a PDF (Decree 30 metadata)."""
    return int(PdfFileReader(io.BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def metadata(doc: Document, pdf: bytes | None) -> dict:
    """Decree 30 metadata of an outgoing document."""
    fields = doc.fields or {}
    signed = [s for s in doc.signatures if s.status == "signed"]
    return {
        "type": fields.get("doc_type", ""), "number": doc.doc_number, "issue_date": doc.issue_date.isoformat()
        if doc.issue_date else None, "organisations": [doc.lead_org.name, doc.partner_org.name],
        "summary": doc.title, "language": "Tiếng Việt", "page_count": page_count(pdf) if pdf else None,
        "signers": [{"position": s.signer.position, "full_name": s.signer.full_name} for s in signed],
        "recipients": fields.get("recipients", []), "copies": len(fields.get("recipients", [])) + 1,
        "status": doc.status,
    }


def _event_dict(e) -> dict:
    return {"id": e.id, "at": e.at.isoformat(), "actor": e.actor_name, "ip": e.ip, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "details": e.details,
            "prev_hash": e.prev_hash, "hash": e.hash}


def build_evidence(session: Session, svc: Services, doc: Document, *, now: datetime | None = None) -> bytes:
    """A ZIP with the signed PDF, validation report (JSON + HTML), audit events and a sha256 manifest."""
    assert doc.pdf_object is not None
    pdf = objects.read(svc.store, doc.pdf_object)
    report = validate_pdf(pdf, trust_roots=svc.trust_roots).to_dict()
    base = (doc.doc_number or f"van-ban-{doc.id}").replace("/", "-")
    files: dict[str, bytes] = {
        f"{base}.pdf": pdf,
        "validation-report.json": json.dumps(report, ensure_ascii=False, indent=2).encode(),
        "validation-report.html": REPORT_HTML.render(doc=doc, report=report, pdf_sha256=doc.pdf_object.sha256).encode(),
        "audit-events.json": json.dumps([_event_dict(e) for e in events_for(session, "document", doc.id)],
                                        ensure_ascii=False, indent=2).encode(),
        "metadata.json": json.dumps(metadata(doc, pdf), ensure_ascii=False, indent=2).encode(),
    }
    manifest = {
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
