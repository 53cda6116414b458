"""Every route × every role, generated from ``app.url_map``.

The cases are built from the URL map at collection time, so a route added later shows up here
at once and fails until someone writes down who may call it in ``EXPECTED`` (or, for a public
page, in ``EXEMPT``), both in ``authz_table.py``. Stale entries fail too.

Outcomes:
* allow: anything that is not a denial and not a 5xx — 2xx/3xx, or 404/409/422 from the data;
* deny: API → 401 (anonymous, with ``WWW-Authenticate``) or 403 in the JSON error shape;
  browser UI → anonymous redirected to ``/login?next=…``, signed-in users 403 (Vietnamese page).

Read-only requests and expected denials run against one shared copy of the security world;
every state-changing request that is expected to succeed runs on its own fresh copy, so one
role's success never changes what another role sees.
"""
from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select

from khuyenhoc_docs.models import Signature
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.security.authz_table import ADMIN, ANON, CLERK, EXEMPT, EXPECTED, OTHER, ROLES, Expect, World
from tests.security.conftest import copy_world, security_app, throwaway_app

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) of the app's URL map; read from a throwaway app."""
    with throwaway_app() as app:
        return sorted((r.endpoint, m, r.rule) for r in app.url_map.iter_rules() for m in r.methods - IGNORED_METHODS)


ROUTES = _routes()


def pytest_generate_tests(metafunc):
    if "route_case" not in metafunc.fixturenames:
        return
    params = []
    for endpoint, method, rule in ROUTES:
        if endpoint in EXEMPT:
            continue
        for role in ROLES:
            params.append(pytest.param((endpoint, method, rule, role), id=f"{method} {rule} [{role}]"))
    metafunc.parametrize("route_case", params)


# --- clients ------------------------------------------------------------------------------------

class Actors:
    """Signed-in browser clients, CSRF tokens and API headers per role, on one app (cached)."""

    def __init__(self, app) -> None:
        self.app = app
        self._ui: dict[str, Any] = {}
        self._csrf: dict[str, str] = {}
        self._bearer: dict[str, dict[str, str]] = {}

    def ui(self, role: str):
        if role not in self._ui:
            client = self.app.test_client()
            if ROLES[role]:
                resp = login(client, ROLES[role])
                assert resp.status_code == 302, f"{role} cannot sign in: {resp.status_code}"
            self._ui[role] = client
        return self._ui[role]

    def csrf(self, role: str) -> str:
        if role not in self._csrf:
            self._csrf[role] = csrf_token(self.ui(role), "/login")
        return self._csrf[role]

    def bearer(self, role: str) -> dict[str, str]:
        if ROLES[role] is None:
            return {}
        if role not in self._bearer:
            # A client with no cookies: the API must be authenticated by the header alone.
            resp = self.app.test_client().post("/api/v1/auth/token",
                                               json={"username": ROLES[role], "password": DEMO_PASSWORD})
            assert resp.status_code == 201, resp.get_data(as_text=True)
            self._bearer[role] = {"Authorization": f"Bearer {resp.get_json()['token']}"}
        return self._bearer[role]


@pytest.fixture(scope="module")
def shared(security_world, tmp_path_factory):
    app = security_app(copy_world(security_world, tmp_path_factory.mktemp("authz-shared") / "data"))
    yield Actors(app)
    app.extensions["khd.engine"].dispose()


# --- the matrix ---------------------------------------------------------------------------------

DOCS = {"draft": "draft_id", "awaiting": "awaiting_id", "signed": "signed_id", "issued": "issued_id"}


def build_path(app, world: World, endpoint: str, rule: str, expect: Expect) -> str:
    values: dict[str, Any] = {}
    for arg in app.url_map._rules_by_endpoint[endpoint][0].arguments:
        if arg == "doc_id":
            values[arg] = getattr(world, DOCS[expect.doc])
        elif arg == "dispatch_id":
            values[arg] = world.dispatch_id
        elif arg == "tv_id":
            values[arg] = world.template_version_id
        elif arg == "user_id":
            values[arg] = world.chair_hkh_id
        elif arg == "job_id":
            values[arg] = world.job_id
        elif arg == "org_id":
            values[arg] = world.lead_org_id
        elif arg == "obligation_id":
            values[arg] = world.obligation_id
        elif arg == "request_id":
            values[arg] = world.signing_request_id
        elif arg == "message_id":
            values[arg] = "20260101T000000-000000000000"  # well-formed, not in the outbox
        elif arg == "index":
            values[arg] = 0
        elif arg == "copy_id":
            values[arg] = 999_999  # the world has no certified copy: see the table's note
        elif arg == "incoming_id":
            values[arg] = world.incoming_id
        elif arg == "kind" and endpoint == "org_import.run":
            values[arg] = "organisations"
        else:
            pytest.fail(f"{rule}: no real value known for <{arg}>; teach build_path about it")
    with app.test_request_context():
        return url_for(endpoint, **values)


def send(actors: Actors, world: World, endpoint: str, method: str, rule: str, role: str, expect: Expect,
         client=None):
    path = build_path(actors.app, world, endpoint, rule, expect)
    body = expect.body(world, role) if expect.body else None
    if path.startswith("/api/"):
        kwargs: dict[str, Any] = {"headers": actors.bearer(role)}
        if method == "GET":
            kwargs["query_string"] = body
        elif expect.files:
            kwargs["data"] = {**(body or {}), "file": (io.BytesIO(b"not a pdf"), "x.pdf")}
            kwargs["content_type"] = "multipart/form-data"
        elif body is not None:
            kwargs["json"] = body
        return (client or actors.app.test_client()).open(path, method=method, **kwargs), True
    client = client or actors.ui(role)
    data: dict[str, Any] = dict(body or {})
    if method == "GET":
        return client.open(path, method=method, query_string=data), False
    data["csrf_token"] = csrf_token(client, "/login") if client is not actors._ui.get(role) else actors.csrf(role)
    if expect.files:
        data["file"] = (io.BytesIO(b"not a pdf"), "x.pdf")
    return client.open(path, method=method, data=data), False


def is_denied(resp, is_api: bool) -> bool:
    if resp.status_code in (401, 403):
        return True
    if not is_api and resp.status_code in (301, 302, 303, 307, 308):
        loc = urlsplit(resp.headers.get("Location", ""))
        return loc.path == "/login" and "next=" in loc.query
    return False


def describe(resp) -> str:
    return f"{resp.status_code} {resp.headers.get('Location', '')} {resp.get_data(as_text=True)[:300]!r}"


def test_route_access(route_case, shared: Actors, security_world: World, tmp_path):
    endpoint, method, rule, role = route_case
    expect = EXPECTED.get((endpoint, method))
    assert expect is not None, (
        f"{method} {rule} (endpoint {endpoint!r}) has no entry in EXPECTED: write down which roles may call it "
        "(or add the endpoint to EXEMPT with the reason it is public)")
    assert not (expect.allowed & expect.hidden), "a role is either allowed or hidden from"
    allowed = role in expect.allowed
    fresh = allowed and method != "GET" and not (expect.stateless or expect.own_client)
    if fresh:
        app = security_app(copy_world(security_world, tmp_path / "world"))
        try:
            resp, is_api = send(Actors(app), security_world, endpoint, method, rule, role, expect)
        finally:
            app.extensions["khd.engine"].dispose()
    else:
        client = None
        if expect.own_client:
            client = shared.app.test_client()
            if ROLES[role]:
                assert login(client, ROLES[role]).status_code == 302
        resp, is_api = send(shared, security_world, endpoint, method, rule, role, expect, client=client)

    assert resp.status_code < 500, describe(resp)
    if role in expect.hidden:
        assert resp.status_code == 404, f"{role} should find nothing: {describe(resp)}"
        return
    if role in expect.known:
        status, reason = expect.known[role]
        assert resp.status_code == status, (
            f"known deviation changed ({describe(resp)}): if {role} is now denied with 401/403, remove the "
            f"entry from Expect.known for {endpoint} {method}")
        pytest.xfail(reason)
    if allowed:
        assert not is_denied(resp, is_api), f"{role} should be allowed: {describe(resp)}"
        if method == "GET":
            assert resp.status_code == expect.ok_status, describe(resp)
        return
    assert is_denied(resp, is_api), f"{role} should be denied: {describe(resp)}"
    if is_api:
        if role == ANON:
            assert resp.status_code == 401 and resp.headers.get("WWW-Authenticate", "").startswith("Bearer")
        else:
            assert resp.status_code == 403, describe(resp)
        err = resp.get_json()["error"]
        assert err["status"] == resp.status_code and err["message"]
    elif role == ANON:
        assert resp.status_code == 302, describe(resp)
    else:
        assert resp.status_code == 403, describe(resp)
        html = resp.get_data(as_text=True)
        assert "<h1>Lỗi 403</h1>" in html and 'class="error-text"' in html, describe(resp)


def test_expectation_table_matches_the_url_map():
    routes = {(e, m) for e, m, _ in ROUTES}
    stale = sorted(k for k in EXPECTED if k not in routes)
    assert not stale, f"EXPECTED names routes that no longer exist: {stale}"
    exempt_gone = sorted(e for e in EXEMPT if e not in {e for e, _ in routes})
    assert not exempt_gone, f"EXEMPT names endpoints that no longer exist: {exempt_gone}"
    overlap = sorted(k for k in EXPECTED if k[0] in EXEMPT)
    assert not overlap, f"routes both exempt and expected: {overlap}"
    assert len(ROUTES) > 40  # the URL map was really read


# --- focused checks around the matrix -----------------------------------------------------------

def test_denied_state_changes_leave_the_document_untouched(shared: Actors, security_world: World):
    """The matrix ran denied sign/decline/withdraw against the shared world: nothing moved."""
    with shared.app.extensions["khd.sessions"]() as s:
        statuses = s.execute(select(Signature.status, func.count()).where(
            Signature.document_id == security_world.awaiting_id).group_by(Signature.status)).all()
    assert dict(statuses) == {"pending": 2}
    h = shared.bearer(CLERK)
    client = shared.app.test_client()
    for doc_id, status in ((security_world.draft_id, "draft"), (security_world.awaiting_id, "awaiting_signatures"),
                           (security_world.signed_id, "signed"), (security_world.issued_id, "issued")):
        assert client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["status"] == status


def test_browser_session_does_not_authenticate_the_api(shared: Actors):
    client = shared.ui(ADMIN)  # signed in through the form: has a session cookie
    assert client.get("/home").status_code == 200
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401 and resp.get_json()["error"]["status"] == 401
    forged = client.get("/api/v1/me", headers={"Authorization": "Bearer " + "x" * 43})
    assert forged.status_code == 401
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46a2h1eWVuaG9jLWRlbW8="})
    assert basic.status_code == 401


def test_other_organisation_sees_no_foreign_documents(shared: Actors, security_world: World):
    client = shared.app.test_client()
    listing = client.get("/api/v1/documents", headers=shared.bearer(OTHER)).get_json()
    assert listing["total"] == 0 and listing["items"] == []
    html = shared.ui(OTHER).get("/documents/").get_data(as_text=True)
    assert "01/CTPH-HKH-TĐ" not in html and "Phối hợp hoạt động khuyến học" not in html
    register = client.get("/api/v1/register", headers=shared.bearer(OTHER)).get_json()
    assert register["items"] == []
    # …while the clerk of the province sees them all.
    assert client.get("/api/v1/documents", headers=shared.bearer(CLERK)).get_json()["total"] == 4


def test_recipient_pages_need_a_valid_token(shared: Actors, security_world: World):
    from datetime import timedelta

    from khuyenhoc_docs.db import utcnow
    from khuyenhoc_docs.distribution.tokens import make_token

    secret = shared.app.extensions["khd.services"].link_secret
    good = make_token(secret, security_world.dispatch_id, utcnow() + timedelta(days=1))
    expired = make_token(secret, security_world.dispatch_id, utcnow() - timedelta(seconds=5))
    forged = make_token(b"k" * 32, security_world.dispatch_id, utcnow() + timedelta(days=1))
    unknown = make_token(secret, 987654, utcnow() + timedelta(days=1))
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    anon = shared.app.test_client()
    for bad in ("x", "A" * 500, expired, forged, unknown, tampered, "../../admin", "%00"):
        for suffix in ("", "/file"):
            resp = anon.get(f"/r/{bad}{suffix}")
            assert resp.status_code == 404, (bad, suffix, resp.status_code)
        token = csrf_token(anon, "/login")
        resp = anon.post(f"/r/{bad}/ack", data={"csrf_token": token})
        assert resp.status_code in (404, 405), (bad, resp.status_code)
    page = anon.get(f"/r/{good}")
    assert page.status_code == 200
    pdf = anon.get(f"/r/{good}/file")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
