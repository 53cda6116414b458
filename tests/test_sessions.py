"""Issue 14: admin edits, disables and resets accounts (item 12); sessions and tokens end server-side
(item 19); signed-in pages are never cached (item 26)."""
from __future__ import annotations

from sqlalchemy import select

from khuyenhoc_docs.models import AuditEvent, Organisation, User
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login


def _user(app, username: str) -> User:
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == username))
        s.expunge_all()
        return user


def _replay(app, cookie: str):
    """A fresh browser that only carries a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def _edit_form(app, client, username: str, **changes) -> dict:
    user = _user(app, username)
    form = {"csrf_token": csrf_token(client, f"/admin/users/{user.id}"), "full_name": user.full_name,
            "position": user.position, "email": user.email, "organisation_id": str(user.organisation_id),
            "roles": sorted(user.roles), "active": "1"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


# -- item 19: sign-out ends the session on the server ----------------------------------------------
def test_cookie_replayed_after_logout_is_refused(app, client):
    login(client, "vanthu")
    cookie = client.get_cookie("session").value
    assert _replay(app, cookie).get("/home").status_code == 200  # the copy works while signed in
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/home")}).status_code == 302
    replay = _replay(app, cookie).get("/home")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    assert login(client, "vanthu").status_code == 302  # signing in again works
    assert client.get("/home").status_code == 200


def test_signing_out_one_browser_keeps_the_users_other_browsers(app, client):
    other = app.test_client()
    login(other, "vanthu")
    login(client, "vanthu")
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/home")}).status_code == 302
    assert other.get("/home").status_code == 200


def test_api_token_can_be_revoked(client):
    headers = api_token(client, "vanthu")
    other = api_token(client, "vanthu")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    resp = client.delete("/api/v1/auth/token", headers=headers)
    assert resp.status_code == 204 and resp.get_data() == b""
    gone = client.get("/api/v1/me", headers=headers)
    assert gone.status_code == 401 and gone.get_json()["error"]["message"]
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 200  # only that token ended


# apispec warns when an output schema is also nested in a list schema (as test_api_fuzz allows).
def test_revoke_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "delete" in spec["paths"]["/api/v1/auth/token"]


# -- item 12: admin edits, disables, resets -----------------------------------------------------------
def test_admin_disables_a_user_and_their_session_and_tokens_stop_at_once(app, client):
    victim = app.test_client()
    login(victim, "vanthu")
    headers = api_token(victim, "vanthu")
    assert victim.get("/home").status_code == 200
    login(client, "admin")
    uid = _user(app, "vanthu").id
    resp = client.post(f"/admin/users/{uid}", data=_edit_form(app, client, "vanthu", active=None))
    assert resp.status_code == 302
    assert victim.get("/home").status_code == 302
    assert victim.get("/api/v1/me", headers=headers).status_code == 401
    assert login(app.test_client(), "vanthu").status_code == 401
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Đã khóa" in page
    # Enabling again does not bring the old token back.
    assert client.post(f"/admin/users/{uid}", data=_edit_form(app, client, "vanthu")).status_code == 302
    assert victim.get("/api/v1/me", headers=headers).status_code == 401
    assert login(app.test_client(), "vanthu").status_code == 302
    with app.extensions["khd.sessions"]() as s:
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "user", AuditEvent.object_id == uid)))
    assert {"user_disable", "user_update"} <= actions


def test_admin_edits_name_organisation_and_roles(app, client):
    login(client, "admin")
    with app.extensions["khd.sessions"]() as s:
        org_id = s.scalar(select(Organisation.id).where(Organisation.name == "Huyện đoàn Châu Thành"))
    uid = _user(app, "luutru").id
    edit = client.get(f"/admin/users/{uid}")
    assert edit.status_code == 200 and "Đặt lại mật khẩu" in edit.get_data(as_text=True)
    resp = client.post(f"/admin/users/{uid}", data=_edit_form(
        app, client, "luutru", full_name="Trần Thị Lưu", organisation_id=str(org_id), roles=["archivist", "clerk"]))
    assert resp.status_code == 302
    user = _user(app, "luutru")
    assert user.full_name == "Trần Thị Lưu" and user.organisation_id == org_id
    with app.extensions["khd.sessions"]() as s:
        assert s.get(User, uid).roles == {"archivist", "clerk"}


def test_bad_edit_writes_nothing_and_answers_422(app, client):
    login(client, "admin")
    uid = _user(app, "vanthu").id
    resp = client.post(f"/admin/users/{uid}", data=_edit_form(
        app, client, "vanthu", full_name="", roles=["superuser"], email="a b@x"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Họ và tên là bắt buộc." in html and "Vai trò không hợp lệ: superuser." in html
    assert "Địa chỉ email không hợp lệ." in html
    assert _user(app, "vanthu").full_name != ""


def test_admin_cannot_lock_themselves_out(app, client):
    login(client, "admin")
    uid = _user(app, "admin").id
    resp = client.post(f"/admin/users/{uid}", data=_edit_form(app, client, "admin", active=None))
    assert resp.status_code == 422 and "chính mình" in resp.get_data(as_text=True)
    assert _user(app, "admin").active


def test_admin_resets_a_password_and_old_sessions_and_tokens_end(app, client):
    victim = app.test_client()
    login(victim, "vanthu")
    headers = api_token(victim, "vanthu")
    login(client, "admin")
    uid = _user(app, "vanthu").id
    token = csrf_token(client, f"/admin/users/{uid}")
    short = client.post(f"/admin/users/{uid}/password", data={"csrf_token": token, "password": "ngan",
                                                             "password_confirm": "ngan"})
    assert short.status_code == 422 and "từ 8 đến 256 ký tự" in short.get_data(as_text=True)
    mismatch = client.post(f"/admin/users/{uid}/password", data={
        "csrf_token": token, "password": "mat-khau-moi-1", "password_confirm": "mat-khau-moi-2"})
    assert mismatch.status_code == 422
    assert victim.get("/home").status_code == 200  # nothing changed yet
    resp = client.post(f"/admin/users/{uid}/password", data={
        "csrf_token": token, "password": "mat-khau-moi-1", "password_confirm": "mat-khau-moi-1"})
    assert resp.status_code == 302
    assert victim.get("/home").status_code == 302
    assert victim.get("/api/v1/me", headers=headers).status_code == 401
    assert login(app.test_client(), "vanthu", DEMO_PASSWORD).status_code == 401
    assert login(app.test_client(), "vanthu", "mat-khau-moi-1").status_code == 302


def test_only_admins_reach_the_user_editor(app, client):
    login(client, "vanthu")
    uid = _user(app, "luutru").id
    assert client.get(f"/admin/users/{uid}").status_code == 403
    token = csrf_token(client, "/home")
    assert client.post(f"/admin/users/{uid}/password", data={
        "csrf_token": token, "password": "mat-khau-moi-1", "password_confirm": "mat-khau-moi-1"}).status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get("/admin/users/999999").status_code == 404


def test_own_password_change_ends_other_sessions_and_tokens(app, client):
    other = app.test_client()
    login(other, "vanthu")
    headers = api_token(other, "vanthu")
    login(client, "vanthu")
    token = csrf_token(client, "/account/password")
    wrong = client.post("/account/password", data={"csrf_token": token, "current_password": "sai",
                                                   "password": "mat-khau-moi-1", "password_confirm": "mat-khau-moi-1"})
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in wrong.get_data(as_text=True)
    assert other.get("/home").status_code == 200
    ok = client.post("/account/password", data={"csrf_token": token, "current_password": DEMO_PASSWORD,
                                                "password": "mat-khau-moi-1", "password_confirm": "mat-khau-moi-1"})
    assert ok.status_code == 302
    assert client.get("/home").status_code == 200  # this browser stays signed in
    assert other.get("/home").status_code == 302
    assert other.get("/api/v1/me", headers=headers).status_code == 401
    assert login(app.test_client(), "vanthu", "mat-khau-moi-1").status_code == 302


# -- item 26: no caching of signed-in pages -----------------------------------------------------------
def test_signed_in_html_and_api_answers_are_not_cached(client):
    login(client, "vanthu")
    for path in ("/home", "/documents/", "/recipients"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "no-store" in resp.headers.get("Cache-Control", ""), path
    headers = api_token(client, "vanthu")
    assert "no-store" in client.get("/api/v1/me", headers=headers).headers.get("Cache-Control", "")
