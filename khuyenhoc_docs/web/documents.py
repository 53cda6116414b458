"""Browser pages for documents: list, draft form, preview, versions, submit and withdraw."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from .. import audit
from ..drafting.templates import TemplateKind
from ..errors import NotFound, ValidationFailed
from ..evidence import build_evidence, metadata
from ..models import STATUSES, Dispatch, Organisation
from ..orgtree import counterpart
from ..workflow import documents, drafting, prefill, submission
from ..workflow.objects import read
from .context import actor, db, require, services, signed_in
from .doc_forms import fields_from_form, form_from_fields
from .downloads import file_response
from .forms import form_int

bp = Blueprint("documents", __name__, url_prefix="/documents")

KIND_LABELS = {k.value: k.label_vi for k in TemplateKind}
PAGE_SIZE = 25


@bp.get("/")
@login_required
def index():
    p = signed_in()
    q = (request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") or ""
    listing = documents.list_documents(db(), p, status=status, text=q, page=form_int(request.args, "page") or 1,
                                       per_page=PAGE_SIZE)
    return render_template("documents/index.html", docs=listing.items, q=q, status=status, page=listing.page,
                           pages=listing.pages, total=listing.total, statuses=STATUSES)


@bp.get("/new")
@login_required
def new():
    p = require("document.create")
    session = db()
    kind = request.args.get("kind") or TemplateKind.PROGRAMME_PROVINCE.value
    if kind not in KIND_LABELS:
        raise NotFound("Không có loại mẫu văn bản này.")
    partner = counterpart(session, p.user.organisation)
    values = form_from_fields(prefill.initial_fields(session, kind, p.user.organisation, partner))
    return render_template("documents/form.html", kind=kind, kinds=KIND_LABELS, values=values, errors={},
                           doc=None, partner=partner, orgs=_orgs(session))


@bp.post("/new")
@login_required
def create():
    p = require("document.create")
    session = db()
    kind = request.form.get("kind", "")
    data = fields_from_form(request.form)
    try:
        doc = drafting.create_draft(session, services(), p, actor(), kind=kind, data=data,
                                    partner_org_id=form_int(request.form, "partner_org_id"),
                                    routing=request.form.get("routing", "any"))
    except ValidationFailed as exc:
        session.rollback()
        flash(exc.message, "error")
        return render_template("documents/form.html", kind=kind if kind in KIND_LABELS else
                               TemplateKind.PROGRAMME_PROVINCE.value, kinds=KIND_LABELS,
                               values=form_from_fields(data), errors=exc.fields, doc=None, partner=None,
                               orgs=_orgs(session)), 422
    flash("Đã tạo dự thảo (phiên bản 1).", "success")
    return redirect(url_for("documents.show", doc_id=doc.id))


@bp.get("/<int:doc_id>")
@login_required
def show(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id)
    versions = documents.versions(session, doc, newest_first=True)
    signatures = [s for s in doc.signatures if s.status != "cancelled"]
    meta = metadata(doc, read(services().store, doc.pdf_object)) if doc.doc_number and doc.pdf_object else None
    dispatches = session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id)).all()
    audit.record(session, actor(), "view", "document", doc.id)
    session.commit()
    return render_template("documents/show.html", doc=doc, versions=versions, signatures=signatures,
                           kinds=KIND_LABELS, history=audit.events_for(session, "document", doc.id)[-30:],
                           meta=meta, dispatches=dispatches)


@bp.get("/<int:doc_id>/edit")
@login_required
def edit(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id, "document.edit")
    return render_template("documents/form.html", kind=doc.kind, kinds=KIND_LABELS, values=form_from_fields(doc.fields),
                           errors={}, doc=doc, partner=doc.partner_org, orgs=_orgs(session))


@bp.post("/<int:doc_id>/edit")
@login_required
def update(doc_id: int):
    p = signed_in()
    session = db()
    data = fields_from_form(request.form)
    try:
        drafting.update_draft(session, services(), p, actor(), doc_id, data=data,
                              expected_version=form_int(request.form, "version"),
                              routing=request.form.get("routing") or None)
    except ValidationFailed as exc:
        session.rollback()
        doc = documents.get_document(session, p, doc_id, "document.edit")
        flash(exc.message, "error")
        return render_template("documents/form.html", kind=doc.kind, kinds=KIND_LABELS, values=form_from_fields(data),
                               errors=exc.fields, doc=doc, partner=doc.partner_org, orgs=_orgs(session)), 422
    flash("Đã lưu phiên bản mới.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.post("/<int:doc_id>/submit")
@login_required
def submit(doc_id: int):
    p = signed_in()
    doc = submission.submit(db(), services(), p, actor(), doc_id)
    flash(f"Đã trình ký văn bản số {doc.doc_number}.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.post("/<int:doc_id>/withdraw")
@login_required
def withdraw(doc_id: int):
    p = signed_in()
    submission.withdraw(db(), services(), p, actor(), doc_id, request.form.get("reason", "")[:2001])
    flash("Đã thu hồi văn bản; số văn bản được ghi nhận là số hủy.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.get("/<int:doc_id>/file")
@login_required
def file(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id)
    fmt = request.args.get("format", "pdf")
    data, mimetype, name = documents.download(session, services(), doc, fmt, form_int(request.args, "version"))
    audit.record(session, actor(), "download", "document", doc.id, format=fmt,
                 version=request.args.get("version") or "current")
    session.commit()
    disposition = "inline" if fmt == "pdf" and not request.args.get("download") else "attachment"
    return file_response(data, mimetype, name, inline=disposition == "inline")


@bp.get("/<int:doc_id>/evidence.zip")
@login_required
def evidence(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id, "document.export")
    audit.record(session, actor(), "export", "document", doc.id, what="evidence.zip")
    session.commit()
    name = (doc.doc_number or f"van-ban-{doc.id}").replace("/", "-")
    return file_response(build_evidence(session, services(), doc), "application/zip", f"chung-cu-{name}.zip")


def _orgs(session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))
