"""Two instances of the service exchange a document and its statuses over edXML, by HTTP and by folders."""
from __future__ import annotations

import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from khuyenhoc_docs import edxml
from khuyenhoc_docs.accounts import issue_token
from khuyenhoc_docs.db import make_engine, make_session_factory
from khuyenhoc_docs.models import Recipient, User
from khuyenhoc_docs.signing.validation import validate_pdf
from khuyenhoc_docs.workflow.exchange_in import process_inbox
from tests.conftest import DEMO_PASSWORD, api_token, make_app
from tests.test_distribution_flow import signed_doc

TD_CODE = "000.00.32.H05"  # Tỉnh đoàn in the demo seed: B receives as it
TO_TD = "Ban Thường vụ Tỉnh đoàn"


def _prepare(data_dir: Path) -> str:
    """Give A's recipient "Ban Thường vụ Tỉnh đoàn" the code of B's Tỉnh đoàn; an admin token for the hub."""
    engine = make_engine(f"sqlite:///{data_dir / 'khuyenhoc.sqlite3'}")
    with make_session_factory(engine)() as s:
        s.scalar(select(Recipient).where(Recipient.name == TO_TD)).code = TD_CODE
        token, _ = issue_token(s, s.scalar(select(User).where(User.username == "admin")), timedelta(days=1))
        s.commit()
    engine.dispose()
    return token


class Instance:
    def __init__(self, root: Path, seeded: Path) -> None:
        self.data_dir = root / "data"
        shutil.copytree(seeded, self.data_dir)
        self.token = _prepare(self.data_dir)
        probe = make_server("127.0.0.1", 0, None)
        self.port = probe.socket.getsockname()[1]
        probe.server_close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = None
        self.server = None

    def start(self, peer: Instance | None) -> None:
        overrides = {"jobs_immediate": True, "base_url": self.url}
        if peer is not None:
            overrides |= {"edxml_endpoint": f"{peer.url}/api/v1/incoming/edxml", "edxml_token": peer.token}
        self.app = make_app(self.data_dir, **overrides)
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
        if self.app:
            self.app.extensions["khd.engine"].dispose()

    def jobs_here(self) -> None:
        """Background jobs are process-wide: point them at this instance before it queues any."""
        from khuyenhoc_docs import jobs

        jobs.configure(self.app.config["KHD_SETTINGS"], self.app.extensions["khd.services"],
                       self.app.extensions["khd.sessions"])

    @property
    def edxml_dir(self) -> Path:
        return self.app.config["KHD_SETTINGS"].edxml_dir


@pytest.fixture
def pair(seeded_template_dir, tmp_path):
    a, b = Instance(tmp_path / "a", seeded_template_dir), Instance(tmp_path / "b", seeded_template_dir)
    yield a, b
    a.stop()
    b.stop()


def _issue(a: Instance) -> tuple[int, dict, dict]:
    a.jobs_here()
    client = a.app.test_client()
    doc_id, h = signed_doc(client)
    resp = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={"secret": DEMO_PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    edx = [d for d in resp.get_json()["items"] if d["channel"] == "edxml"]
    assert [d["recipient"] for d in edx] == [TO_TD]
    return doc_id, h, edx[0]


def test_document_and_statuses_over_http(pair):
    a, b = pair
    a.start(b)
    b.start(a)
    doc_id, h, dispatch = _issue(a)
    ca, cb = a.app.test_client(), b.app.test_client()
    hb = api_token(cb, "admin")
    items = cb.get("/api/v1/incoming", headers=hb).get_json()["items"]
    assert len(items) == 1 and items[0]["organisation"] == "Tỉnh đoàn Bến Tre"
    incoming = items[0]
    doc = ca.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()
    assert incoming["doc_number"] == doc["doc_number"] and incoming["sender_code"] == "000.00.31.H05"
    pdf = cb.get(f"/api/v1/incoming/{incoming['id']}/file", headers=hb).data
    assert pdf == ca.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    assert validate_pdf(pdf, trust_roots=b.app.extensions["khd.services"].trust_roots).ok
    # the package as sent: prefixed elements, signed by the organisation, ToPlaces from Nơi nhận
    package = ca.get(f"/api/v1/dispatches/{dispatch['id']}/edxml", headers=h).data
    pkg, env = edxml.open_package(package)
    assert b"<edXML:MessageHeader>" in package and "Hội Khuyến học tỉnh Bến Tre" in env.signer_cert.subject.rfc4514_string()
    assert list(pkg.header.to_places) == doc["fields"]["recipients"]
    assert pkg.header.other.page_amount >= 1
    # B's automatic 01 and 03 reached A
    statuses = ca.get(f"/api/v1/dispatches/{dispatch['id']}/statuses", headers=h).get_json()["items"]
    assert [s["status_code"] for s in statuses] == ["01", "03"]
    sent = {d["id"]: d for d in ca.get(f"/api/v1/documents/{doc_id}/dispatches", headers=h).get_json()["items"]}
    assert sent[dispatch["id"]]["status"] == "acknowledged" and sent[dispatch["id"]]["exchange_status"] == "03"
    # B's clerk reports progress; A shows it with the staff name
    htd = api_token(cb, "vanthu.td")  # the receiving organisation's clerk
    assert cb.post(f"/api/v1/incoming/{incoming['id']}/status", headers=hb, json={"code": "06"}).status_code == 403
    assert cb.post(f"/api/v1/incoming/{incoming['id']}/status", headers=htd, json={"code": "06"}).status_code == 201
    statuses = ca.get(f"/api/v1/dispatches/{dispatch['id']}/statuses", headers=h).get_json()["items"]
    assert statuses[-1]["status_code"] == "06" and statuses[-1]["staff"]
    # the same package again is refused by B
    again = cb.post("/api/v1/incoming/edxml", data=package, headers={**hb, "Content-Type": "application/xml"})
    assert again.status_code == 409
    # A recalls; B's clerk agrees; A hears 13 then 15
    a.jobs_here()
    recall = ca.post(f"/api/v1/dispatches/{dispatch['id']}/business", headers=h,
                     json={"kind": "revoke", "reason": "Gửi nhầm nơi nhận", "secret": DEMO_PASSWORD})
    assert recall.status_code == 202, recall.get_json()
    row = cb.get(f"/api/v1/incoming/{incoming['id']}", headers=hb).get_json()
    assert row["status"] == "recall_requested" and row["business_reason"] == "Gửi nhầm nơi nhận"
    assert cb.post(f"/api/v1/incoming/{incoming['id']}/answer", headers=htd, json={"agree": True}).status_code == 200
    codes = [s["status_code"] for s in ca.get(f"/api/v1/dispatches/{dispatch['id']}/statuses", headers=h).get_json()["items"]]
    assert codes == ["01", "03", "06", "13", "15"]
    wrong = ca.post(f"/api/v1/dispatches/{dispatch['id']}/business", headers=h,
                    json={"kind": "revoke", "reason": "x", "secret": "sai mật khẩu"})
    assert wrong.status_code == 422


def test_document_and_statuses_through_folders(pair):
    a, b = pair
    a.start(None)
    b.start(None)
    doc_id, h, dispatch = _issue(a)

    def carry(src: Instance, dst: Instance) -> int:
        inbox = dst.edxml_dir / "inbox"
        inbox.mkdir(parents=True, exist_ok=True)
        moved = 0
        for f in sorted((src.edxml_dir / "outbox").glob("*.xml"), key=lambda p: p.stat().st_mtime_ns):
            f.replace(inbox / f.name)
            moved += 1
        return moved

    assert carry(a, b) == 1
    with b.app.extensions["khd.sessions"]() as s:
        assert process_inbox(s, b.app.extensions["khd.services"]) == {"accepted": 1, "refused": 0}
    assert carry(b, a) == 2
    with a.app.extensions["khd.sessions"]() as s:
        assert process_inbox(s, a.app.extensions["khd.services"]) == {"accepted": 2, "refused": 0}
    ca = a.app.test_client()
    codes = [s["status_code"] for s in ca.get(f"/api/v1/dispatches/{dispatch['id']}/statuses", headers=h).get_json()["items"]]
    assert codes == ["01", "03"]
