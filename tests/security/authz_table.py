"""Who may call each route: the expectation table of ``test_authz_matrix.py`` (every rule of the URL
map is listed here or in ``EXEMPT``), with the role groups it is written in."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.conftest import DEMO_PASSWORD
from tests.security.conftest import ROLES, World

ANON, CLERK, HKH, TD, ARCH, ADMIN, OTHER = (
    "anonymous", "clerk", "chair_hkh", "chair_td", "archivist", "admin", "clerk_other_org")
assert set(ROLES) == {ANON, CLERK, HKH, TD, ARCH, ADMIN, OTHER}

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
#: document.view: admin anywhere; clerk/chair/archivist in scope (both chairs are: lead HKH, partner TĐ).
VIEWERS = frozenset({ADMIN, CLERK, HKH, TD, ARCH})
#: document.export / document.audit
EXPORTERS = frozenset({ADMIN, CLERK, ARCH})
#: document.create, template.list (+admin), recipients.manage (+admin): any clerk, whatever the organisation
CLERKS = frozenset({CLERK, OTHER})
#: document.edit/submit/withdraw/issue: a clerk whose scope holds the document
SCOPED_CLERK = frozenset({CLERK})
#: document.copy: a clerk or archivist whose organisation keeps the document
COPIERS = frozenset({CLERK, ARCH})
#: document.sign/decline: a chair with a pending signature (both chairs on the awaiting document)
SIGNERS = frozenset({HKH, TD})
#: document.seal: a clerk of the lead or the partner organisation itself (the world's TĐ has no clerk role)
SEALERS = frozenset({CLERK})
ONLY_ADMIN = frozenset({ADMIN})

REASON = "Kiểm tra phân quyền: lý do hợp lệ."

Body = Callable[[World, str], dict[str, Any]]


def _credentials(_w: World, role: str) -> dict[str, Any]:
    return {"username": ROLES[role] or "vanthu", "password": DEMO_PASSWORD}


@dataclass(frozen=True)
class Expect:
    """Who may call a route, and how to build a request that reaches its authorization check."""

    allowed: frozenset[str]
    doc: str = "signed"  #: which world document fills <doc_id>: draft | awaiting | signed | issued
    body: Body | None = None  #: JSON for the API, form fields for the UI (CSRF token added)
    own_client: bool = False  #: changes only the caller's session: a private client on the shared app
    stateless: bool = False  #: a POST that writes nothing: may run on the shared app
    files: bool = False  #: send ``body`` as multipart with a junk file under "file"
    #: roles the route answers 404 (the object is hidden from them rather than refused)
    hidden: frozenset[str] = frozenset()
    #: exact status for allowed roles on a GET (catches ids that point nowhere: a 404 is no proof)
    ok_status: int = 200
    #: role → (status the app answers today, why): a documented deviation from "deny = 401/403".
    #: The case checks that exact answer (and no 5xx), then reports itself as xfail; once the app
    #: is fixed the answer changes and the case fails until the entry is removed.
    known: dict[str, tuple[int, str]] = field(default_factory=dict)


def _paper_form(w: World, _role: str) -> dict[str, Any]:
    return {f"channel_{rid}": "paper" for rid in w.recipient_ids}


#: legacy.import: the clerks and archivists who keep the archive
LEGACY = frozenset({CLERK, OTHER, ARCH})


def _legacy_meta(_w: World, _role: str) -> dict[str, Any]:
    return {"doc_number": "01/CTPH-X", "issue_date": "2016-01-04", "title": "Hồ sơ cũ", "organisation_ids": "999999"}


def _paper_json(w: World, _role: str) -> dict[str, Any]:
    return {"channels": {str(rid): "paper" for rid in w.recipient_ids}}


#: (endpoint, method) → expectation. Every rule of the URL map must be here or in EXEMPT.
EXPECTED: dict[tuple[str, str], Expect] = {
    # --- browser UI ---------------------------------------------------------------------------
    ("home.root", "GET"): Expect(EVERYONE, ok_status=302),  # a redirect: to /login or /home
    ("home.index", "GET"): Expect(SIGNED_IN),
    ("auth.login", "GET"): Expect(EVERYONE),
    ("auth.login", "POST"): Expect(EVERYONE, body=_credentials, own_client=True),
    ("auth.logout", "POST"): Expect(SIGNED_IN, own_client=True),
    ("auth.change_password", "GET"): Expect(SIGNED_IN),
    # A wrong current password: 422, nothing written.
    ("auth.change_password", "POST"): Expect(SIGNED_IN, stateless=True, body=lambda w, r: {"current_password": "x"}),
    ("admin.organisations", "GET"): Expect(ONLY_ADMIN),
    ("admin.create_org", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"name": ""}),
    ("admin.users", "GET"): Expect(ONLY_ADMIN),
    ("admin.create_user_view", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"username": ""}),
    ("org_import.index", "GET"): Expect(ONLY_ADMIN),
    # A junk upload: the preview lists its errors (422) and writes nothing.
    ("org_import.run", "POST"): Expect(ONLY_ADMIN, files=True, stateless=True),
    ("succession_admin.index", "GET"): Expect(ONLY_ADMIN),
    # An empty form: 422 with the Vietnamese field errors, nothing recorded.
    ("succession_admin.create", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"kind": "merger"}),
    ("admin.edit_user", "GET"): Expect(ONLY_ADMIN),
    ("admin.update_user_view", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"full_name": ""}),
    ("admin.reset_password_view", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"password": "x",
                                                                                 "password_confirm": "y"}),
    ("credentials_admin.manage", "GET"): Expect(ONLY_ADMIN),
    ("credentials_admin.manage", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"action": "image"}),
    ("seal_admin.manage", "GET"): Expect(ONLY_ADMIN),
    ("seal_admin.manage", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"action": "size", "seal_size_mm": "5"}),
    ("seal_admin.seal_image", "GET"): Expect(ONLY_ADMIN),
    ("templates_admin.index", "GET"): Expect(ONLY_ADMIN),
    ("templates_admin.upload", "POST"): Expect(ONLY_ADMIN, body=lambda w, r: {"kind": w.document_kind}),
    ("templates_admin.download", "GET"): Expect(CLERKS | ONLY_ADMIN),
    ("documents.index", "GET"): Expect(SIGNED_IN),  # everyone has a role that lists (filtered by scope)
    ("documents.new", "GET"): Expect(CLERKS),
    ("documents.create", "POST"): Expect(CLERKS, body=lambda w, r: {"kind": w.document_kind}),
    ("documents.show", "GET"): Expect(VIEWERS),
    ("documents.edit", "GET"): Expect(SCOPED_CLERK, doc="draft"),
    ("documents.update", "POST"): Expect(SCOPED_CLERK, doc="draft", body=lambda w, r: {"summary": ""}),
    ("documents.submit", "POST"): Expect(SCOPED_CLERK, doc="draft"),
    ("documents.withdraw", "POST"): Expect(SCOPED_CLERK, doc="awaiting", body=lambda w, r: {"reason": REASON}),
    ("documents.file", "GET"): Expect(VIEWERS),
    ("documents.evidence", "GET"): Expect(EXPORTERS),
    ("signing.sign", "POST"): Expect(SIGNERS, doc="awaiting", body=lambda w, r: {"secret": DEMO_PASSWORD}),
    ("signing.decline", "POST"): Expect(SIGNERS, doc="awaiting", body=lambda w, r: {"reason": REASON}),
    ("signing.seal", "POST"): Expect(SEALERS, body=lambda w, r: {"secret": DEMO_PASSWORD}),
    ("signing.verification", "GET"): Expect(VIEWERS),  # document.verify: same people here
    # document.sign_batch: any chair; each listed document is then checked with document.sign.
    ("batch.page", "GET"): Expect(SIGNERS),
    # signing_request.view: the chair who started it, and admins; cancel: only that chair.
    ("remote.page", "GET"): Expect(frozenset({HKH, ADMIN})),
    ("remote.status", "GET"): Expect(frozenset({HKH, ADMIN})),
    ("remote.cancel", "POST"): Expect(frozenset({HKH})),
    ("batch.run", "POST"): Expect(SIGNERS, body=lambda w, r: {"secret": "x", "document_ids": "999999"}),
    ("signing.verify_upload", "GET"): Expect(SIGNED_IN),
    ("signing.verify_upload", "POST"): Expect(SIGNED_IN, stateless=True),
    ("issuing.dispatches", "GET"): Expect(VIEWERS, doc="issued"),
    ("issuing.issue", "POST"): Expect(SCOPED_CLERK, body=_paper_form),
    ("issuing.resend", "POST"): Expect(SCOPED_CLERK),
    ("issuing.resend_all", "POST"): Expect(SCOPED_CLERK, doc="issued"),
    ("issuing.directory", "GET"): Expect(CLERKS | ONLY_ADMIN),
    ("issuing.directory", "POST"): Expect(CLERKS | ONLY_ADMIN, body=lambda w, r: {"name": ""}),
    ("issuing.register_page", "GET"): Expect(CLERKS | EXPORTERS),
    ("archive.search", "GET"): Expect(SIGNED_IN, body=lambda w, r: {"q": "khuyến học"}),  # archive.search
    # legacy.import: clerks and archivists; an unknown organisation then answers 422, nothing written.
    ("legacy.index", "GET"): Expect(LEGACY),
    ("legacy.create", "POST"): Expect(LEGACY, files=True, stateless=True, body=_legacy_meta),
    # Certifying a digitised copy uses the organisation's key: only its own clerk (409 here: not digitised).
    ("legacy.certify", "POST"): Expect(SCOPED_CLERK, stateless=True, body=lambda w, r: {"secret": "x"}),
    # A certified copy: a clerk who keeps the record signs with their own organisation's key (422: bad secret).
    # A certified copy (sao y, trích sao): a clerk or archivist whose organisation keeps the record signs with
    # their own organisation's key (422 here: wrong secret, nothing written).
    ("copies.create", "POST"): Expect(COPIERS, doc="issued", stateless=True,
                                      body=lambda w, r: {"kind": "sao_y", "secret": "x"}),
    # No copy in the world: allowed roles reach the lookup (404), the others are refused before it.
    ("copies.file", "GET"): Expect(VIEWERS, ok_status=404),
    ("followup.tree", "GET"): Expect(VIEWERS),
    # start_cascade checks document.issue and document.create; an unknown unit then answers 422.
    ("followup.cascade", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"unit_ids": "999999"}),
    # A job is visible to whoever started it and to admins; to everyone else it does not exist.
    ("followup.job", "GET"): Expect(frozenset({CLERK, ADMIN}), hidden=SIGNED_IN - {CLERK, ADMIN}),
    ("followup.reports", "GET"): Expect(SIGNED_IN),
    # Only a clerk of the unit (or of its counterpart: Huyện đoàn Châu Thành) may hand in its report.
    ("followup.reports", "POST"): Expect(frozenset({OTHER}), files=True,
                                         body=lambda w, r: {"obligation_id": str(w.obligation_id)}),
    ("followup.report_template", "GET"): Expect(frozenset({OTHER})),  # the same unit's clerk only
    # The world's obligation has no submitted file: there is nothing to see, for anyone.
    ("followup.report_file", "GET"): Expect(frozenset(), hidden=SIGNED_IN),
    ("followup.report_pdf", "GET"): Expect(frozenset(), hidden=SIGNED_IN),
    # The local outbox (no SMTP host): admins and clerks; the world holds no message, hence 404.
    ("outbox.index", "GET"): Expect(CLERKS | ONLY_ADMIN),
    ("outbox.show", "GET"): Expect(CLERKS | ONLY_ADMIN, ok_status=404),
    ("outbox.attachment", "GET"): Expect(CLERKS | ONLY_ADMIN, ok_status=404),
    # Only a chair of the reporting unit signs its report; the world has no such chair.
    ("followup.sign_report", "POST"): Expect(frozenset(), body=lambda w, r: {"secret": "x"}),
    # edXML incoming register: clerks and archivists list it (their own scope); the world's incoming
    # document belongs to Hội Khuyến học tỉnh, so only its clerk may report progress or answer.
    ("exchange.register", "GET"): Expect(CLERKS | EXPORTERS),
    ("exchange.show", "GET"): Expect(EXPORTERS),
    ("exchange.file", "GET"): Expect(EXPORTERS),
    ("exchange.status", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"code": "04"}),
    ("exchange.answer", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"agree": "1"}),  # 409: nothing pending
    # "Triển khai" from a received document: its organisation's clerk; an unknown unit then answers 422.
    ("exchange.cascade", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"unit_ids": "999999"}),
    # "Trả lời" makes a draft: the clerk of the receiving organisation (a new draft for the allowed role)
    ("exchange.reply", "POST"): Expect(SCOPED_CLERK),
    # The unit's clerks and chairs withdraw a report signature: the world has the unit's clerk only.
    ("followup.withdraw_report_signature", "POST"): Expect(frozenset({OTHER}), body=lambda w, r: {"reason": REASON}),
    # --- JSON API (Bearer tokens only) --------------------------------------------------------
    ("api.issue_token", "POST"): Expect(EVERYONE, body=_credentials, stateless=True),
    ("api.me", "GET"): Expect(SIGNED_IN),
    ("api.revoke_token", "DELETE"): Expect(SIGNED_IN),  # ends the caller's own token (a fresh world each)
    ("api.trust_roots", "GET"): Expect(SIGNED_IN),
    ("api.list_templates", "GET"): Expect(CLERKS | ONLY_ADMIN),
    ("api.list_documents", "GET"): Expect(SIGNED_IN),
    ("api.create_document", "POST"): Expect(CLERKS, body=lambda w, r: {"kind": w.document_kind, "fields": {}}),
    ("api.get_document", "GET"): Expect(VIEWERS),
    ("api.patch_document", "PATCH"): Expect(SCOPED_CLERK, doc="draft", body=lambda w, r: {"fields": {}}),
    ("api.list_versions", "GET"): Expect(VIEWERS),
    ("api.document_file", "GET"): Expect(VIEWERS),
    ("api.document_audit", "GET"): Expect(EXPORTERS),
    ("api.evidence", "GET"): Expect(EXPORTERS),
    ("api.submit_document", "POST"): Expect(SCOPED_CLERK, doc="draft"),
    ("api.withdraw_document", "POST"): Expect(SCOPED_CLERK, doc="awaiting", body=lambda w, r: {"reason": REASON}),
    ("api.sign_document", "POST"): Expect(SIGNERS, doc="awaiting", body=lambda w, r: {"secret": DEMO_PASSWORD}),
    ("api.get_signing_request", "GET"): Expect(frozenset({HKH, ADMIN})),
    ("api.cancel_signing_request", "DELETE"): Expect(frozenset({HKH})),
    ("api.sign_batch", "POST"): Expect(SIGNERS, body=lambda w, r: {"document_ids": [999999], "secret": "x"}),
    ("api.decline_document", "POST"): Expect(SIGNERS, doc="awaiting", body=lambda w, r: {"reason": REASON}),
    ("api.seal_document", "POST"): Expect(SEALERS, body=lambda w, r: {"secret": DEMO_PASSWORD}),
    ("api.document_verification", "GET"): Expect(VIEWERS),
    ("api.verify_pdf", "POST"): Expect(SIGNED_IN, files=True, stateless=True),
    ("api.issue_document", "POST"): Expect(SCOPED_CLERK, body=_paper_json),
    ("api.list_dispatches", "GET"): Expect(VIEWERS, doc="issued"),
    ("api.resend_dispatch", "POST"): Expect(SCOPED_CLERK),
    ("api.register", "GET"): Expect(CLERKS | EXPORTERS),
    ("api.search", "GET"): Expect(SIGNED_IN, body=lambda w, r: {"q": "khuyến học"}),
    ("api.start_cascade", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"unit_ids": [999999]}),
    ("api.get_job", "GET"): Expect(frozenset({CLERK, ADMIN}), hidden=SIGNED_IN - {CLERK, ADMIN}),
    ("api.list_reports", "GET"): Expect(SIGNED_IN),
    ("api.list_organisations", "GET"): Expect(SIGNED_IN),
    ("api.import_legacy_pdf", "POST"): Expect(LEGACY, files=True, stateless=True, body=_legacy_meta),
    ("api.digitise_legacy", "POST"): Expect(LEGACY, files=True, stateless=True, body=_legacy_meta),
    ("api.certify_legacy", "POST"): Expect(SCOPED_CLERK, stateless=True, body=lambda w, r: {"secret": "x"}),
    ("api.create_copy", "POST"): Expect(COPIERS, doc="issued", stateless=True,
                                       body=lambda w, r: {"kind": "sao_y", "secret": "x"}),
    ("api.list_copies", "GET"): Expect(VIEWERS),
    ("api.copy_file", "GET"): Expect(VIEWERS, ok_status=404),
    ("api.submit_report", "POST"): Expect(frozenset({OTHER}), files=True),
    ("api.sign_report", "POST"): Expect(frozenset(), body=lambda w, r: {"secret": "x"}),
    ("api.receive_edxml", "POST"): Expect(CLERKS | ONLY_ADMIN, stateless=True),  # 422: an empty body
    ("api.incoming_register", "GET"): Expect(CLERKS | EXPORTERS),
    ("api.incoming_detail", "GET"): Expect(EXPORTERS),
    ("api.incoming_file", "GET"): Expect(EXPORTERS),
    ("api.incoming_status", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"code": "04"}),
    ("api.incoming_answer", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"agree": True}),  # 409
    ("api.incoming_cascade", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"unit_ids": [999999]}),  # 422
    ("api.incoming_reply", "POST"): Expect(SCOPED_CLERK, body=lambda w, r: {"recipient_ids": [999999]}),  # 422
    # The world's dispatch went on paper: viewers are let through to a 404 (no package).
    ("api.dispatch_package", "GET"): Expect(VIEWERS, doc="issued", ok_status=404),
    ("api.dispatch_statuses", "GET"): Expect(VIEWERS, doc="issued"),
    ("api.dispatch_business", "POST"): Expect(SCOPED_CLERK, doc="issued",  # 409: not an edXML dispatch
                                              body=lambda w, r: {"kind": "revoke", "reason": REASON, "secret": "x"}),
    ("api.withdraw_report_signature", "POST"): Expect(frozenset({OTHER}), body=lambda w, r: {"reason": REASON}),
}

#: Public by design; each has its own test (recipient pages below, the rest elsewhere).
EXEMPT = {
    "static": "static files",
    "health.healthz": "monitoring probe, reports no data",
    "ack.landing": "recipient page behind a signed token (test_recipient_pages_need_a_valid_token)",
    "ack.download": "recipient download behind a signed token (same test)",
    "ack.confirm": "recipient confirmation behind a signed token (same test)",
    "public_verify.record": "public verification page by record code, no login (tests/test_public_verify.py)",
    "openapi.spec": "the OpenAPI document",
    "openapi.docs": "Swagger UI",
    "openapi.swagger_ui_oauth_redirect": "Swagger UI helper page",
}
