"""Restore drill: build records through the API, back up while requests run, restore, compare.

SQLite + local folder, and PostgreSQL + the S3 test server (moto). Timings are printed (run with
``-s``), never asserted: speed goals live in bench/.
"""
from __future__ import annotations

import io
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from khuyenhoc_docs import migrate
from khuyenhoc_docs.drafting.reference import reference_fields
from khuyenhoc_docs.models import Document, StoredObject
from khuyenhoc_docs.storage.base import ObjectLocked
from tests.conftest import api_token, make_app
from tests.factories import make_user
from tests.services.s3server import ACCESS_KEY, SECRET_KEY, S3Server
from tests.services.smtp import SmtpServer
from tests.test_followup import signed_programme

PASSPHRASE = "cụm mật khẩu sao lưu 2026"
VN = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def s3():
    with S3Server() as server:
        yield server


def s3_settings(server: S3Server) -> dict:
    return {"s3_endpoint": server.endpoint, "s3_access_key": ACCESS_KEY, "s3_secret_key": SECRET_KEY,
            "s3_bucket": f"khd-{uuid.uuid4().hex[:10]}"}


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@dataclass
class DataSet:
    """Ids of what the drill built, to compare after restore."""

    signed: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


def build_data_set(app) -> DataSet:
    """A signed and issued programme with dispatches, its cascade to the districts, a unit report."""
    client = app.test_client()
    year = datetime.now(VN).year
    doc_id, h, number = signed_programme(client, period=f"{year} – {year + 4}")
    issued = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    assert issued.status_code in (200, 201), issued.get_json()
    assert client.get(f"/api/v1/documents/{doc_id}/dispatches", headers=h).get_json()["items"]
    job = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={}).get_json()
    children = client.get(f"/api/v1/jobs/{job['id']}", headers=h).get_json()["result"]["created"]
    assert len(children) == 9
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    unit = api_token(client, "vanthu.ct")
    first = year if datetime.now(VN).date() <= date(year, 11, 15) else year + 1  # first deadline after issue
    mine = next(i for i in client.get(f"/api/v1/reports?year={first}", headers=h).get_json()["items"]
                if i["unit"] == "Hội Khuyến học huyện Châu Thành")
    pdf = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    report = client.post(f"/api/v1/reports/{mine['id']}/submission", headers=unit,
                         data={"file": (io.BytesIO(pdf), "bao-cao.pdf")}, content_type="multipart/form-data")
    assert report.status_code == 201, report.get_json()
    assert client.get(f"/api/v1/documents/{doc_id}/verification", headers=h).get_json()["ok"] is True
    return DataSet(signed=[doc_id], drafts=children, numbers=[number])


class Traffic:
    """Clerks creating drafts through the API in a thread while the backup runs."""

    def __init__(self, app) -> None:
        self.app, self.done, self.errors = app, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        client = self.app.test_client()
        h = api_token(client, "vanthu")
        body = {"kind": "programme_province", "fields": reference_fields().to_dict()}
        while not self._stop.is_set():
            resp = client.post("/api/v1/documents", headers=h, json=body)
            if resp.status_code != 201:
                self.errors.append((resp.status_code, resp.get_data(as_text=True)[:300]))
            self.done += 1

    def __enter__(self) -> Traffic:
        self._thread.start()
        deadline = time.monotonic() + 60
        while self.done == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # the backup starts once requests are really flowing
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(120)


def reports(app, ids: list[int], rerun: bool) -> dict[int, dict]:
    """Validation reports (kept, or re-run on the restored bytes and trust roots)."""
    client = app.test_client()
    h = api_token(client, "luutru")
    out = {}
    for doc_id in ids:
        resp = client.get(f"/api/v1/documents/{doc_id}/verification{'?rerun=1' if rerun else ''}", headers=h)
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        out[doc_id] = _without_check_times(body) if rerun else body
    return out


def _without_check_times(value):
    """A re-run report minus when it was checked (its own time, and a live OCSP answer's production time)."""
    if isinstance(value, dict):
        return {k: _without_check_times(v) for k, v in value.items() if k not in ("validated_at", "produced_at")}
    if isinstance(value, list):
        return [_without_check_times(v) for v in value]
    return value


def documents(app) -> list[tuple]:
    with app.extensions["khd.sessions"]() as s:
        return [(d.id, d.status, d.doc_number, d.title, d.pdf_object_id)
                for d in s.scalars(select(Document).order_by(Document.id))]


def next_number_is_fresh(app, before: DataSet) -> None:
    """A new document signed after the restore gets the next register number, never a used one."""
    client = app.test_client()
    h = api_token(client, "vanthu")
    doc = client.post("/api/v1/documents", headers=h,
                      json={"kind": "programme_province", "fields": reference_fields().to_dict()})
    assert doc.status_code == 201, doc.get_json()
    from tests.flow import sign_and_seal

    doc_id = doc.get_json()["id"]
    assert client.post(f"/api/v1/documents/{doc_id}/submit", headers=h).status_code == 200
    number = sign_and_seal(client, doc_id)["doc_number"]  # numbers are given at sealing
    old = before.numbers[-1]
    assert number != old
    assert int(number.split("/")[0]) == int(old.split("/")[0]) + 1, (old, number)


def assert_refused_and_untouched(app, src: Path, *args: str, expect: str) -> None:
    settings = app.config["KHD_SETTINGS"]
    result = cli(app, "backup", "restore", str(src), *args)
    assert result.exit_code != 0 and expect in result.output, result.output
    from khuyenhoc_docs.backup.database import table_names

    assert table_names(settings.sqlalchemy_url) == []
    assert next(iter(app.extensions["khd.services"].store.iter_versions("")), None) is None
    assert not (settings.data_dir / "pki").exists()


def drill(source, make_target, tmp_path: Path) -> dict[str, float]:
    """Back up ``source`` under load, restore into ``make_target()`` apps, check everything."""
    timings: dict[str, float] = {}
    t = time.monotonic()
    data = build_data_set(source)
    timings["build"] = time.monotonic() - t
    backup = tmp_path / "backup"
    with Traffic(source) as traffic:
        t = time.monotonic()
        made = cli(source, "backup", "create", str(backup), "--passphrase", PASSPHRASE)
        timings["backup"] = time.monotonic() - t
        time.sleep(0.5)
        still_running = traffic._thread.is_alive()
    assert made.exit_code == 0, made.output
    assert traffic.done >= 2 and still_running and not traffic.errors, traffic.errors
    assert "objects:" in made.output and "backup OK" in made.output  # progress, then the verdict
    assert "cụm" not in (backup / "secrets.enc").read_bytes().decode("latin-1")
    for path in (backup / "secrets.enc",):
        assert b"PRIVATE KEY" not in path.read_bytes()

    t = time.monotonic()
    checked = cli(source, "backup", "verify", str(backup), "--passphrase", PASSPHRASE)
    timings["verify"] = time.monotonic() - t
    assert checked.exit_code == 0 and "backup OK" in checked.output and "audit chain OK" in checked.output, \
        checked.output

    target = make_target()
    t = time.monotonic()
    restored = cli(target, "backup", "restore", str(backup), "--passphrase", PASSPHRASE)
    timings["restore"] = time.monotonic() - t
    assert restored.exit_code == 0, restored.output
    assert "audit chain OK" in restored.output and "storage check OK" in restored.output

    # Every record present at backup time is back, with an unchanged validation report.
    ids = [d[0] for d in documents(target) if d[1] in ("signed", "sealed", "issued")]
    assert set(data.signed) <= set(ids)
    assert reports(target, ids, rerun=False) == reports(source, ids, rerun=False)
    assert reports(target, ids, rerun=True) == reports(source, ids, rerun=True)
    source_docs = {d[0]: d for d in documents(source)}
    for doc in documents(target):
        assert source_docs[doc[0]] == doc
    assert set(data.drafts) <= {d[0] for d in documents(target)}
    audit = cli(target, "audit", "verify")
    assert audit.exit_code == 0 and "audit chain OK" in audit.output, audit.output
    storage = cli(target, "storage", "check")
    assert storage.exit_code == 0 and storage.output.strip().endswith("OK"), storage.output
    next_number_is_fresh(target, data)

    # The drill's refusals: a non-empty target, a wrong passphrase, one corrupted object.
    again = cli(target, "backup", "restore", str(backup), "--passphrase", PASSPHRASE)
    assert again.exit_code != 0 and "not empty" in again.output, again.output
    fresh = make_target()
    assert_refused_and_untouched(fresh, backup, "--passphrase", "sai mật khẩu", expect="wrong passphrase")
    victim = next(p for p in sorted((backup / "objects").rglob("*")) if p.is_file())
    raw = bytearray(victim.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    victim.write_bytes(bytes(raw))
    bad = cli(source, "backup", "verify", str(backup), "--passphrase", PASSPHRASE)
    assert bad.exit_code == 1 and "BACKUP DAMAGED" in bad.output and victim.name in bad.output, bad.output
    assert_refused_and_untouched(fresh, backup, "--passphrase", PASSPHRASE, expect=victim.name)
    print("\nrestore drill timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    return timings


@pytest.fixture
def drill_app(data_dir, smtp):
    app = make_app(data_dir, smtp_host=smtp.host, smtp_port=smtp.port, jobs_immediate=True)
    yield app
    app.extensions["khd.engine"].dispose()


def test_restore_drill_sqlite_local_folder(drill_app, smtp, tmp_path):
    apps = []

    def target():
        app = make_app(tmp_path / f"restored-{len(apps)}", smtp_host=smtp.host, smtp_port=smtp.port,
                       jobs_immediate=True)
        apps.append(app)
        return app

    try:
        drill(drill_app, target, tmp_path)
    finally:
        for app in apps:
            app.extensions["khd.engine"].dispose()


def test_restore_drill_postgresql_s3(pg, s3, smtp, tmp_path):
    apps = []

    def make(name: str, seed: bool):
        app = make_app(tmp_path / name, database_url=pg.create_database(), smtp_host=smtp.host,
                       smtp_port=smtp.port, jobs_immediate=True, **s3_settings(s3))
        apps.append(app)
        if seed:
            migrate.upgrade(app.config["KHD_SETTINGS"].sqlalchemy_url)
            assert cli(app, "demo", "seed").exit_code == 0
        return app

    try:
        source = make("source", seed=True)
        drill(source, lambda: make(f"restored-{len(apps)}", seed=False), tmp_path)
        restored = apps[1]
        # Retention came back with the versions: a signed record's PDF is locked in the new bucket.
        store = restored.extensions["khd.services"].store
        with restored.extensions["khd.sessions"]() as s:
            locked = s.scalars(select(StoredObject).where(StoredObject.retain_until.is_not(None))).all()
        assert locked
        for row in locked[:3]:
            assert store.stat(row.key, row.version_id).retain_until == row.retain_until.replace(
                microsecond=row.retain_until.microsecond // 1000 * 1000)
            with pytest.raises(ObjectLocked):
                store.delete_version(row.key, row.version_id)
    finally:
        for app in apps:
            app.extensions["khd.engine"].dispose()
