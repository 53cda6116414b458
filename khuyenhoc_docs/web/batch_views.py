"""Browser page for batch signing: pick documents awaiting my signature, one passphrase/PIN for all.

The page's script sends the selection in small chunks (so the progress bar moves with real
results); without JavaScript the form posts everything at once and the results page is shown."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_login import login_required

from ..errors import DomainError
from ..workflow import batch, remote_signing
from . import remote_views
from .context import actor, db, require, services

bp = Blueprint("batch", __name__)


def _ids() -> list[int]:
    ids = []
    for raw in request.form.getlist("document_ids")[: batch.MAX_BATCH + 1]:
        for part in raw.split(","):
            if part.strip().isdigit() and len(part.strip()) < 10:
                ids.append(int(part))
    return ids


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.get("/sign-batch")
@login_required
def page():
    p = require("document.sign_batch")
    docs = batch.awaiting_my_signature(db(), p)
    return render_template("signing/batch.html", docs=docs, results=None,
                           remote=remote_signing.remote_kind(db(), p))


@bp.post("/sign-batch")
@login_required
def run():
    p = require("document.sign_batch")
    if remote_signing.uses_remote(db(), p):  # one authorisation for all: the waiting page shows progress
        return remote_views.start(_ids(), url_for("batch.page"))
    try:
        results = [r.to_dict() for r in batch.sign_batch_local(db(), services(), p, actor(), _ids(),
                                                               request.form.get("secret", "")[:300])]
    except DomainError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        if _wants_json():
            return jsonify({"error": {"status": exc.status, "message": exc.message}}), exc.status
        return render_template("signing/batch.html", docs=[], results=None, error=exc.message), exc.status
    if _wants_json():
        return jsonify({"results": results})
    return render_template("signing/batch.html", docs=[], results=results)
