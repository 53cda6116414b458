"""The application factory: settings → database, services, extensions, blueprints."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from apiflask import APIFlask
from flask import Response, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from .. import jobs_setup, memory
from ..config import ensure_secret_key, load_settings
from ..db import make_engine, make_session_factory
from ..services import Services
from . import (
    ack,
    admin,
    api,
    archive,
    auth,
    batch_views,
    copies_views,
    credentials_admin,
    documents,
    errors,
    exchange,
    followup,
    health,
    home,
    issuing,
    legacy_views,
    org_import,
    outbox,
    public_verify,
    remote_views,
    seal_admin,
    security_headers,
    signing_views,
    succession_admin,
    templates_admin,
)
from .cli import register_cli
from .context import close_db
from .extensions import check_route_limits_only, csrf, limiter, login_manager
from .ui import register_ui


class IdConverter(IntegerConverter):
    """``<int:…>`` URL parts are row ids: past the INTEGER range they match no route (404) instead of
    reaching the database (SQLite raises OverflowError beyond 64 bits: a 500)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _no_store_for_signed_in(response: Response) -> Response:
    """Pages for a signed-in user (and every API answer) must not stay in a browser or proxy cache."""
    if current_user and current_user.is_authenticated and (
            response.mimetype == "text/html" or request.path.startswith("/api/")):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def _trim_after_writes(response: Response) -> Response:
    """Signing, conversion and uploads (POST and the like) peak at tens of MB of buffers and parsed
    PDFs: once the answer is sent, give the freed pages back (``memory.trim``). Reads are left alone
    (the list's throughput)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        response.call_on_close(memory.trim)
    return response


def create_app(overrides: Mapping[str, Any] | None = None) -> APIFlask:
    """Build the app; ``overrides`` replaces settings (tests pass data_dir, database_url…)."""
    settings = load_settings().with_overrides(overrides)
    app = APIFlask(
        "khuyenhoc_docs.web",
        title="khuyenhoc_docs API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        json_errors=False,  # errors.py answers JSON under /api and Vietnamese HTML elsewhere
    )
    app.url_map.converters["int"] = IdConverter  # before any blueprint adds its rules
    app.config.update(
        SECRET_KEY=ensure_secret_key(settings),
        TESTING=settings.testing,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_CSRF_ENABLED=not settings.extra.get("csrf_disabled", False),
        RATELIMIT_STORAGE_URI=settings.ratelimit_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        JSON_AS_ASCII=False,
        SECURITY_SCHEMES={"BearerAuth": {"type": "http", "scheme": "bearer"}},
        INFO={"description": "API của hệ thống văn bản phối hợp Hội Khuyến học – Đoàn TNCS Hồ Chí Minh."},
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.config["KHD_SETTINGS"] = settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    engine = make_engine(settings.sqlalchemy_url)
    app.extensions["khd.engine"] = engine
    if not settings.search_parallel:
        from ..search import beside

        beside.keep_to_session(engine)
    app.extensions["khd.sessions"] = make_session_factory(engine)
    app.extensions["khd.services"] = Services(settings)
    jobs_setup.configure(settings, app.extensions["khd.services"], app.extensions["khd.sessions"])

    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security_headers.init_app(app, force_https=settings.force_https)

    for module in (auth, home, admin, documents, health, templates_admin, signing_views, issuing, ack,
                   credentials_admin, seal_admin, followup, archive, public_verify, batch_views, remote_views, outbox,
                   exchange, org_import, succession_admin, legacy_views, copies_views):
        app.register_blueprint(module.bp)
    api.register(app)
    errors.register(app)
    register_ui(app)
    register_cli(app)
    check_route_limits_only(app, limiter)
    app.after_request(_no_store_for_signed_in)
    app.after_request(_trim_after_writes)
    app.teardown_appcontext(close_db)
    logging.getLogger("khuyenhoc_docs").setLevel(logging.INFO)
    return app
