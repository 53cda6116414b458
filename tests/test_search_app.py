"""Archive search through the app on SQLite and PostgreSQL: diacritics, highlights, scope, hostile input."""
from __future__ import annotations

import pytest

from khuyenhoc_docs import migrate
from tests.conftest import api_token, login, make_app
from tests.factories import make_user


@pytest.fixture(params=["sqlite", "postgresql"])
def search_app(request, data_dir, tmp_path):
    if request.param == "sqlite":
        app = make_app(data_dir)
    else:
        pg = request.getfixturevalue("pg")
        url = pg.create_database()
        migrate.upgrade(url)
        app = make_app(tmp_path / "pgdata", database_url=url)
        assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
    yield app
    app.extensions["khd.engine"].dispose()


@pytest.mark.parametrize("query", ["Gia đình học tập", "gia dinh hoc tap", "GIA ĐÌNH", "khuyen hoc khuyen tai"])
def test_diacritic_insensitive_search_with_highlights(search_app, query):
    client = search_app.test_client()
    h = api_token(client, "luutru")
    body = client.get("/api/v1/search", headers=h, query_string={"q": query}).get_json()
    assert body["total"] == 1, body
    hit = body["items"][0]
    assert "<mark>" in hit["snippet_html"] and "Phối hợp hoạt động khuyến học" in hit["title"]


def test_filters_and_scope(search_app):
    client = search_app.test_client()
    h = api_token(client, "luutru")
    assert client.get("/api/v1/search", headers=h, query_string={"q": "khuyến học", "status": "draft"}
                      ).get_json()["total"] == 1
    assert client.get("/api/v1/search", headers=h, query_string={"q": "khuyến học", "status": "signed"}
                      ).get_json()["total"] == 0
    assert client.get("/api/v1/search", headers=h, query_string={"signer": "dang thi hoa"}).get_json()["total"] == 1
    assert client.get("/api/v1/search", headers=h, query_string={"level": "district"}).get_json()["total"] == 0
    make_user(search_app, "luutru.bt", "Hội Khuyến học huyện Ba Tri", "archivist")
    other = api_token(client, "luutru.bt")
    assert client.get("/api/v1/search", headers=other, query_string={"q": "khuyến học"}).get_json()["total"] == 0


@pytest.mark.parametrize("query", ['"', "'", "AND OR NOT", "NEAR(", "*", "col:val", "((((", "x" * 3000, "%_",
                                   "Gia đình\x00học", "🎓 học"])
def test_hostile_queries_never_5xx(search_app, query):
    client = search_app.test_client()
    resp = client.get("/api/v1/search", headers=api_token(client, "luutru"), query_string={"q": query})
    assert resp.status_code in (200, 422), resp.get_data(as_text=True)[:300]
    if resp.status_code == 422:
        assert resp.get_json()["error"]["message"]


def test_search_page_in_the_ui(search_app):
    client = search_app.test_client()
    login(client, "luutru")
    page = client.get("/search", query_string={"q": "gia dinh hoc tap"}).get_data(as_text=True)
    assert "<mark>" in page and "1 kết quả" in page
    bad = client.get("/search", query_string={"date_from": "2020-99-99"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.get_data(as_text=True)


def test_status_changes_reach_the_index(search_app):
    client = search_app.test_client()
    from tests.flow import seal_both
    from tests.test_signing_flow import sign, submitted

    doc_id, _ = submitted(client)
    for chair in ("chutich.hkh", "phobithu.td"):
        assert sign(client, doc_id, chair).status_code == 200
    h = api_token(client, "luutru")
    assert client.get("/api/v1/search", headers=h, query_string={"q": "học tập", "status": "signed"}
                      ).get_json()["total"] == 1
    seal_both(client, doc_id)
    body = client.get("/api/v1/search", headers=h, query_string={"q": "học tập", "status": "sealed"}).get_json()
    assert body["total"] == 1 and body["items"][0]["doc_number"] == "01/CTPH-HKH-TĐ"
    assert client.get("/api/v1/search", headers=h, query_string={"doc_number": "01/ctph"}).get_json()["total"] == 1
