"""The document list costs the same number of queries whatever the number of documents, and its
page and total are exactly what the access rules let the principal see (issue 16)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from khuyenhoc_docs.access import Principal, can
from khuyenhoc_docs.models import Document, Organisation, User
from tests.conftest import api_token, login
from tests.sql_capture import sent_statements


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


def _statements(app, fn) -> list[str]:
    return [statement for statement, _ in sent_statements(app.extensions["khd.engine"], fn)]


def _count_queries(app, fn) -> int:
    return len(_statements(app, fn))


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


def test_requests_never_read_seal_or_signature_images(app, client):
    """Every request loads its user with the user's organisation; their images (tens of kB each in
    real use) are read only where a signature or seal is drawn or an admin shows them."""
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == "vanthu"))
        user.signature_image = b"\x89PNG" + b"s" * 50_000
        user.organisation.seal_image = b"\x89PNG" + b"o" * 50_000
        s.commit()
    headers = api_token(client, "vanthu")
    login(client, "vanthu")

    def requests():
        assert client.get("/api/v1/documents?per_page=20", headers=headers).status_code == 200
        assert client.get("/documents/").status_code == 200

    seen = _statements(app, requests)
    assert seen
    assert [st for st in seen if "seal_image" in st or "signature_image" in st] == []
    with app.extensions["khd.sessions"]() as s:  # still there when asked for
        user = s.scalar(select(User).where(User.username == "vanthu"))
        assert len(user.signature_image or b"") == 50_004 and len(user.organisation.seal_image or b"") == 50_004


def test_totals_are_exact_for_every_status_and_principal(app):
    """The total summed from the triggers' counters (plus documents signed outside the scope) is
    what ``access.can`` allows, one document at a time, for every status filter and with a title
    filter (counted exactly), for an admin, clerks and chairs inside and outside the scope."""
    from khuyenhoc_docs.models import STATUSES, DocumentVersion, Signature
    from khuyenhoc_docs.workflow import documents
    from tests.factories import make_user

    _add_documents(app, 70)
    outsider = make_user(app, "chutich.batri", "Hội Khuyến học huyện Ba Tri", "chair")
    with app.extensions["khd.sessions"]() as s:
        ids = list(s.scalars(select(Document.id).order_by(Document.id)))
        for i, doc_id in enumerate(ids):  # every status, through the ORM (one UPDATE per row)
            s.get(Document, doc_id).status = STATUSES[i % len(STATUSES)]
        s.commit()
        # a chair of a district signs a province document: outside their scope, visible to them
        doc = s.get(Document, ids[3])
        assert not Principal.of(s, s.get(User, outsider)).in_scope(doc)
        version = s.scalar(select(DocumentVersion).order_by(DocumentVersion.id))
        s.add(Signature(document_id=doc.id, version_id=version.id, signer_id=outsider, field_name="sig_x", order=9))
        s.commit()
        s.delete(s.get(Document, ids[-1]))  # a deleted document leaves the counters too
        s.commit()
    with app.extensions["khd.sessions"]() as s:
        for username in ("admin", "vanthu", "vanthu.td", "chutich.hkh", "chutich.batri"):
            p = Principal.of(s, s.scalar(select(User).where(User.username == username)))
            docs = list(s.scalars(select(Document)))
            visible = [d for d in docs if can(p, "document.view", d)]
            if username == "chutich.batri":
                assert ids[3] in [d.id for d in visible] and not p.in_scope(s.get(Document, ids[3]))
            for status in (None, *STATUSES, "no-such-status"):
                listing = documents.list_documents(s, p, status=status, per_page=5)
                expected = [d for d in visible if status not in STATUSES or d.status == status]
                assert listing.total == len(expected), (username, status)
            listing = documents.list_documents(s, p, text="Bản sao 1", per_page=5)
            assert listing.total == len([d for d in visible if "Bản sao 1" in d.title]), username
            assert all(row.total == listing.total for row in listing.items)
            assert listing.items or username == "chutich.batri", username
            beyond = documents.list_documents(s, p, page=1000, per_page=5)  # no row carries the total
            assert beyond.items == [] and beyond.total == len(visible), username
