"""GET /healthz: status of the database, the object store and the converter."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from .context import db, services

bp = Blueprint("health", __name__)


def _probe(fn) -> dict:
    try:
        fn()
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - health reports every failure as data
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}


@bp.get("/healthz")
def healthz():
    svc = services()
    result = {
        "database": _probe(lambda: db().execute(text("SELECT 1"))),
        "object_store": {**_probe(lambda: svc.store.check()), "backend": "s3" if svc.settings.s3_endpoint else "local"},
        "converter": {**_probe(lambda: svc.converter.check()), "backend": type(svc.converter).__name__},
    }
    ok = all(part["ok"] for part in result.values())
    result["status"] = "ok" if ok else "degraded"
    return jsonify(result), 200 if ok else 503
