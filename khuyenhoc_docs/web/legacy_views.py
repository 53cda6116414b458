"""Records from before the system: import a signed PDF, or digitise a paper original (UI)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import legacy
from ..errors import Conflict, ValidationFailed
from ..organisations import tree
from ..workflow import certify as certifying
from ..workflow import signing
from .context import actor, db, require, services
from .forms import legacy_metadata
from .messages import message_for

bp = Blueprint("legacy", __name__, url_prefix="/archive/legacy")


def _page(errors: dict, form, status: int = 200):
    return render_template("archive/legacy.html", rows=tree(db()), errors=errors, form=form), status


@bp.get("/")
@login_required
def index():
    require("legacy.import")
    return _page({}, {})


@bp.post("/")
@login_required
def create():
    p = require("legacy.import")
    session = db()
    meta = legacy_metadata(request.form)
    files = [f.read() for f in request.files.getlist("file") if f and f.filename]
    try:
        if not files:
            raise ValidationFailed("Chưa chọn tệp.", fields={"file": "Bắt buộc."})
        if request.form.get("mode") == "digitise":
            doc = legacy.digitise_paper(session, services(), p, actor(), meta, files)
        else:
            if len(files) != 1:
                raise ValidationFailed("Nhập mỗi lần một tệp PDF đã ký.", fields={"file": "Một tệp PDF."})
            doc = legacy.import_signed_pdf(session, services(), p, actor(), meta, files[0])
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _page(exc.fields, request.form, 422)
    verified = (doc.fields or {}).get("legacy", {}).get("verified")
    flash(f"Đã nhập hồ sơ số {doc.doc_number}" + ("." if verified or doc.origin == "digitised"
                                                  else " — CHƯA XÁC THỰC (chữ ký số không hợp lệ)."),
          "success" if verified or doc.origin == "digitised" else "error")
    return redirect(url_for("documents.show", doc_id=doc.id))


@bp.post("/<int:doc_id>/certify")
@login_required
def certify(doc_id: int):
    """The digitising organisation's clerk signs the digitised copy as the organisation ("sao y")."""
    p = require("legacy.import")
    try:
        certifying.certify_digitised(db(), services(), p, actor(), doc_id, request.form.get("secret", "")[:300])
    except (ValidationFailed, Conflict, signing.SigningRefused) as exc:
        flash(message_for(exc), "error")
    else:
        flash("Đã ký số xác nhận bản sao y của bản số hóa.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))

