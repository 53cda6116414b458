"""POST /api/v1/verify answers where an uploaded copy stands against the archive."""
from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from khuyenhoc_docs.archive_index import revision_ends
from tests.flow import seal_both
from tests.test_signing_flow import CHAIRS, current_pdf, sign, submitted


def _verify(client, h, pdf: bytes) -> dict:
    resp = client.post("/api/v1/verify", headers=h, data={"file": (io.BytesIO(pdf), "copy.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def _info_edit(pdf: bytes) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"].get_object()
    info["/Title"] = generic.TextStringObject("Bản đã sửa tiêu đề")
    writer.update_container(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_four_archive_answers(client):
    doc_id, h = submitted(client)
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)  # a record of the archive: numbered, sealed, B-LTA
    record = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
    pdf = current_pdf(client, doc_id, h)

    same = _verify(client, h, pdf)
    assert same["archive_match"]["status"] == "identical"
    assert same["archive_match"]["document_id"] == doc_id
    assert same["archive_match"]["doc_number"] == record["doc_number"]
    assert same["summary"].startswith("Tệp trùng khớp") and same["ok"]

    # the copy a chair kept after signing first: the record has 4 more (chair, 2 seals, document timestamp)
    ends = revision_ends(pdf)
    first_signed = next(e for e in ends if pdf[:e].count(b"/ByteRange") == 1)
    earlier = _verify(client, h, pdf[:first_signed])
    assert earlier["archive_match"]["status"] == "earlier_revision", earlier["archive_match"]
    assert earlier["archive_match"]["missing_signatures"] == 4
    assert earlier["summary"].startswith("Đây là một phiên bản trước của văn bản số " + record["doc_number"])
    assert len(earlier["signatures"]) == 1
    # cut off only the last revision (validation data after the document timestamp)
    assert _verify(client, h, pdf[:ends[-2]])["archive_match"]["status"] == "earlier_revision"

    # an /Info edit pyHanko tolerates, and bytes after %%EOF: both named
    edited = _verify(client, h, _info_edit(pdf))
    assert edited["archive_match"]["status"] == "modified" and edited["archive_match"]["revisions_after"] == 1
    assert edited["summary"].startswith("Tệp có chung phần đã ký với văn bản số")
    assert "1 lần cập nhật sau chữ ký cuối cùng" in edited["summary"], edited["summary"]
    appended = _verify(client, h, pdf + b"\nrac rac rac\n")
    assert appended["archive_match"]["status"] == "modified" and appended["archive_match"]["bytes_after_eof"]
    assert "%%EOF" in appended["summary"]

    # a PDF the archive has never seen (one byte of the header's binary comment differs)
    other = bytearray(pdf[:ends[0]])
    other[10] ^= 0x01
    unknown = _verify(client, h, bytes(other))
    assert unknown["archive_match"] == {"status": "unknown", "bytes_after_eof": False}
    assert unknown["summary"].startswith("Không tìm thấy văn bản nào trong kho lưu trữ")


def test_verify_page_shows_the_archive_match(client):
    from tests.conftest import csrf_token, login

    doc_id, h = submitted(client)
    for chair in CHAIRS:
        assert sign(client, doc_id, chair).status_code == 200
    seal_both(client, doc_id)  # final: B-LTA
    pdf = current_pdf(client, doc_id, h)
    login(client, "luutru")
    token = csrf_token(client, "/verify")
    html = client.post("/verify", data={"csrf_token": token, "file": (io.BytesIO(pdf), "ban-sao.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Đối chiếu kho lưu trữ" in html and "trùng khớp hoàn toàn" in html
    assert "Tình trạng thu hồi" in html and "Chưa bị thu hồi" in html and "B-LTA" in html
