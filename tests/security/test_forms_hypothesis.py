"""Hypothesis over the browser form handlers: any text is answered without a 5xx, and a 4xx
answer has written nothing (every table's row count and the object store are unchanged).

Text includes NUL and other control characters, right-to-left marks and Arabic, combining and
astral characters, "²" (``str.isdigit`` but not ``int``), 100 kB strings, HTML/JS and template
syntax. Lone surrogates cannot be sent in a form (they have no UTF-8 form), so they are left out
of the text strategy; invalid UTF-8 bytes are sent raw in ``test_invalid_utf8_form_bodies``.

Tests that change the shared app on success (a new user, organisation, draft, recipient) share
one app per test function and compare counts per example; the reason tests need a document that
is still awaiting signatures, so they build a fresh copy of the world inside every example.
"""
from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from khuyenhoc_docs.models import Organisation, OrgLevel
from khuyenhoc_docs.web.doc_forms import form_from_fields
from tests.conftest import DEMO_PASSWORD, csrf_token, login
from tests.security.conftest import World, copy_world, object_files, security_app, table_counts

XSS = "<script>alert('khd-xss')</script>"
NASTY = (
    "", " ", "\x00", "a\x00b", "\x07\x1b[31m", "\u202eevil\u202c", "مرحبا بالعالم", "שלום", "\u200f\u200e",
    "\ufeff", "Tiếng Việt có dấu: Đặng Thị Hoa", "e\u0301\u0301\u0301", "𝕏🙂👨‍👩‍👧", "²", "١٢٣", "9" * 40,
    "-1", "0", "  42  ", XSS, "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}", "{% for x in y %}", "${jndi:x}",
    "' OR '1'='1' --", "%00", "../../etc/passwd", "\r\n\r\nSet-Cookie: x=1", "\ud7ff\ue000\uffff\ufffe",
    "A" * 100_000, "Ạ" * 100_000,
)
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=400),
    st.builds(lambda a, b: a + b, st.sampled_from(NASTY), st.text(st.characters(exclude_categories=("Cs",)),
                                                                  max_size=50)),
)

SHARED_APP = settings(max_examples=25, deadline=None, database=None,
                      # The app is shared across examples on purpose: every example measures its own
                      # before/after, and rebuilding it per example would only slow the search.
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                             HealthCheck.data_too_large, HealthCheck.large_base_example])
PER_EXAMPLE_APP = settings(max_examples=8, deadline=None, database=None,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                  HealthCheck.large_base_example])


def submit(app, data_dir: Path, client, path: str, data, *, ignore: tuple[str, ...] = ()):
    """POST the form; assert no 5xx, no reflected script, and nothing written when the answer is 4xx."""
    before, files_before = table_counts(app, exclude=ignore), object_files(data_dir)
    resp = client.post(path, data=data)
    body = resp.get_data(as_text=True)
    assert resp.status_code < 500, (resp.status_code, body[:500])
    assert XSS not in body, "user input reflected without escaping"
    if 400 <= resp.status_code < 500:
        assert table_counts(app, exclude=ignore) == before, f"{resp.status_code} answer but rows changed"
        assert object_files(data_dir) == files_before, f"{resp.status_code} answer but objects were stored"
    return resp


def _data_dir(app) -> Path:
    return app.config["KHD_SETTINGS"].data_dir


def _signed_in(app, username: str):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client, csrf_token(client, "/login")


# Signed in once per test function (sign-in is rate limited per account), shared by its examples.
@pytest.fixture
def admin_session(world_app):
    return _signed_in(world_app, "admin")


@pytest.fixture
def clerk_session(world_app):
    return _signed_in(world_app, "vanthu")


# --- sign-in ------------------------------------------------------------------------------------

@given(username=TEXT, password=TEXT)
@settings(SHARED_APP, max_examples=20)
def test_login_form(world_app, username, password):
    client = world_app.test_client()
    token = csrf_token(client, "/login")
    resp = submit(world_app, _data_dir(world_app), client, "/login",
                  {"username": username, "password": password, "csrf_token": token},
                  ignore=("audit_events", "audit_head"))  # a failed sign-in is audited by design
    assert resp.status_code in (400, 401, 429), resp.status_code  # never signed in by junk
    assert client.get("/home").status_code == 302


# --- administration -----------------------------------------------------------------------------

def _org_ids(app) -> list[str]:
    with app.extensions["khd.sessions"]() as s:
        return [str(i) for i in s.scalars(select(Organisation.id).limit(5))]


@given(data=st.data(), valid_base=st.booleans())
@SHARED_APP
def test_admin_create_user(world_app, admin_session, data, valid_base):
    """Either junk everywhere, or valid account fields with hostile name, email and position."""
    client, token = admin_session
    if valid_base:
        form = {"username": data.draw(st.from_regex(r"\A[a-z0-9][a-z0-9._-]{2,20}\Z")),
                "password": "mat-khau-du-dai", "organisation_id": data.draw(st.sampled_from(_org_ids(world_app))),
                "roles": data.draw(st.lists(st.sampled_from(["clerk", "chair", "archivist"]), min_size=1, max_size=2))}
    else:
        form = {"username": data.draw(TEXT), "password": data.draw(TEXT), "organisation_id": data.draw(TEXT),
                "roles": data.draw(st.lists(TEXT, max_size=3))}
    form.update(csrf_token=token, full_name=data.draw(TEXT), email=data.draw(TEXT), position=data.draw(TEXT))
    before = table_counts(world_app)["users"]
    resp = submit(world_app, _data_dir(world_app), client, "/admin/users", form)
    assert resp.status_code in (302, 400, 413, 422), resp.status_code
    if resp.status_code == 302:
        assert table_counts(world_app)["users"] == before + 1
        page = client.get("/admin/users")  # the list shows the stored hostile text
        assert page.status_code == 200 and XSS not in page.get_data(as_text=True)


@given(data=st.data(), valid_base=st.booleans())
@SHARED_APP
def test_admin_create_organisation(world_app, admin_session, data, valid_base):
    client, token = admin_session
    with world_app.extensions["khd.sessions"]() as s:
        level_ids = [str(i) for i in s.scalars(select(OrgLevel.id))]
    form = {"csrf_token": token}
    for name in ("name", "header_name", "parent_header", "area", "place", "postal_address"):
        form[name] = data.draw(TEXT)
    if valid_base:
        form.update(level_id=data.draw(st.sampled_from(level_ids)), family=data.draw(st.sampled_from(["khuyen_hoc",
                    "doan"])), parent_id=data.draw(st.sampled_from(_org_ids(world_app))), abbreviation="ĐTN",
                    email="")
    else:
        form.update(level_id=data.draw(TEXT), family=data.draw(TEXT), parent_id=data.draw(TEXT),
                    abbreviation=data.draw(TEXT), email=data.draw(TEXT))
    before = table_counts(world_app)["organisations"]
    resp = submit(world_app, _data_dir(world_app), client, "/admin/organisations", form)
    assert resp.status_code in (302, 400, 413, 422), resp.status_code
    if resp.status_code == 302:
        assert table_counts(world_app)["organisations"] == before + 1
        for page in ("/admin/organisations", "/admin/users"):
            shown = client.get(page)
            assert shown.status_code == 200 and XSS not in shown.get_data(as_text=True)


# --- the draft form -----------------------------------------------------------------------------

def flat_form(fields: dict) -> dict:
    """The demo draft as the browser form posts it (doc_forms.fields_from_form reads this shape)."""
    values = form_from_fields(fields)
    form: dict = {}
    for key, value in values.items():
        if key == "responsibilities":
            form["resp_heading"] = [r["heading"] for r in value]
            form["resp_items"] = [r["items"] for r in value]
        elif isinstance(value, bool):
            if value:
                form[key] = "1"
        elif isinstance(value, list):
            form[key] = list(value)
        else:
            form[key] = value
    return form


SCALAR_FIELDS = ("doc_type", "summary", "period", "place", "preamble", "closing", "archive", "report_deadline",
                 "report_to", "type_abbr", "org_abbrs", "party_a.org_name", "party_a.signer_name",
                 "party_b.position", "parent.number", "parent.date", "parent.subject", "partner_org_id", "routing",
                 "kind")
LIST_FIELDS = ("purposes", "requirements", "contents", "recipients", "resp_heading", "resp_items")


@given(data=st.data())
@settings(SHARED_APP, max_examples=20)
def test_draft_form(world_app, clerk_session, security_world: World, data):
    client, token = clerk_session
    form = {**flat_form(security_world.document_fields), "kind": security_world.document_kind,
            "csrf_token": token, "routing": "any"}
    for name in data.draw(st.lists(st.sampled_from(SCALAR_FIELDS), max_size=3, unique=True)):
        form[name] = data.draw(TEXT)
    for name in data.draw(st.lists(st.sampled_from(LIST_FIELDS), max_size=2, unique=True)):
        form[name] = data.draw(st.lists(TEXT, max_size=4))
    before = table_counts(world_app)["documents"]
    resp = submit(world_app, _data_dir(world_app), client, "/documents/new", form)
    assert resp.status_code in (302, 400, 404, 413, 422), resp.status_code
    if resp.status_code == 302:
        assert table_counts(world_app)["documents"] == before + 1
        shown = client.get(resp.headers["Location"])  # the new draft's page renders the hostile text
        assert shown.status_code == 200 and XSS not in shown.get_data(as_text=True)


# --- recipient directory ------------------------------------------------------------------------

@given(data=st.data())
@SHARED_APP
def test_recipient_directory(world_app, clerk_session, security_world: World, data):
    client, token = clerk_session
    if data.draw(st.booleans()):
        form = {"csrf_token": token, "name": data.draw(TEXT), "email": data.draw(TEXT),
                "postal_address": data.draw(TEXT)}
    else:
        ids = st.one_of(TEXT, st.sampled_from([str(i) for i in security_world.recipient_ids] + ["²", "9" * 30]))
        form = {"csrf_token": token, "action": "list", "list_name": data.draw(TEXT),
                "recipient_ids": data.draw(st.lists(ids, max_size=4))}
    resp = submit(world_app, _data_dir(world_app), client, "/recipients", form)
    assert resp.status_code in (302, 400, 413, 422), resp.status_code
    assert client.get("/recipients").status_code == 200  # the directory still renders whatever was saved


# --- withdraw and decline reasons (fresh world per example) -------------------------------------

@contextmanager
def fresh_world(world: World):
    root = Path(tempfile.mkdtemp(prefix="khd-forms-"))
    app = security_app(copy_world(world, root / "data"))
    try:
        yield app
    finally:
        app.extensions["khd.engine"].dispose()
        shutil.rmtree(root, ignore_errors=True)


def _reason_case(world: World, username: str, action: str, reason: str, done_status: str) -> None:
    with fresh_world(world) as app:
        client, token = _signed_in(app, username)
        path = f"/documents/{world.awaiting_id}/{action}"
        resp = submit(app, _data_dir(app), client, path, {"csrf_token": token, "reason": reason})
        assert resp.status_code in (302, 400, 413, 422), resp.status_code
        stripped = reason.strip()
        if not stripped or len(stripped) > 2000:
            assert resp.status_code in (400, 413, 422)  # a reason is required, at most 2000 characters
        page = client.get(f"/documents/{world.awaiting_id}")
        assert page.status_code == 200 and XSS not in page.get_data(as_text=True)
        api = app.test_client().post("/api/v1/auth/token", json={"username": "luutru", "password": DEMO_PASSWORD})
        h = {"Authorization": f"Bearer {api.get_json()['token']}"}
        status = app.test_client().get(f"/api/v1/documents/{world.awaiting_id}", headers=h).get_json()["status"]
        assert status == (done_status if resp.status_code == 302 else "awaiting_signatures")
        audit = app.test_client().get(f"/api/v1/documents/{world.awaiting_id}/audit", headers=h)
        assert audit.status_code == 200  # the audit chain still serialises with the reason in it


@given(reason=TEXT)
@PER_EXAMPLE_APP
def test_withdraw_reason(security_world, reason):
    _reason_case(security_world, "vanthu", "withdraw", reason, "withdrawn")


@given(reason=TEXT)
@PER_EXAMPLE_APP
def test_decline_reason(security_world, reason):
    _reason_case(security_world, "chutich.hkh", "decline", reason, "declined")


# --- bytes no browser would send ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/admin/users", "/admin/organisations", "/recipients", "/documents/new"])
def test_invalid_utf8_form_bodies(world_app, path):
    client, token = _signed_in(world_app, "admin" if path.startswith("/admin") else "vanthu")
    if path == "/login":
        client = world_app.test_client()
        token = csrf_token(client, "/login")
    body = (f"csrf_token={token}&".encode() + b"username=%ff%fe%00&name=\xff\xfe\xed\xa0\x80&password=%C0%AF"
            b"&full_name=%ed%a0%80&kind=%ff&summary=\xc3\x28&email=%F0%9F%98&reason=%E2%82")
    before = table_counts(world_app, exclude=("audit_events", "audit_head"))
    resp = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert resp.status_code < 500 and 400 <= resp.status_code < 500, resp.status_code
    assert table_counts(world_app, exclude=("audit_events", "audit_head")) == before


NUMERIC_JUNK = ["²", "³", "½", "١٢", "٣", "𝟙", "9" * 30, "-5", "+5", "0x10", "1e3", " 7 ", "\u0000"]


def test_numeric_junk_in_id_and_number_fields(world_app, clerk_session, security_world: World):
    """``str.isdigit`` is true for "²", which ``int`` refuses; huge ids overflow SQLite (both were 500s)."""
    client, token = clerk_session
    issued = security_world.issued_id  # issuing it again creates nothing; cascading to unit 999999 is refused
    for value in NUMERIC_JUNK:
        for path in (f"/documents/?page={value}", f"/register?year={value}", f"/reports?year={value}",
                     f"/search?page={value}&year={value}"):
            assert client.get(path).status_code < 500, (path, value)
        posts = [
            ("/recipients", {"action": "list", "list_name": "Danh sách thử", "recipient_ids": [value]}),
            (f"/documents/{issued}/issue", {f"channel_{value}": "paper"}),
            (f"/documents/{issued}/cascade", {"unit_ids": [value, "999999"]}),
            ("/documents/new", {"kind": security_world.document_kind, "partner_org_id": value}),
            ("/reports", {"obligation_id": value}),
        ]
        for path, form in posts:
            resp = client.post(path, data={**form, "csrf_token": token})
            assert resp.status_code < 500, (path, value, resp.status_code)


def test_huge_ids_in_urls_are_404(world_app, admin_session):
    client, _ = admin_session
    h = {"Authorization": "Bearer " + client.post("/api/v1/auth/token", json={
        "username": "admin", "password": DEMO_PASSWORD}).get_json()["token"]}
    for rule in ("/documents/{}", "/documents/{}/file", "/jobs/{}", "/admin/templates/{}/download",
                 "/api/v1/documents/{}", "/api/v1/jobs/{}", "/api/v1/dispatches/{}/resend"):
        for big in (2**31, 2**63, 2**70, 10**40):
            method = "POST" if rule.endswith("resend") else "GET"
            resp = client.open(rule.format(big), method=method, headers=h)
            assert resp.status_code == 404, (rule, big, resp.status_code)
