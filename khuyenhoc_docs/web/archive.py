"""Archive search page: full text with filters and highlighted snippets."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from ..errors import ValidationFailed
from ..models import STATUSES
from ..workflow import archive
from .context import db, require
from .exchange import STATES as INCOMING_STATES
from .messages import message_for

bp = Blueprint("archive", __name__)
KINDS = {"document": "Hồ sơ của hệ thống", "incoming": "Văn bản đến"}
LEVELS = {"province": "Cấp tỉnh", "district": "Cấp huyện, thành phố", "grassroots": "Cấp cơ sở"}


@bp.get("/search")
@login_required
def search():
    p = require("archive.search")
    try:
        query, _, result = archive.search(db(), p, request.args)
        error = None
    except ValidationFailed as exc:
        query, result, error = request.args.get("q", "")[:200], None, message_for(exc)
    return render_template("archive/search.html", q=query, args=request.args, result=result, error=error,
                           levels=LEVELS, statuses=STATUSES, kinds=KINDS,
                           incoming_states=INCOMING_STATES), 422 if error else 200
