"""The document list costs the same number of queries whatever the number of documents, and its
page and total are exactly what the access rules let the principal see (issue 16)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from khuyenhoc_docs.access import Principal, can
from khuyenhoc_docs.models import Document, Organisation, User
from tests.conftest import api_token, login


def _add_documents(app, count: int) -> None:
    """Copies of a seeded document spread over every pair of organisations (distinct joined rows)."""
    with app.extensions["khd.sessions"]() as s:
        doc = s.scalars(select(Document).order_by(Document.id)).first()
        orgs = list(s.scalars(select(Organisation.id).order_by(Organisation.id)))
        skip = {"id", "record_code", "signatures", "versions"}
        cols = {c.key: getattr(doc, c.key) for c in Document.__table__.columns if c.key not in skip}
        for i in range(count):
            lead, partner = orgs[i % len(orgs)], orgs[(i * 7 + 1) % len(orgs)]
            s.add(Document(**{**cols, "lead_org_id": lead, "partner_org_id": partner, "title": f"Bản sao {i}"}))
        s.commit()


def _count_queries(app, fn) -> int:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = app.extensions["khd.engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def _expected(app, username: str) -> tuple[list[int], int]:
    """Newest-first ids the principal may view (one by one through access.can) and their number."""
    with app.extensions["khd.sessions"]() as s:
        p = Principal.of(s, s.scalar(select(User).where(User.username == username)))
        visible = [d.id for d in s.scalars(select(Document).order_by(Document.id.desc())) if can(p, "document.view", d)]
    return visible[:20], len(visible)


@pytest.mark.parametrize("username", ["vanthu", "chutich.hkh"])
def test_api_list_query_count_is_constant_and_page_is_exact(app, client, username):
    headers = api_token(client, username)

    def get():
        r = client.get("/api/v1/documents?per_page=20", headers=headers)
        assert r.status_code == 200
        return r.get_json()

    get()  # warm: first-request work (template lookups, caches) is not the listing's cost
    before = _count_queries(app, get)
    _add_documents(app, 60)
    after = _count_queries(app, get)
    assert after == before, (before, after)

    body = get()
    ids, total = _expected(app, username)
    assert [item["id"] for item in body["items"]] == ids
    assert body["total"] == total
    with app.extensions["khd.sessions"]() as s:
        for item in body["items"]:
            doc = s.get(Document, item["id"])
            assert (item["lead_org"], item["partner_org"]) == (doc.lead_org.name, doc.partner_org.name)


def test_browser_list_query_count_is_constant(app, client):
    login(client, "vanthu")

    def get():
        r = client.get("/documents/")
        assert r.status_code == 200

    get()
    before = _count_queries(app, get)
    _add_documents(app, 60)
    assert _count_queries(app, get) == before
