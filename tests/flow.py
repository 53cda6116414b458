"""Shared steps of the document flow for tests: submit → both chairs sign → both clerks seal."""
from __future__ import annotations

import weakref

from tests.conftest import DEMO_PASSWORD
from tests.conftest import api_token as _new_token

_TOKENS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def api_token(client, username: str) -> dict[str, str]:
    """A bearer token per (test client, user), reused: whole flows would hit the sign-in rate limit."""
    tokens = _TOKENS.setdefault(client, {})
    if username not in tokens:
        tokens[username] = _new_token(client, username)
    return tokens[username]

CHAIRS = ("chutich.hkh", "phobithu.td")
CLERKS = ("vanthu", "vanthu.td")  # lead's clerk (Hội Khuyến học tỉnh), partner's clerk (Tỉnh đoàn)


def demo_draft_id(client) -> int:
    return client.get("/api/v1/documents", headers=api_token(client, "vanthu")).get_json()["items"][0]["id"]


def submit(client, doc_id: int) -> None:
    resp = client.post(f"/api/v1/documents/{doc_id}/submit", headers=api_token(client, "vanthu"))
    assert resp.status_code == 200, resp.get_data(as_text=True)


def sign_both(client, doc_id: int, chairs: tuple[str, ...] = CHAIRS) -> dict:
    body: dict = {}
    for chair in chairs:
        resp = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, chair),
                           json={"secret": DEMO_PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
    assert body["status"] == "signed", body
    return body


def seal(client, doc_id: int, clerk: str, secret: str = DEMO_PASSWORD):
    return client.post(f"/api/v1/documents/{doc_id}/seal", headers=api_token(client, clerk), json={"secret": secret})


def seal_both(client, doc_id: int) -> dict:
    """The lead's clerk numbers, dates and seals; then the partner's clerk seals."""
    lead = seal(client, doc_id, CLERKS[0])
    assert lead.status_code == 200, lead.get_json()
    partner = seal(client, doc_id, CLERKS[1])
    assert partner.status_code == 200, partner.get_json()
    body = partner.get_json()
    assert body["status"] == "sealed", body
    return body


def sign_and_seal(client, doc_id: int) -> dict:
    sign_both(client, doc_id)
    return seal_both(client, doc_id)


def sealed_document(client) -> tuple[int, dict]:
    """The demo draft submitted, signed by both chairs and sealed by both clerks; (id, lead clerk headers)."""
    doc_id = demo_draft_id(client)
    submit(client, doc_id)
    sign_and_seal(client, doc_id)
    return doc_id, api_token(client, "vanthu")
