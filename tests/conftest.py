"""Session-wide services and app fixtures shared by the whole suite."""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from khuyenhoc_docs import create_app, migrate
from tests.services.converter import unoserver_supervisor  # noqa: F401  (session fixture)
from tests.services.pki import PkiServer
from tests.services.postgres import PostgresServer

DEMO_PASSWORD = "khuyenhoc-demo"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need the LibreOffice pool belong to the slow tier (``pytest -m "not slow"`` skips them)."""
    for item in items:
        if "converter_endpoints" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session; each test creates its own database."""
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


_ENDPOINTS: list[tuple[tuple[str, int], ...]] = []
_PKI: list[PkiServer] = []


@pytest.fixture(scope="session", autouse=True)
def pki_server(tmp_path_factory) -> Iterator[PkiServer]:
    """The demo PKI server (CRL, OCSP, TSA) once per session; every app's demo PKI is its directory."""
    server = PkiServer(tmp_path_factory.mktemp("demo-pki") / "pki").start()
    _PKI[:] = [server]
    try:
        yield server
    finally:
        _PKI.clear()
        server.stop()


def make_app(data_dir: Path, **overrides):
    """An app on ``data_dir`` with test settings (CSRF stays on unless a test turns it off).

    Apps use the session's warm unoserver pool once a test has asked for ``converter_endpoints``.
    """
    settings = {"data_dir": data_dir, "testing": True, "secret_key": "test-secret", **overrides}
    if _ENDPOINTS and "converter_endpoints" not in overrides:
        settings["converter_endpoints"] = _ENDPOINTS[0]
    if _PKI and "pki_url" not in overrides:
        settings["pki_url"] = _PKI[0].url
        settings["demo_pki_dir"] = str(_PKI[0].pki_dir)
    return create_app(settings)


@pytest.fixture(scope="session")
def converter_endpoints(unoserver_supervisor):  # noqa: F811
    """Start the warm LibreOffice pool once per session, for the tests that convert (asked for, or
    through ``seeded_template_dir``/``data_dir``/``app``); every app built afterwards converts through it."""
    _ENDPOINTS[:] = [unoserver_supervisor.endpoints]
    yield unoserver_supervisor.endpoints
    _ENDPOINTS.clear()


@pytest.fixture(scope="session")
def seeded_template_dir(tmp_path_factory, converter_endpoints) -> Path:
    """A data dir migrated and seeded once; tests get a copy (real commits, full isolation)."""
    data_dir = tmp_path_factory.mktemp("seeded")
    app = make_app(data_dir)
    migrate.upgrade(app.config["KHD_SETTINGS"].sqlalchemy_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    app.extensions["khd.engine"].dispose()
    return data_dir


@pytest.fixture
def data_dir(seeded_template_dir, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(seeded_template_dir, target)
    return target


@pytest.fixture
def app(data_dir):
    app = make_app(data_dir)
    yield app
    app.extensions["khd.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token it carries."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = DEMO_PASSWORD):
    """Sign in through the real form (with its CSRF token)."""
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def api_token(client, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization header for the JSON API."""
    resp = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}
