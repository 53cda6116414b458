"""GET /api/v1/search: full text plus filters, paginated, scoped to the caller's organisations."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Date, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from flask import request

from ...workflow import archive
from ..context import db, require
from . import bp


class SearchQuery(Schema):
    q = String(load_default="", validate=Length(max=2000))
    doc_number = String(validate=Length(max=200))
    year = Integer(validate=Range(1, 9999))
    level = String(validate=Length(max=40))
    signer = String(validate=Length(max=200))
    status = String(validate=Length(max=40))
    kind = String(validate=OneOf(["document", "incoming"]))
    date_from = Date()
    date_to = Date()
    page = Integer(load_default=1, validate=Range(1, 100_000))
    per_page = Integer(load_default=20, validate=Range(1, 100))


class HitOut(Schema):
    kind = String(metadata={"description": "document: a record (/documents/{id}); incoming: an incoming "
                                           "document (/incoming/{id}), document_id is then its id"})
    document_id = Integer()
    doc_number = String(allow_none=True)
    title = String()
    snippet_html = String()
    score = Float()


class SearchOut(Schema):
    items = List(Nested(HitOut), attribute="hits")
    total = Integer()
    page = Integer()
    per_page = Integer()


@bp.get("/search")
@bp.input(SearchQuery, location="query", arg_name="query")
@bp.output(SearchOut)
@bp.doc(summary="Tra cứu toàn văn (có dấu hoặc không dấu) hồ sơ và văn bản đến; lọc theo loại, số, năm, cấp, "
                "người ký, trạng thái, ngày",
        security="BearerAuth")
def search(query):
    p = require("archive.search")
    _, _, page = archive.search(db(), p, request.args)
    return page
