"""The security headers every answer carries (pages, API, errors, static files) and the HTTPS
redirect with HSTS behind ``KHD_FORCE_HTTPS``: exactly these, whatever produces them."""
from __future__ import annotations

import pytest

from khuyenhoc_docs import create_app, migrate

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'; "
       "object-src 'self'; frame-ancestors 'self'")
ALWAYS = {
    "Content-Security-Policy": CSP,
    "Permissions-Policy": "browsing-topics=()",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
}
HSTS = "max-age=31556926; includeSubDomains"
SECURITY = {*ALWAYS, "Strict-Transport-Security", "X-XSS-Protection", "Feature-Policy", "Document-Policy",
            "Content-Security-Policy-Report-Only", "X-Download-Options"}
PATHS = ["/login", "/api/v1/documents", "/nowhere", "/static/style.css", "/api/v1/openapi.json"]


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("headers")
    built = {}
    for force_https in (False, True):
        built[force_https] = create_app({"data_dir": data_dir, "testing": True, "secret_key": "x",
                                         "force_https": force_https})
    migrate.upgrade(built[False].config["KHD_SETTINGS"].sqlalchemy_url)
    yield built
    for app in built.values():
        app.extensions["khd.engine"].dispose()


def security_headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k in SECURITY}


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_same_headers(apps, path):
    client = apps[False].test_client()
    for kwargs in ({}, {"base_url": "https://localhost"}, {"headers": {"X-Forwarded-Proto": "https"}}):
        response = client.get(path, **kwargs)
        assert response.status_code in (200, 401, 404), (path, response.status_code)
        assert security_headers(response) == ALWAYS, (path, kwargs)  # no HSTS unless HTTPS is forced
    assert len(client.head("/login").headers.getlist("X-Frame-Options")) == 1  # set once, not appended


@pytest.mark.parametrize("path", PATHS)
def test_forced_https_redirects_plain_http_and_sends_hsts_over_https(apps, path):
    client = apps[True].test_client()
    response = client.get(path + "?a=1")
    assert response.status_code == 302 and response.headers["Location"] == f"https://localhost{path}?a=1"
    assert security_headers(response) == ALWAYS
    assert client.post(path).status_code in (302, 400)  # redirected, or refused first (no CSRF token)
    for kwargs in ({"base_url": "https://localhost"}, {"headers": {"X-Forwarded-Proto": "https"}}):
        response = client.get(path, **kwargs)
        assert response.status_code in (200, 401, 404), (path, response.status_code)
        assert security_headers(response) == {**ALWAYS, "Strict-Transport-Security": HSTS}
