"""Public pages behind a recipient's personal link: download the signed PDF, confirm receipt."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..filenames import document_basename
from ..workflow import distribution
from .context import db, services
from .downloads import file_response
from .extensions import limiter

bp = Blueprint("ack", __name__, url_prefix="/r")


def _dispatch(token: str):
    return distribution.dispatch_for_token(db(), services(), token[:400])


@bp.get("/<token>")
@limiter.limit("60 per minute")
def landing(token: str):
    d = _dispatch(token)
    doc = distribution.dispatch_document(db(), d)
    return render_template("issuing/ack.html", d=d, doc=doc, token=token)


@bp.get("/<token>/file")
@limiter.limit("30 per minute")
def download(token: str):
    d = _dispatch(token)
    data = distribution.download_and_record(db(), services(), d, request.remote_addr or "")
    doc = distribution.dispatch_document(db(), d)
    name = document_basename(doc.doc_number, doc.id)
    return file_response(data, "application/pdf", f"{name}.pdf")


@bp.post("/<token>/ack")
@limiter.limit("30 per minute")
def confirm(token: str):
    d = _dispatch(token)
    distribution.acknowledge(db(), d, request.remote_addr or "")
    doc = distribution.dispatch_document(db(), d)
    return render_template("issuing/ack.html", d=d, doc=doc, token=token, confirmed=True)
