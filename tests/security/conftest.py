"""Shared pieces of the security suites.

``security_world`` is a data dir built once per session from the seeded demo data, holding a
document in every interesting state (draft, awaiting signatures, signed and verified, issued)
plus a clerk of another organisation. Tests copy it (``world_app``) so they can change it freely.
"""
from __future__ import annotations

import io
import shutil
import socket
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from khuyenhoc_docs.accounts import NewUser, create_user
from khuyenhoc_docs.models import (
    BackgroundJob,
    Document,
    IncomingDocument,
    Organisation,
    SigningCredential,
    SigningRequest,
    TemplateVersion,
    User,
)
from khuyenhoc_docs.recipients import document_recipients
from khuyenhoc_docs.workflow.reports import ensure_obligations
from tests.conftest import DEMO_PASSWORD, api_token, login, make_app
from tests.flow import seal_both

OTHER_ORG = "Huyện đoàn Châu Thành"
OTHER_CLERK = "vanthu.chauthanh"

#: Role name → demo account (None: not signed in).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "clerk": "vanthu",
    "chair_hkh": "chutich.hkh",
    "chair_td": "phobithu.td",
    "archivist": "luutru",
    "admin": "admin",
    "clerk_other_org": OTHER_CLERK,
}


def closed_port() -> int:
    """A local TCP port with nothing listening (mail to it fails at once, never leaves the host)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def security_app(data_dir: Path, **overrides):
    """An app whose background deliveries run inline and fail fast against a closed local port."""
    settings = {"jobs_immediate": True, "smtp_host": "127.0.0.1", "smtp_port": closed_port(), "smtp_timeout": 1.0}
    return make_app(data_dir, **{**settings, **overrides})


@contextmanager
def throwaway_app():
    """An app on an empty temporary data dir: enough to read the URL map and the OpenAPI document
    at collection time (nothing touches its database)."""
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        try:
            yield app
        finally:
            app.extensions["khd.engine"].dispose()


@dataclass(frozen=True)
class World:
    """Where the prepared data dir is and the ids a test needs."""

    path: Path
    draft_id: int  #: the seeded demo draft, untouched
    awaiting_id: int  #: submitted, both signatures pending
    signed_id: int  #: signed by both chairs, verification report stored (ready to issue)
    issued_id: int  #: issued on paper to every recipient
    dispatch_id: int  #: one dispatch of the issued document
    template_version_id: int
    chair_hkh_id: int
    other_clerk_id: int
    recipient_ids: tuple[int, ...]  #: directory entries printed on every world document
    obligation_id: int  #: the signed programme's 2019 report of Hội Khuyến học huyện Châu Thành
    job_id: int  #: a background job started by the clerk (vanthu)
    incoming_id: int  #: an incoming (edXML) document registered for Hội Khuyến học tỉnh (vanthu's organisation)
    document_kind: str
    document_fields: dict
    signing_request_id: int = 0  #: an (expired) remote signing request of chutich.hkh
    lead_org_id: int = 0  #: the demo documents' lead organisation (Hội Khuyến học tỉnh Bến Tre)


def _create_copy(client, headers, kind: str, fields: dict) -> int:
    resp = client.post("/api/v1/documents", headers=headers, json={"kind": kind, "fields": fields})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()["id"]


def _submit(client, headers, doc_id: int) -> None:
    resp = client.post(f"/api/v1/documents/{doc_id}/submit", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)


def _sign_both(client, doc_id: int) -> None:
    for chair in ("chutich.hkh", "phobithu.td"):
        resp = client.post(f"/api/v1/documents/{doc_id}/sign", headers=api_token(client, chair),
                           json={"secret": DEMO_PASSWORD})
        assert resp.status_code == 200, resp.get_data(as_text=True)


@pytest.fixture(scope="session")
def security_world(seeded_template_dir, tmp_path_factory) -> World:
    path = tmp_path_factory.mktemp("security-world") / "data"
    shutil.copytree(seeded_template_dir, path)
    app = security_app(path)
    try:
        with app.extensions["khd.sessions"]() as s:
            org_id = s.scalar(select(Organisation.id).where(Organisation.name == OTHER_ORG))
            assert org_id, f"seeded data has no “{OTHER_ORG}”"
            other = create_user(s, NewUser(username=OTHER_CLERK, full_name="Văn thư Châu Thành",
                                           password=DEMO_PASSWORD, organisation_id=org_id, roles=("clerk",)))
            s.commit()
            other_id = other.id
            chair_id = s.scalar(select(User.id).where(User.username == "chutich.hkh"))
            lead_org_id = s.scalar(select(Organisation.id).where(Organisation.name == "Hội Khuyến học tỉnh Bến Tre"))
            tv_id = s.scalar(select(func.min(TemplateVersion.id)))
        client = app.test_client()
        h = api_token(client, "vanthu")
        items = client.get("/api/v1/documents", headers=h).get_json()["items"]
        assert len(items) == 1 and items[0]["status"] == "draft"
        draft_id = items[0]["id"]
        demo = client.get(f"/api/v1/documents/{draft_id}", headers=h).get_json()
        kind, fields = demo["kind"], demo["fields"]

        awaiting_id = _create_copy(client, h, kind, fields)
        _submit(client, h, awaiting_id)

        signed_id = _create_copy(client, h, kind, fields)
        _submit(client, h, signed_id)
        _sign_both(client, signed_id)
        report = client.get(f"/api/v1/documents/{signed_id}/verification", headers=h).get_json()
        assert report["ok"] is True, report

        issued_id = _create_copy(client, h, kind, fields)
        _submit(client, h, issued_id)
        _sign_both(client, issued_id)
        seal_both(client, issued_id)
        assert client.get(f"/api/v1/documents/{issued_id}/verification", headers=h).get_json()["ok"] is True
        with app.extensions["khd.sessions"]() as s:
            rids = [r.id for r in document_recipients(s, issued_id)]
        assert rids, "the demo fields name no directory recipients"
        resp = client.post(f"/api/v1/documents/{issued_id}/issue", headers=h,
                           json={"channels": {str(r): "paper" for r in rids}})
        assert resp.status_code == 201, resp.get_data(as_text=True)
        dispatch_id = resp.get_json()["items"][0]["id"]
        with app.extensions["khd.sessions"]() as s:
            obligations = ensure_obligations(s, s.get(Document, signed_id), 2019)
            obligation_id = next(o.id for o in obligations if o.unit.name == "Hội Khuyến học huyện Châu Thành")
            clerk_id = s.scalar(select(User.id).where(User.username == "vanthu"))
            job = BackgroundJob(kind="cascade", status="done", total=0, params={"document_id": signed_id},
                                created_by_id=clerk_id)
            s.add(job)
            issued = s.get(Document, issued_id)
            incoming = IncomingDocument(
                organisation_id=issued.lead_org_id, year=2026, arrival_number=1,
                edxml_document_id="000.00.00.G22,2026/09/19,40/CTPH-HKVN-ĐTNCSHCM", sender_code="000.00.00.G22",
                sender_name="Hội Khuyến học Việt Nam", code_number="40", code_notation="CTPH-HKVN-ĐTNCSHCM",
                promulgation_date=date(2026, 9, 19), subject="Chương trình phối hợp (thế giới kiểm thử)",
                pdf_object_id=issued.pdf_object_id, package_object_id=issued.pdf_object_id, validation={"ok": True})
            s.add(incoming)
            s.commit()
            job_id = job.id
            cred_id = s.scalar(select(SigningCredential.id).where(SigningCredential.user_id == chair_id))
            remote = SigningRequest(user_id=chair_id, credential_id=cred_id, kind="async_confirm", status="expired",
                                    transaction_id="world-request", expires_at=datetime.now(UTC))
            s.add(remote)
            s.commit()
            signing_request_id = remote.id
            incoming_id = incoming.id
    finally:
        app.extensions["khd.engine"].dispose()
    return World(path=path, draft_id=draft_id, awaiting_id=awaiting_id, signed_id=signed_id, issued_id=issued_id,
                 dispatch_id=dispatch_id, template_version_id=tv_id, chair_hkh_id=chair_id, other_clerk_id=other_id,
                 recipient_ids=tuple(rids), obligation_id=obligation_id, job_id=job_id, document_kind=kind,
                 document_fields=fields, signing_request_id=signing_request_id, incoming_id=incoming_id,
                 lead_org_id=lead_org_id)


def copy_world(world: World, target: Path) -> Path:
    shutil.copytree(world.path, target)
    return target


@pytest.fixture
def world_app(security_world, tmp_path) -> Iterator:
    """A private copy of the security world (function scope: change it as you like)."""
    app = security_app(copy_world(security_world, tmp_path / "world"))
    yield app
    app.extensions["khd.engine"].dispose()


# --- "nothing was written" helpers -------------------------------------------------------------

def table_counts(app, exclude: tuple[str, ...] = ()) -> dict[str, int]:
    """Row count of every table (minus ``exclude``): the fingerprint of "nothing was written"."""
    engine = app.extensions["khd.engine"]
    from sqlalchemy import inspect

    names = [n for n in inspect(engine).get_table_names() if n not in exclude and n != "alembic_version"]
    with engine.connect() as conn:
        return {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}


def object_files(data_dir: Path) -> set[str]:
    """Every file under the data dir's object store."""
    root = data_dir / "objects"
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# Fixtures of the hostile-upload suites (test_malformed_*.py).
@pytest.fixture(scope="module")
def bomb() -> bytes:
    from tests.security.hostile_files import MB, zip_bomb_docx  # (it imports this conftest's helpers)

    data = zip_bomb_docx()
    assert len(data) < 2 * MB, len(data)  # small on the wire…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 100 * MB  # …huge inflated
    return data


@pytest.fixture
def admin(world_app):
    client = world_app.test_client()
    assert login(client, "admin").status_code == 302
    return client
