"""The JSON API under /api/v1: bearer tokens only (no cookies, so no CSRF exposure)."""
from __future__ import annotations

from apiflask import APIBlueprint
from flask import Flask, g, request

from ...accounts import user_for_token
from ..context import db
from ..errors import respond
from ..extensions import csrf

bp = APIBlueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.issue_token"}


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(db(), token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return respond(401, "Thiếu hoặc sai mã truy cập (Bearer token), hoặc mã đã hết hạn.")
    # Flask-Login keeps the request's user in g._login_user; the session cookie is ignored here.
    g._login_user = user
    g.pop("principal", None)
    return None


def register(app: Flask) -> None:
    """Attach the API blueprint and its route modules."""
    from . import archive_api, auth_api, distribution_api, documents_api, followup_api, search_api  # noqa: F401  (routes register on import)

    csrf.exempt(bp)
    app.register_blueprint(bp)
