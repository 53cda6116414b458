"""Browser pages for documents: list, draft form, preview, versions, submit and withdraw."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from .. import legacy, signing
from ..drafting.templates import TemplateKind
from ..errors import NotFound, ValidationFailed
from ..models import LEAD, STATUSES, Organisation
from ..orgtree import counterpart
from ..workflow import copies, documents, drafting, prefill, sealing, submission
from .context import actor, db, require, services, signed_in
from .doc_forms import fields_from_form, form_from_fields
from .downloads import file_response
from .forms import form_int, is_id
from .messages import message_for

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
                           doc=None, partner=partner, orgs=_orgs(session), picker=_picker(session))


@bp.post("/new")
@login_required
def create():
    p = require("document.create")
    session = db()
    kind = request.form.get("kind", "")
    data = fields_from_form(request.form)
    partner_id = form_int(request.form, "partner_org_id")
    routing = request.form.get("routing", "any")
    try:
        doc = drafting.create_draft(session, services(), p, actor(), kind=kind, data=data,
                                    partner_org_id=partner_id, routing=routing, keep_printed=True,
                                    recipient_ids=_ids("recipient_ids"), recipient_list_ids=_ids("recipient_list_ids"))
    except ValidationFailed as exc:
        flash(message_for(exc), "error")
        # Every value comes back as typed, the chosen partner included (not the list's first option).
        partner = (session.get(Organisation, partner_id) if partner_id else None) or counterpart(
            session, p.user.organisation)
        return render_template("documents/form.html", kind=kind if kind in KIND_LABELS else
                               TemplateKind.PROGRAMME_PROVINCE.value, kinds=KIND_LABELS,
                               values=form_from_fields(data), errors=exc.fields, doc=None, partner=partner,
                               orgs=_orgs(session), routing=routing, picker=_picker(session, ticked=True)), 422
    flash("Đã tạo dự thảo (phiên bản 1).", "success")
    return redirect(url_for("documents.show", doc_id=doc.id))


@bp.get("/<int:doc_id>")
@login_required
def show(doc_id: int):
    session = db()
    p = signed_in()
    doc = documents.open_document(session, p, actor(), doc_id)
    info = documents.details(session, services(), doc)
    seal_role = sealing.pending_role(session, p, doc)
    return render_template("documents/show.html", doc=doc, versions=info.versions, signatures=info.signatures,
                           kinds={**KIND_LABELS, legacy.LEGACY_KIND: "Hồ sơ có trước hệ thống"}, history=info.history,
                           meta=info.meta, dispatches=info.dispatches, legacy_note=legacy.legacy_status(doc),
                           sign_place=documents.sign_place(services(), p, doc), seal_role=seal_role,
                           seal_preview=sealing.preview(session, doc) if seal_role == LEAD else None,
                           copies=copies.copies_of(session, doc), may_copy=copies.may_copy(p, doc))


@bp.get("/<int:doc_id>/edit")
@login_required
def edit(doc_id: int):
    p = signed_in()
    session = db()
    doc = documents.get_document(session, p, doc_id, "document.edit")
    return render_template("documents/form.html", kind=doc.kind, kinds=KIND_LABELS, values=form_from_fields(doc.fields),
                           errors={}, doc=doc, partner=doc.partner_org, orgs=_orgs(session),
                           picker=_picker(session, doc))


@bp.post("/<int:doc_id>/edit")
@login_required
def update(doc_id: int):
    p = signed_in()
    session = db()
    data = fields_from_form(request.form)
    try:
        drafting.update_draft(session, services(), p, actor(), doc_id, data=data,
                              expected_version=form_int(request.form, "version"),
                              routing=request.form.get("routing") or None, keep_printed=True,
                              recipient_ids=_ids("recipient_ids"), recipient_list_ids=_ids("recipient_list_ids"))
    except ValidationFailed as exc:
        doc = documents.get_document(session, p, doc_id, "document.edit")
        flash(message_for(exc), "error")
        return render_template("documents/form.html", kind=doc.kind, kinds=KIND_LABELS, values=form_from_fields(data),
                               errors=exc.fields, doc=doc, partner=doc.partner_org, orgs=_orgs(session),
                               picker=_picker(session, doc, ticked=True),
                               routing=request.form.get("routing") or doc.routing), 422
    flash("Đã lưu phiên bản mới.", "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.post("/<int:doc_id>/submit")
@login_required
def submit(doc_id: int):
    p = signed_in()
    try:
        submission.submit(db(), services(), p, actor(), doc_id)
    except ValidationFailed as exc:
        # The clerk fixes the draft: say what is wrong on the document page, in plain Vietnamese.
        db().rollback()
        flash(message_for(exc), "error")
        return redirect(url_for("documents.show", doc_id=doc_id)), 303
    flash("Đã trình ký. Văn bản được cấp số khi văn thư đóng dấu, sau khi hai người có thẩm quyền ký.", "success")
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
    fmt = request.args.get("format", "pdf")
    p = signed_in()
    data, mimetype, name = documents.fetch_file(db(), services(), p, actor(), doc_id, fmt,
                                                form_int(request.args, "version"),
                                                version=request.args.get("version") or "current")
    if fmt == "pdf" and request.args.get("mark") == "sign" and request.args.get("version") is None:
        # The signer's preview: a frame around their own field (the stored record is untouched).
        place = documents.sign_place(services(), p, documents.get_document(db(), p, doc_id), data)
        if place is not None:
            data = signing.fields.highlight_field(data, place, "Ô ký của bạn")
    inline = fmt == "pdf" and not request.args.get("download")
    return file_response(data, mimetype, name, inline=inline)


@bp.get("/<int:doc_id>/evidence.zip")
@login_required
def evidence(doc_id: int):
    data, name = documents.export_evidence(db(), services(), signed_in(), actor(), doc_id)
    return file_response(data, "application/zip", name)


def _orgs(session) -> list[Organisation]:
    """Partner choices: the counterparts of the clerk's organisation (the only ones drafting accepts)."""
    return documents.partner_choices(session, signed_in())


def _ids(name: str) -> list[int]:
    """Ids ticked in the form's "Chọn từ danh bạ" boxes (at most 200)."""
    return [int(v) for v in request.form.getlist(name) if is_id(v)][:200]


def _picker(session, doc=None, *, ticked: bool = False) -> dict:
    """The directory entries and lists the draft form offers, with the boxes ticked before an error."""
    rows, lists = drafting.recipient_choices(session, signed_in(), doc)
    return {"rows": rows, "lists": lists, "ids": set(_ids("recipient_ids")) if ticked else set(),
            "list_ids": set(_ids("recipient_list_ids")) if ticked else set()}
