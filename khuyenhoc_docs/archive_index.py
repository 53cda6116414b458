"""Verify against the archive: every stored record PDF is indexed by the sha256 of each of its
revisions (bytes up to each %%EOF), so an uploaded copy is matched by a few indexed lookups,
never by reading stored PDFs.

Answers: ``identical`` (byte for byte a stored version), ``earlier_revision`` (a prefix of a
stored version: it lacks the later signatures), ``modified`` (shares a stored revision, then has
changes of its own), ``unknown``.

The match's one-line verdict (Vietnamese) is part of the answer shown with the record, like the
validation report's words; refusals are raised by code (``web/messages/``)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import RevisionHash, StoredObject

_KEY = re.compile(r"^documents/(\d{6})/v(\d{4})/")
_EOF = re.compile(rb"%%EOF(\r\n|\r|\n)?")
_SIG = re.compile(rb"/ByteRange\s*\[")


def revision_ends(pdf: bytes) -> list[int]:
    """Offsets just past each %%EOF marker (and its end-of-line)."""
    return [m.end() for m in _EOF.finditer(pdf)]


def index_pdf(session: Session, row: StoredObject, pdf: bytes) -> None:
    """Record the revisions of a record's PDF (called for every PDF stored under documents/)."""
    match = _KEY.match(row.key)
    if match is None or not pdf.startswith(b"%PDF-"):
        return
    # one pass over the bytes: each prefix's hash and signature count continue the previous one's
    digest, signatures, start = hashlib.sha256(), 0, 0
    for n, end in enumerate(revision_ends(pdf), start=1):
        digest.update(memoryview(pdf)[start:end])
        signatures += len(_SIG.findall(pdf, start, end))
        start = end
        session.add(RevisionHash(
            document_id=int(match.group(1)), object_id=row.id, version=int(match.group(2)), revision=n,
            sha256=digest.copy().hexdigest(), signatures=signatures, final=end == len(pdf)))
    session.flush()


@dataclass(frozen=True)
class ArchiveMatch:
    status: str  # identical | earlier_revision | modified | unknown
    document_id: int | None = None
    doc_number: str | None = None
    version: int | None = None
    missing_signatures: int | None = None  # earlier_revision: how many the record has beyond the copy
    revisions_after: int | None = None  # modified: incremental updates after the shared revision
    bytes_after_eof: bool = False  # modified: data appended after the shared revision's %%EOF

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """The opening sentence of the verification summary (Vietnamese)."""
        number = self.doc_number or f"#{self.document_id}"
        if self.status == "identical":
            return f"Tệp trùng khớp từng byte với bản lưu trữ của văn bản số {number} (phiên bản {self.version})."
        if self.status == "earlier_revision":
            return (f"Đây là một phiên bản trước của văn bản số {number}: còn thiếu {self.missing_signatures} "
                    "chữ ký hoặc dấu thời gian so với bản lưu trữ.")
        if self.status == "modified":
            changes = []
            if self.revisions_after:
                changes.append(f"{self.revisions_after} lần cập nhật (sửa đổi) được thêm vào")
            if self.bytes_after_eof:
                changes.append("dữ liệu lạ được nối vào sau dấu kết thúc tệp (%%EOF)")
            return (f"Tệp có chung phần đã ký với văn bản số {number} nhưng đã bị thay đổi sau đó: "
                    + "; ".join(changes) + ".")
        return "Không tìm thấy văn bản nào trong kho lưu trữ trùng với tệp này."


_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def trailing_changes(pdf: bytes) -> tuple[int, bool]:
    """(revisions after the last signature or timestamp that are not validation data (DSS),
    data after the final %%EOF). pyHanko tolerates both (an /Info edit is not a content change),
    but a verifier should name them."""
    ends = revision_ends(pdf)
    signed_ends = [int(m.group(3)) + int(m.group(4)) for m in _BYTE_RANGE.finditer(pdf)]
    if not ends or not signed_ends:
        return 0, False
    last = max(signed_ends)
    count, prev = 0, 0
    for end in ends:
        # a DSS update rewrites the DSS dictionary itself (the catalog only refers to it)
        if end > last and not re.search(rb"/(OCSPs|CRLs|Certs|VRI)\b", pdf[prev:end]):
            count += 1
        prev = end
    return count, bool(pdf[ends[-1]:].strip())


def trailing_sentence(pdf: bytes) -> str:
    count, appended = trailing_changes(pdf)
    parts = []
    if count:
        parts.append(f"có {count} lần cập nhật sau chữ ký cuối cùng (ví dụ sửa thông tin mô tả tài liệu /Info), "
                     "không được chữ ký nào bảo vệ")
    if appended:
        parts.append("có dữ liệu lạ sau dấu kết thúc tệp (%%EOF)")
    return ("Lưu ý: " + "; ".join(parts) + ".") if parts else ""


def _current_signatures(session: Session, hit: RevisionHash) -> int:
    """Signatures (and timestamps) in the record's current PDF."""
    return session.scalar(select(func.max(RevisionHash.signatures)).where(
        RevisionHash.object_id == hit.document.pdf_object_id)) or 0


def _later(session: Session, hit: RevisionHash) -> bool:
    """Does the record's current PDF extend this stored PDF (same bytes, more revisions)?"""
    return (session.scalar(select(func.count()).select_from(RevisionHash).where(
        RevisionHash.object_id == hit.document.pdf_object_id, RevisionHash.sha256 == hit.sha256)) or 0) > 0


def match_upload(session: Session, pdf: bytes) -> ArchiveMatch:
    """Where ``pdf`` stands relative to the archive (see the module docstring)."""
    full = hashlib.sha256(pdf).hexdigest()
    hits = list(session.scalars(select(RevisionHash).where(RevisionHash.sha256 == full)
                                .order_by(RevisionHash.id.desc())))
    # Prefer the record's current PDF: intermediate PDFs (after the first signature, before the
    # archive timestamp) are stored too, but a copy of one is an earlier revision of the record.
    current = [h for h in hits if h.object_id == h.document.pdf_object_id]
    for hit in current or hits:
        if hit.final and (current or hit.object_id == hit.document.pdf_object_id or not _later(session, hit)):
            return ArchiveMatch("identical", hit.document_id, hit.document.doc_number, hit.version)
        missing = _current_signatures(session, hit) - hit.signatures
        return ArchiveMatch("earlier_revision", hit.document_id, hit.document.doc_number, hit.version,
                            missing_signatures=max(missing, 0))
    ends = revision_ends(pdf)
    for i in range(len(ends) - 1, -1, -1):  # the longest shared prefix wins
        digest = hashlib.sha256(pdf[:ends[i]]).hexdigest()
        prefix = session.scalars(select(RevisionHash).where(RevisionHash.sha256 == digest)
                                 .order_by(RevisionHash.id.desc())).first()
        if prefix is not None:
            return ArchiveMatch("modified", document_id=prefix.document_id, doc_number=prefix.document.doc_number,
                                version=prefix.version, revisions_after=len(ends) - 1 - i,
                                bytes_after_eof=len(pdf) > ends[-1])
    return ArchiveMatch("unknown")
