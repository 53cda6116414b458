"""Receiving edXML: the incoming register, refusals that write nothing, statuses back, the inbox folder."""
from __future__ import annotations

import base64
from datetime import date, datetime

from sqlalchemy import func, select

from khuyenhoc_docs import edxml
from khuyenhoc_docs.models import ExchangeStatus, IncomingDocument
from khuyenhoc_docs.pki_store import ensure_demo_pki
from khuyenhoc_docs.signing.pki import create_demo_ca, issue_signing_cert
from tests.conftest import api_token, csrf_token, login

OUTSIDE = edxml.Organ(organ_id="000.00.00.G22", organ_name="Hội Khuyến học Việt Nam")
HKH_CODE = "000.00.31.H05"


def sender_key(app, trusted: bool = True):
    ca = ensure_demo_pki(app.config["KHD_SETTINGS"].pki_dir).ca if trusted else create_demo_ca("Untrusted CA", 2)
    ck = issue_signing_cert(ca, full_name=OUTSIDE.organ_name, organisation=OUTSIDE.organ_name, position="CƠ QUAN",
                            email="hkhvn@demo.local")
    return ck, ca


def package(pdf: bytes, *, to: str = HKH_CODE, number: str = "40", business: edxml.Business | None = None) -> edxml.Package:
    header = edxml.MessageHeader(
        sender=OUTSIDE, recipients=(edxml.Organ(to, "Hội Khuyến học tỉnh Bến Tre"),), code_number=number,
        code_notation="CTPH-HKVN-ĐTNCSHCM", place="Hà Nội", promulgation_date=date(2026, 9, 19),
        type_name="Chương trình", subject="Phối hợp hoạt động khuyến học, khuyến tài giai đoạn 2026 – 2030",
        signer=edxml.Signer("TM.", "CHỦ TỊCH", "Nguyễn Văn A"), to_places=("Hội Khuyến học các tỉnh;",))
    return edxml.Package(header=header, traces=(edxml.Trace(OUTSIDE.organ_id, datetime(2026, 9, 19, 8, 0)),),
                         business=business or edxml.Business(),
                         attachments=(edxml.Attachment("1", "application/pdf", "40.pdf", pdf),))


def signed_package(app, pdf: bytes, *, trusted: bool = True, **kw) -> bytes:
    ck, ca = sender_key(app, trusted)
    return edxml.build_package(package(pdf, **kw), ck.key, ck.cert, (ca.cert,))


def post(client, h, data: bytes):
    return client.post("/api/v1/incoming/edxml", data=data, headers={**h, "Content-Type": "application/xml"})


def count(app, model=IncomingDocument) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(model))


def outbox(app) -> list[bytes]:
    folder = app.config["KHD_SETTINGS"].edxml_dir / "outbox"
    return [p.read_bytes() for p in sorted(folder.glob("*.xml"), key=lambda p: p.stat().st_mtime_ns)]


def test_package_is_registered_and_answered_with_01_then_03(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    resp = post(client, h, signed_package(exchange_app, signed_pdf))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["kind"] == "document"
    (incoming_id,) = resp.get_json()["ids"]
    row = client.get(f"/api/v1/incoming/{incoming_id}", headers=h).get_json()
    assert row["arrival_number"] == 1 and row["doc_number"] == "40/CTPH-HKVN-ĐTNCSHCM"
    assert row["sender_code"] == "000.00.00.G22" and row["organisation"] == "Hội Khuyến học tỉnh Bến Tre"
    assert row["signatures_ok"] is True
    assert [s["status_code"] for s in row["statuses"]] == ["01", "03"]
    sent = [edxml.open_status(m)[0] for m in outbox(exchange_app)]
    assert [m.status_code for m in sent] == ["01", "03"]
    assert sent[0].response_for.document_id == "000.00.00.G22,2026/09/19,40/CTPH-HKVN-ĐTNCSHCM"
    assert client.get(f"/api/v1/incoming/{incoming_id}/file", headers=h).data == signed_pdf
    found = client.get("/api/v1/incoming", headers=h, query_string={"q": "khuyến tài"}).get_json()["items"]
    assert [r["id"] for r in found] == [incoming_id]
    assert client.get("/api/v1/incoming", headers=h, query_string={"q": "không có"}).get_json()["items"] == []
    # the next one gets the next arrival number
    second = post(client, h, signed_package(exchange_app, signed_pdf, number="41"))
    assert client.get(f"/api/v1/incoming/{second.get_json()['ids'][0]}", headers=h).get_json()["arrival_number"] == 2


def test_refusals_write_nothing(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    good = signed_package(exchange_app, signed_pdf)
    assert post(client, h, good).status_code == 201
    assert count(exchange_app) == 1
    dup = post(client, h, good)
    assert dup.status_code == 409 and "đã được vào sổ" in dup.get_json()["error"]["message"]
    tampered = good.replace(base64.b64encode(signed_pdf)[:40], base64.b64encode(b"x" * 30))
    assert post(client, h, tampered).status_code == 422
    untrusted = post(client, h, signed_package(exchange_app, signed_pdf, trusted=False, number="50"))
    assert untrusted.status_code == 422 and "tin cậy" in untrusted.get_json()["error"]["message"]
    elsewhere = post(client, h, signed_package(exchange_app, signed_pdf, to="000.00.99.H99", number="51"))
    assert elsewhere.status_code == 422 and "không gửi tới" in elsewhere.get_json()["error"]["message"]
    middle = len(signed_pdf) // 2
    for n, broken in enumerate((signed_pdf[:-200] + b"0" * 10 + signed_pdf[-190:],
                                signed_pdf[:middle] + bytes([signed_pdf[middle] ^ 1]) + signed_pdf[middle + 1:])):
        bad_sig = post(client, h, signed_package(exchange_app, broken, number=f"5{n + 2}"))
        assert bad_sig.status_code == 422, bad_sig.get_json()
        assert "PDF" in bad_sig.get_json()["error"]["message"] or "Chữ ký số" in bad_sig.get_json()["error"]["message"]
    assert post(client, h, b"<not-xml").status_code == 422
    chair = api_token(client, "chutich.hkh")
    assert post(client, chair, signed_package(exchange_app, signed_pdf, number="53")).status_code == 403
    assert count(exchange_app) == 1


def test_clerk_reports_progress_and_answers_a_recall(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (incoming_id,) = post(client, h, signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    assert client.post(f"/api/v1/incoming/{incoming_id}/status", headers=h, json={"code": "05"}).status_code == 201
    assert client.post(f"/api/v1/incoming/{incoming_id}/status", headers=h, json={"code": "15"}).status_code == 422
    archivist = api_token(client, "luutru")
    assert client.get(f"/api/v1/incoming/{incoming_id}", headers=archivist).status_code == 200
    assert client.post(f"/api/v1/incoming/{incoming_id}/status", headers=archivist, json={"code": "06"}).status_code == 403
    assert client.post(f"/api/v1/incoming/{incoming_id}/answer", headers=h, json={"agree": True}).status_code == 409
    revoke = edxml.Business(doc_type=edxml.REVOKE, reason="Ban hành nhầm đối tượng",
                            document_id="000.00.00.G22,2026/09/19,40/CTPH-HKVN-ĐTNCSHCM")
    got = post(client, h, signed_package(exchange_app, signed_pdf, business=revoke))
    assert got.status_code == 201 and got.get_json()["kind"] == "business"
    row = client.get(f"/api/v1/incoming/{incoming_id}", headers=h).get_json()
    assert row["status"] == "recall_requested" and row["business_reason"] == "Ban hành nhầm đối tượng"
    answered = client.post(f"/api/v1/incoming/{incoming_id}/answer", headers=h, json={"agree": True})
    assert answered.status_code == 200 and answered.get_json()["status"] == "recalled"
    codes = [edxml.open_status(m)[0].status_code for m in outbox(exchange_app)]
    assert codes == ["01", "03", "05", "13", "15"]
    assert client.post(f"/api/v1/incoming/{incoming_id}/status", headers=h, json={"code": "06"}).status_code == 409


def test_inbox_folder_registers_and_sets_refusals_aside(exchange_app, signed_pdf):
    from khuyenhoc_docs.workflow.exchange_in import process_inbox

    inbox = exchange_app.config["KHD_SETTINGS"].edxml_dir / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "a.xml").write_bytes(signed_package(exchange_app, signed_pdf))
    (inbox / "b.xml").write_bytes(b"<edXML:edXMLEnvelope/>")
    svc = exchange_app.extensions["khd.services"]
    with exchange_app.extensions["khd.sessions"]() as session:
        assert process_inbox(session, svc) == {"accepted": 1, "refused": 1}
    assert (inbox / "done" / "a.xml").exists() and (inbox / "refused" / "b.xml").exists()
    assert "XML" in (inbox / "refused" / "b.xml.reason.txt").read_text(encoding="utf-8")
    assert count(exchange_app) == 1 and count(exchange_app, ExchangeStatus) == 2


def test_incoming_pages(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    (incoming_id,) = post(client, api_token(client, "vanthu"), signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    login(client, "vanthu")
    page = client.get("/incoming").get_data(as_text=True)
    assert "Sổ đăng ký văn bản đến" in page and "40/CTPH-HKVN-ĐTNCSHCM" in page and "Hội Khuyến học Việt Nam" in page
    detail = client.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    assert "Báo trạng thái xử lý" in detail and "Đã tiếp nhận" in detail
    token = csrf_token(client, f"/incoming/{incoming_id}")
    resp = client.post(f"/incoming/{incoming_id}/status", data={"code": "04", "csrf_token": token})
    assert resp.status_code == 302
    assert "04" in client.get(f"/incoming/{incoming_id}").get_data(as_text=True)
    bad = client.post(f"/incoming/{incoming_id}/status", data={"code": "99", "csrf_token": token})
    assert bad.status_code == 422
    other = exchange_app.test_client()
    login(other, "chutich.hkh")
    assert other.get(f"/incoming/{incoming_id}").status_code == 403
