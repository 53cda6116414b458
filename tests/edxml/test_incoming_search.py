"""Incoming documents in the archive search: found like records, marked, scoped by access.py."""
from __future__ import annotations

from tests.conftest import api_token, login
from tests.edxml.test_incoming import post, signed_package


def search(client, h, **args) -> list[tuple[str, int]]:
    resp = client.get("/api/v1/search", headers=h, query_string=args)
    assert resp.status_code == 200, resp.get_json()
    return [(hit["kind"], hit["document_id"]) for hit in resp.get_json()["items"]]


def test_registered_incoming_document_is_in_the_archive_search(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (incoming_id,) = post(client, h, signed_package(exchange_app, signed_pdf, number="2491")).get_json()["ids"]
    mine = ("incoming", incoming_id)
    # sender, number, subject, arrival number; with or without diacritics
    assert mine in search(client, h, q="hoi khuyen hoc viet nam")
    assert mine in search(client, h, q="Hội Khuyến học Việt Nam")
    assert search(client, h, q="van ban den so 1/2026") == [mine]
    assert search(client, h, doc_number="2491/ctph") == [mine]
    assert search(client, h, q="khuyen tai", kind="incoming") == [mine]
    assert mine not in search(client, h, q="khuyen tai", kind="document")
    assert mine in search(client, h, signer="nguyen van a")
    # the PDF's own text (the signed record that was sent) is searchable too
    record_words = search(client, h, q="chuong trinh phoi hop", kind="incoming")
    assert record_words == [mine]
    # the archivist and the admin see it; a chair and the other organisation's clerk do not
    assert mine in search(client, api_token(client, "luutru"), q="van ban den so")
    assert mine in search(client, api_token(client, "admin"), q="van ban den so")
    assert search(client, api_token(client, "chutich.hkh"), q="van ban den so") == []
    assert search(client, api_token(client, "vanthu.td"), q="van ban den so") == []
    assert client.get("/api/v1/search", headers=h, query_string={"kind": "other"}).status_code == 422
    # the browser page marks it and links to the incoming document's page
    login(client, "vanthu")
    page = client.get("/search", query_string={"q": "van ban den so"}).get_data(as_text=True)
    assert "Văn bản đến" in page and f'href="/incoming/{incoming_id}"' in page
    assert "2491/CTPH-HKVN-ĐTNCSHCM" in page
    assert '<option value="recalled"' in page and "Đã thu hồi" in page  # incoming states in the status filter
    chair = exchange_app.test_client()
    login(chair, "chutich.hkh")
    assert f"/incoming/{incoming_id}" not in chair.get("/search", query_string={"q": "van ban den so"}).get_data(
        as_text=True)


def test_a_recalled_incoming_document_keeps_its_entry_with_its_state(exchange_app, signed_pdf):
    from khuyenhoc_docs import edxml

    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (incoming_id,) = post(client, h, signed_package(exchange_app, signed_pdf)).get_json()["ids"]
    revoke = edxml.Business(doc_type=edxml.REVOKE, reason="Ban hành nhầm",
                            document_id="000.00.00.G22,2026/09/19,40/CTPH-HKVN-ĐTNCSHCM")
    assert post(client, h, signed_package(exchange_app, signed_pdf, business=revoke)).status_code == 201
    assert search(client, h, q="van ban den", status="recall_requested") == [("incoming", incoming_id)]
    assert client.post(f"/api/v1/incoming/{incoming_id}/answer", headers=h, json={"agree": True}).status_code == 200
    assert search(client, h, q="van ban den", status="recalled") == [("incoming", incoming_id)]
    assert search(client, h, q="van ban den", status="received") == []
