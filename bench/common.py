"""Setup shared by the bench scripts: a seeded app on a temp data dir, the live demo PKI, API tokens,
cloned documents, process memory and simple statistics.

Every bench script builds its app through ``bench_app`` so they all sign against the same kind of
PKI (the demo PKI server as a subprocess: CRL, OCSP, RFC 3161 TSA) and none repeats the setup.
"""
from __future__ import annotations

import shutil
import socket
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "khuyenhoc-demo"  # every demo account's password and PKCS#12 passphrase


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def p99(xs: list[float]) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident set size of one process (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children_of(pid: int) -> list[int]:
    """Direct children of a process (gunicorn's workers)."""
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                out.append(int(proc.name))
    return out


def processes_matching(*markers: str) -> list[int]:
    """Pids whose command line contains every marker."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if all(m.encode() in cmd for m in markers):
                pids.append(int(proc.name))
    return pids


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temp directory removed at the end (benchmarks are rerunnable)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class DemoPkiProcess:
    """The demo PKI server (CRL, OCSP, TSA) as a subprocess, started on first use, shared by apps."""

    def __init__(self) -> None:
        self._server: Any = None

    @property
    def server(self) -> Any:
        if self._server is None:
            from tests.services.pki import PkiServer

            self._server = PkiServer(Path(tempfile.mkdtemp(prefix="khd-bench-pki-")) / "pki").start()
        return self._server

    def config(self) -> dict[str, str]:
        return {"pki_url": self.server.url, "demo_pki_dir": str(self.server.pki_dir)}

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            shutil.rmtree(self._server.pki_dir.parent, ignore_errors=True)
            self._server = None


PKI = DemoPkiProcess()


def bench_app(data_dir: Path, *, seed: bool = True, **config: Any) -> Any:
    """A migrated (and demo-seeded) app on ``data_dir`` signing against the live demo PKI."""
    from khuyenhoc_docs import create_app, migrate

    app = create_app({"data_dir": data_dir, "secret_key": "bench", "jobs_immediate": True,
                      "login_limit": "100000 per minute", **PKI.config(), **config})
    migrate.upgrade(app.config["KHD_SETTINGS"].sqlalchemy_url)
    if seed:
        result = app.test_cli_runner().invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    return app


def token(client: Any, username: str) -> dict[str, str]:
    """Authorization header of a fresh API token."""
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def submitted_document(app: Any) -> int:
    """The seed's draft, submitted for signature (one rendering + conversion); its id."""
    c = app.test_client()
    clerk = token(c, "vanthu")
    doc_id = int(c.get("/api/v1/documents", headers=clerk).get_json()["items"][0]["id"])
    r = c.post(f"/api/v1/documents/{doc_id}/submit", headers=clerk)
    assert r.status_code == 200, r.get_json()
    return doc_id


def clone_documents(app: Any, doc_id: int, copies: int) -> list[int]:
    """Copies of a submitted document's rows (document + signature tasks), sharing its PDF object,
    so a batch of N needs one conversion instead of N. Returns the original id and the copies'."""
    from sqlalchemy import select

    from khuyenhoc_docs.models import Document, Signature
    from khuyenhoc_docs.signing.record_code import new_record_code

    ids = [doc_id]
    with app.extensions["khd.sessions"]() as s:
        doc = s.get(Document, doc_id)
        sigs = list(s.scalars(select(Signature).where(Signature.document_id == doc_id)))
        skip = {"id", "signatures", "versions"}
        for _ in range(copies):
            cols = {c.key: getattr(doc, c.key) for c in Document.__table__.columns if c.key not in skip}
            new = Document(**{**cols, "record_code": new_record_code() if doc.record_code else None})
            s.add(new)
            s.flush()
            for sig in sigs:
                scols = {c.key: getattr(sig, c.key) for c in Signature.__table__.columns if c.key != "id"}
                s.add(Signature(**{**scols, "document_id": new.id}))
            ids.append(new.id)
        s.commit()
    return ids


def prepared_pdf(tmp: Path) -> tuple[bytes, bytes]:
    """The signing tests' two-block programme converted by LibreOffice: (plain PDF, PDF with both
    empty signature fields, ``sig_hkh`` first). Used by the signing benches."""
    from khuyenhoc_docs.signing import locate_signature_boxes, prepare_fields
    from tests.signing.conftest import BLOCKS, build_docx, soffice_to_pdf

    base = soffice_to_pdf(build_docx(), tmp / "doc")
    return base, prepare_fields(base, locate_signature_boxes(base, BLOCKS))
