"""Sign-in, throttling, CSRF, API tokens and role-based pages."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from khuyenhoc_docs.accounts import issue_token, user_for_token
from khuyenhoc_docs.models import AuditEvent, User
from tests.conftest import api_token, csrf_token, login, make_app

HOME_MARKERS = {
    "vanthu": "Dự thảo của đơn vị",
    "chutich.hkh": "Văn bản chờ tôi ký",
    "phobithu.td": "Văn bản chờ tôi ký",
    "luutru": "Tra cứu hồ sơ lưu trữ",
    "admin": "Quản trị",
}


def test_login_page_is_vietnamese_and_carries_csrf(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Đăng nhập" in html and "Mật khẩu" in html
    assert 'name="csrf_token"' in html


@pytest.mark.parametrize("username", sorted(HOME_MARKERS))
def test_each_demo_user_reaches_their_home(client, username):
    resp = login(client, username)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/home")
    html = client.get("/home").get_data(as_text=True)
    assert HOME_MARKERS[username] in html


def test_wrong_password_is_refused_and_audited(app, client):
    resp = login(client, "vanthu", "sai-mat-khau")
    assert resp.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still anonymous
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "login_failed")) == 1


def test_unknown_user_gets_the_same_answer(client):
    resp = login(client, "khong-ton-tai", "whatever1")
    assert resp.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)


def test_login_without_csrf_token_is_rejected(client):
    resp = client.post("/login", data={"username": "vanthu", "password": "khuyenhoc-demo"})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)


def test_login_is_throttled(data_dir):
    app = make_app(data_dir, login_limit="3 per minute")
    client = app.test_client()
    codes = [login(client, "vanthu", f"wrong-{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    assert "quá nhiều lần" in login(client, "vanthu").get_data(as_text=True)


def test_security_headers_and_cookie_flags(client):
    resp = login(client, "vanthu")
    cookie = resp.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/home")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_logout_requires_post_with_csrf(client):
    login(client, "vanthu")
    assert client.post("/logout").status_code == 400  # no CSRF token
    token = csrf_token(client, "/home")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/home").status_code == 302


def test_api_token_flow(client):
    headers = api_token(client, "vanthu")
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.get_json()["roles"] == ["clerk"]


def test_api_rejects_missing_wrong_and_cookie_auth(client):
    assert client.get("/api/v1/me").status_code == 401
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "error" in bad.get_json()
    login(client, "vanthu")  # a browser session must not authenticate the API
    assert client.get("/api/v1/me").status_code == 401
    wrong = client.post("/api/v1/auth/token", json={"username": "vanthu", "password": "x"})
    assert wrong.status_code == 401 and wrong.get_json()["error"]["message"]
    missing = client.post("/api/v1/auth/token", json={"username": "vanthu"})
    assert missing.status_code == 422 and "password" in missing.get_json()["error"]["fields"]["json"]


def test_token_expiry(app, client):
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == "vanthu"))
        token, _ = issue_token(s, user, timedelta(seconds=-1))
        live, _ = issue_token(s, user, timedelta(minutes=5))
        s.commit()
        assert user_for_token(s, token) is None
        assert user_for_token(s, live).id == user.id
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("username,path,expected", [
    ("vanthu", "/admin/users", 403),
    ("luutru", "/admin/organisations", 403),
    ("chutich.hkh", "/documents/new", 403),
    ("luutru", "/documents/new", 403),
    ("admin", "/admin/users", 200),
    ("admin", "/admin/templates/", 200),
    ("vanthu", "/documents/new", 200),
])
def test_role_checks(client, username, path, expected):
    login(client, username)
    resp = client.get(path)
    assert resp.status_code == expected
    if expected == 403:
        assert "không có quyền" in resp.get_data(as_text=True)


def test_healthz_reports_components(client):
    resp = client.get("/healthz")
    body = resp.get_json()
    assert body["database"]["ok"] is True
    assert body["object_store"] == {"ok": True, "backend": "local"}
    assert "converter" in body and resp.status_code in (200, 503)
