"""Several app processes on one PostgreSQL database: numbering at sealing stays gap-free and in sealing
order, signatures are never lost."""
from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlalchemy import select

from khuyenhoc_docs import migrate
from khuyenhoc_docs.access import Principal
from khuyenhoc_docs.audit import Actor, verify_chain
from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import DocumentCopy, RegisterEntry, User
from khuyenhoc_docs.workflow import copies, drafting, sealing, signing, submission
from tests.conftest import DEMO_PASSWORD, make_app

pytestmark = pytest.mark.slow
N_SUBMITTERS = 6
ROUNDS = 3


def _principal(session, username: str) -> tuple[Principal, Actor]:
    user = session.scalar(select(User).where(User.username == username))
    return Principal.of(session, user), Actor(user, "127.0.0.1")


def _worker(action: str, overrides: dict, doc_id: int, username: str, barrier, results) -> None:
    """Runs in a separate process: its own app, engine and sessions."""
    app = make_app(Path(overrides.pop("data_dir")), **overrides)
    svc = app.extensions["khd.services"]
    try:
        with app.extensions["khd.sessions"]() as session:
            p, actor = _principal(session, username)
            barrier.wait(timeout=60)
            if action == "submit":
                doc = submission.submit(session, svc, p, actor, doc_id)
                results.put(("ok", doc.doc_number))
            elif action == "copy":
                copy = copies.create_copy(session, svc, p, actor, doc_id, kind="sao_y", pages=[], secret=DEMO_PASSWORD)
                results.put(("ok", copy.copy_number))
            elif action == "seal":
                doc = sealing.seal(session, svc, p, actor, doc_id, DEMO_PASSWORD)
                results.put(("ok", doc.doc_number))
            else:
                doc = signing.sign(session, svc, p, actor, doc_id, DEMO_PASSWORD)
                results.put(("ok", doc.status))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as data
        results.put(("error", f"{type(exc).__name__}: {exc}"))


@pytest.fixture
def pg_app(pg, tmp_path, converter_endpoints):
    url = pg.create_database()
    migrate.upgrade(url)
    overrides = {"database_url": url, "converter_endpoints": converter_endpoints}
    app = make_app(tmp_path / "data", **overrides)
    # spawned workers do not run the session fixtures: hand them the same live demo PKI
    settings = app.config["KHD_SETTINGS"]
    overrides |= {"pki_url": settings.pki_url, "demo_pki_dir": str(settings.demo_pki_dir)}
    result = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    yield app, {"data_dir": str(tmp_path / "data"), **overrides}
    app.extensions["khd.engine"].dispose()


def _run(action: str, overrides: dict, jobs: list[tuple[int, str]]) -> list[tuple[str, str]]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(action, dict(overrides), doc_id, user, barrier, results))
             for doc_id, user in jobs]
    for proc in procs:
        proc.start()
    out = [results.get(timeout=180) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    return out


def _new_drafts(app, count: int) -> list[int]:
    svc = app.extensions["khd.services"]
    ids = []
    with app.extensions["khd.sessions"]() as session:
        p, actor = _principal(session, "vanthu")
        for _ in range(count):
            ids.append(drafting.create_draft(session, svc, p, actor, kind="programme_province",
                                             data=reference_fields().to_dict()).id)
    return ids


def _signed_documents(app, count: int) -> list[int]:
    """Drafts submitted and signed by both chairs (in this process), ready for the clerks."""
    svc = app.extensions["khd.services"]
    ids = _new_drafts(app, count)
    with app.extensions["khd.sessions"]() as session:
        for doc_id in ids:
            p, actor = _principal(session, "vanthu")
            assert submission.submit(session, svc, p, actor, doc_id).doc_number is None  # no number yet
            for chair in ("chutich.hkh", "phobithu.td"):
                p, actor = _principal(session, chair)
                signing.sign(session, svc, p, actor, doc_id, DEMO_PASSWORD)
    return ids


def test_concurrent_sealers_get_unique_gap_free_numbers_in_sealing_order(pg_app):
    app, overrides = pg_app
    ids = _signed_documents(app, N_SUBMITTERS)
    results = _run("seal", overrides, [(doc_id, "vanthu") for doc_id in ids])
    assert all(kind == "ok" for kind, _ in results), results
    numbers = sorted(int(number.split("/")[0]) for _, number in results)
    assert numbers == list(range(1, N_SUBMITTERS + 1))
    with app.extensions["khd.sessions"]() as session:
        # rows are written under the counter's lock, so their order is the sealing order
        rows = session.scalars(select(RegisterEntry.number).order_by(RegisterEntry.id)).all()
        assert rows == list(range(1, N_SUBMITTERS + 1))
        assert verify_chain(session).ok
    partner = _run("seal", overrides, [(doc_id, "vanthu.td") for doc_id in ids])
    assert all(kind == "ok" for kind, _ in partner), partner
    with app.extensions["khd.sessions"]() as session:
        roles = session.scalars(select(RegisterEntry.role).where(RegisterEntry.number.is_(None))).all()
        assert roles == ["partner"] * N_SUBMITTERS


def test_both_chairs_in_separate_processes_never_lose_a_signature(pg_app):
    app, overrides = pg_app
    svc = app.extensions["khd.services"]
    for doc_id in _new_drafts(app, ROUNDS):
        with app.extensions["khd.sessions"]() as session:
            p, actor = _principal(session, "vanthu")
            submission.submit(session, svc, p, actor, doc_id)
        results = _run("sign", overrides, [(doc_id, "chutich.hkh"), (doc_id, "phobithu.td")])
        assert sorted(results) == [("ok", "awaiting_signatures"), ("ok", "signed")], results
        with app.extensions["khd.sessions"]() as session:
            p, actor = _principal(session, "luutru")
            report = signing.verification(session, svc, p, actor, doc_id, rerun=True)
        assert report["ok"] and len(report["signatures"]) == 2


def test_concurrent_copies_get_unique_gap_free_copy_numbers(pg_app):
    """Copy numbers come from a counter row locked to commit, not from a lock inside one process."""
    app, overrides = pg_app
    (doc_id,) = _new_drafts(app, 1)
    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as session:
        p, actor = _principal(session, "vanthu")
        submission.submit(session, svc, p, actor, doc_id)
        for chair in ("chutich.hkh", "phobithu.td"):
            p, actor = _principal(session, chair)
            signing.sign(session, svc, p, actor, doc_id, DEMO_PASSWORD)
        for clerk in ("vanthu", "vanthu.td"):  # final once both organisations have sealed it
            p, actor = _principal(session, clerk)
            sealing.seal(session, svc, p, actor, doc_id, DEMO_PASSWORD)
    results = _run("copy", overrides, [(doc_id, "vanthu")] * 3 + [(doc_id, "luutru")])
    assert all(kind == "ok" for kind, _ in results), results
    assert sorted(int(number.split("/")[0]) for _, number in results) == [1, 2, 3, 4]
    with app.extensions["khd.sessions"]() as session:
        assert session.scalars(select(DocumentCopy.number).order_by(DocumentCopy.number)).all() == [1, 2, 3, 4]
