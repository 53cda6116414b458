"""The incoming register's own search (``q``) ignores diacritics and case, as the archive search does."""
from __future__ import annotations

from tests.conftest import api_token, login
from tests.edxml.test_incoming import post, signed_package


def found(client, h, q: str) -> list[int]:
    resp = client.get("/api/v1/incoming", headers=h, query_string={"q": q})
    assert resp.status_code == 200, resp.get_json()
    return [item["id"] for item in resp.get_json()["items"]]


def test_register_search_with_or_without_diacritics(exchange_app, signed_pdf):
    client = exchange_app.test_client()
    h = api_token(client, "vanthu")
    (mine,) = post(client, h, signed_package(exchange_app, signed_pdf, number="2491")).get_json()["ids"]
    for q in ("Hội Khuyến học Việt Nam", "hoi khuyen hoc viet nam", "HOI KHUYEN HOC", "khuyến TÀI",
              "phoi hop hoat dong", "2491", "2491/CTPH", "ctph hkvn", "  Khuyen   hoc  "):
        assert found(client, h, q) == [mine], q
    # the PDF's text counts too; the words are whole and in order, as typed
    assert found(client, h, "chuong trinh phoi hop") == [mine]
    assert found(client, h, "khuyen hoc xyzzy") == [] and found(client, h, "viet nam hoi") == []
    assert found(client, h, "khuyen ta") == []
    assert found(client, h, "Đoàn Thanh niên Cộng sản Liên Xô 1917") == []
    assert found(client, h, "") == [mine] and found(client, h, "!!!") == [mine]  # no word: no filter
    # another organisation's clerk does not see it, whatever the query
    assert found(client, api_token(client, "vanthu.td"), "khuyen hoc") == []
    # the browser page searches the same way
    login(client, "vanthu")
    page = client.get("/incoming", query_string={"q": "hoi khuyen hoc viet nam"}).get_data(as_text=True)
    assert f'href="/incoming/{mine}"' in page
    empty = client.get("/incoming", query_string={"q": "xyzzy"}).get_data(as_text=True)
    assert f'href="/incoming/{mine}"' not in empty
