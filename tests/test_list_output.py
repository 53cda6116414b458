"""The API list writes its items without marshmallow (issue 16): each item must be exactly what the
list's OpenAPI schema (``DocumentOut``) dumps for the document, including empty values."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from khuyenhoc_docs.models import Document, Organisation
from khuyenhoc_docs.web.api import json_answer
from khuyenhoc_docs.web.api.documents_api import DocumentOut
from tests.conftest import api_token


def _variants(app) -> None:
    """Copies of the seeded draft with every optional listed value set, and one with none set."""
    with app.extensions["khd.sessions"]() as s:
        doc = s.scalars(select(Document).order_by(Document.id)).first()
        orgs = list(s.scalars(select(Organisation.id).order_by(Organisation.id)))
        skip = {"id", "record_code", "signatures", "versions"}
        cols = {c.key: getattr(doc, c.key) for c in Document.__table__.columns if c.key not in skip}
        s.add(Document(**{**cols, "title": "Có số", "doc_number": "12/CTrPH-HKH-TĐ", "record_code": "ABCD2345",
                          "issue_date": date(2026, 3, 26), "parent_id": doc.id, "status": "issued",
                          "lead_org_id": orgs[1], "partner_org_id": orgs[0], "origin": "imported",
                          "routing": "sequential", "current_version": 3,
                          "created_at": datetime(2026, 3, 20, 8, 15, 1, 250000, tzinfo=UTC),
                          "updated_at": datetime(2026, 3, 26, 9, 30, tzinfo=UTC)}))
        s.add(Document(**{**cols, "title": "Trống", "doc_number": None, "issue_date": None, "parent_id": None}))
        s.commit()


def test_list_items_equal_the_schema_dump(app, client):
    _variants(app)
    r = client.get("/api/v1/documents?per_page=100", headers=api_token(client, "admin"))
    assert r.status_code == 200
    body = r.get_json()
    assert body["total"] >= 3 and len(body["items"]) == body["total"]
    with app.extensions["khd.sessions"]() as s:
        for item in body["items"]:
            assert item == DocumentOut().dump(s.get(Document, item["id"]))
    issued = next(i for i in body["items"] if i["title"] == "Có số")
    assert (issued["issue_date"], issued["record_code"], issued["doc_number"]) == ("2026-03-26", "ABCD2345",
                                                                                  "12/CTrPH-HKH-TĐ")
    assert issued["parent_id"] is not None and issued["lead_org"] != issued["partner_org"]
    assert (issued["created_at"], issued["updated_at"]) == ("2026-03-20T08:15:01.250000+00:00",
                                                            "2026-03-26T09:30:00+00:00")


def test_list_item_keys_are_the_openapi_schema(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    answer = spec["paths"]["/api/v1/documents"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    schemas = spec["components"]["schemas"]
    listing = schemas[answer["$ref"].rsplit("/", 1)[1]]
    item = schemas[listing["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]]
    with app.extensions["khd.sessions"]() as s:
        doc = s.scalars(select(Document)).first()
        assert set(item["properties"]) == set(DocumentOut().dump(doc))
    r = client.get("/api/v1/documents", headers=api_token(client, "vanthu"))
    assert set(r.get_json()["items"][0]) == set(item["properties"])
    assert set(r.get_json()) == set(listing["properties"])


def test_openapi_components_have_one_name_each(client):
    """Two schema classes of one name are published as Name and Name1: a client generated from the
    document would see two types for one thing."""
    names = set(client.get("/api/v1/openapi.json").get_json()["components"]["schemas"])
    doubled = {n for n in names if n[-1].isdigit() and n.rstrip("0123456789") in names}
    assert not doubled, doubled
    assert "KeySecretIn" in names  # the report signature's and the legacy certification's body


def test_the_list_is_written_as_flask_would_write_it(app, client):
    _variants(app)
    r = client.get("/api/v1/documents?per_page=100", headers=api_token(client, "admin"))
    assert r.mimetype == "application/json" and r.status_code == 200
    with app.app_context():
        assert r.get_data() == app.json.response(r.get_json()).get_data()  # sorted keys, UTF-8, final newline
    assert "Tỉnh".encode() in r.get_data() or "Hội".encode() in r.get_data()


def test_json_answer_refuses_what_it_would_write_differently(app):
    with app.app_context():
        assert json_answer({"b": [1, None, "Đoàn"], "a": {"x": True}}, 201).get_data() == \
            app.json.response({"b": [1, None, "Đoàn"], "a": {"x": True}}).get_data()
        with pytest.raises(TypeError):
            json_answer({"when": date(2026, 12, 2)})  # Flask would write an HTTP date
