"""Backup files, refusals and verification details (the full drill is in test_backup.py)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from khuyenhoc_docs import audit, migrate
from khuyenhoc_docs.backup import BackupError, WrongPassphrase, create_backup, restore_backup, verify_backup
from khuyenhoc_docs.backup.common import sha256_file
from khuyenhoc_docs.pki_store import ensure_demo_pki
from tests.conftest import make_app

PASSPHRASE = "sao lưu"


def _backup(app, dest: Path, **kw):
    svc = app.extensions["khd.services"]
    lines: list[str] = []
    manifest = create_backup(svc.settings, svc.store, dest, kw.get("passphrase", PASSPHRASE), lines.append)
    return manifest, lines


def test_backup_holds_everything_and_no_secret_in_clear(data_dir, tmp_path):
    (data_dir / "org-credentials").mkdir()
    (data_dir / "org-credentials" / "unit-7.p12").write_bytes(b"credential added by another feature")
    # tests share one demo PKI outside the data dir (its server runs once per session); a
    # deployment keeps it in <data dir>/pki, which is what the backup must hold
    ensure_demo_pki(data_dir / "pki")
    old = data_dir / "backups" / "older"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    (old / "secrets.enc").write_bytes(b"x")
    app = make_app(data_dir, secret_key="", backup_passphrase=PASSPHRASE)
    try:
        assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
        result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "b")])  # env passphrase
        assert result.exit_code == 0, result.output
        manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
        assert set(manifest["data_dir_files"]) >= {"secret_key", "pki/ca-key.pem", "org-credentials/unit-7.p12"}
        assert not any(n.startswith(("backups/", "objects/", "khuyenhoc.sqlite3", "jobs.")) for n in
                       manifest["data_dir_files"])
        assert "database/khuyenhoc.sqlite3" in manifest["files"] and manifest["objects"]
        assert any(f.startswith("templates/") for f in manifest["files"])
        secret_key = (data_dir / "secret_key").read_text().strip().encode()
        for path in (tmp_path / "b").rglob("*"):
            if path.is_file():
                body = path.read_bytes()
                assert secret_key not in body and b"PRIVATE KEY" not in body and b"another feature" not in body, path
        report = verify_backup(tmp_path / "b", PASSPHRASE)
        assert report.ok and report.sealed and "org-credentials/unit-7.p12" in report.secrets
        assert report.audit is not None and report.audit.ok
    finally:
        app.extensions["khd.engine"].dispose()


def test_destination_must_be_new_or_empty_and_a_failed_backup_leaves_nothing(app, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    with pytest.raises(BackupError, match="not an empty folder"):
        _backup(app, busy)
    with pytest.raises(WrongPassphrase):
        _backup(app, tmp_path / "nopass", passphrase="")
    # An object the database references is gone from the store: no half backup is left behind.
    objects_root = app.config["KHD_SETTINGS"].objects_dir
    victim = next(p for p in objects_root.rglob("*.bin"))
    victim.chmod(0o600)
    victim.unlink()
    with pytest.raises(BackupError, match="run `storage check`"):
        _backup(app, tmp_path / "partial")
    assert not (tmp_path / "partial").exists()


def test_verify_names_a_broken_audit_chain_an_altered_manifest_and_an_incomplete_backup(app, tmp_path):
    _backup(app, tmp_path / "b")
    assert verify_backup(tmp_path / "b").ok
    # Someone edits an audit event in the copy and fixes the file's hash in the manifest.
    db = tmp_path / "b" / "database" / "khuyenhoc.sqlite3"
    con = sqlite3.connect(db)
    con.execute("UPDATE audit_events SET actor_name = 'mallory' WHERE id = (SELECT min(id) FROM audit_events)")
    con.commit()
    con.close()
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["database/khuyenhoc.sqlite3"] = {"sha256": sha256_file(db), "size": db.stat().st_size}
    manifest_path.write_text(json.dumps(manifest))
    unsealed = verify_backup(tmp_path / "b")
    assert any("audit chain broken" in p for p in unsealed.problems), unsealed.problems
    sealed = verify_backup(tmp_path / "b", PASSPHRASE)
    assert any("seal does not match" in p for p in sealed.problems), sealed.problems
    (tmp_path / "b" / "stray.txt").write_text("?")
    assert any("stray.txt: not in the manifest" in p for p in verify_backup(tmp_path / "b").problems)
    manifest_path.unlink()
    with pytest.raises(BackupError, match="incomplete"):
        verify_backup(tmp_path / "b")


def test_restore_refuses_another_database_kind_and_an_unknown_schema(app, tmp_path, pg):
    _backup(app, tmp_path / "b")
    target = make_app(tmp_path / "t", database_url=pg.create_database())
    svc = target.extensions["khd.services"]
    try:
        with pytest.raises(BackupError, match="holds a sqlite database"):
            restore_backup(tmp_path / "b", svc.settings, svc.store, PASSPHRASE)
    finally:
        target.extensions["khd.engine"].dispose()
    shutil.copytree(tmp_path / "b", tmp_path / "newer")
    manifest_path = tmp_path / "newer" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["database"]["alembic_revision"] = "zz_from_the_future"
    manifest_path.write_text(json.dumps(manifest))
    empty = make_app(tmp_path / "t2")
    svc = empty.extensions["khd.services"]
    try:
        with pytest.raises(BackupError, match="seal does not match"):
            restore_backup(tmp_path / "newer", svc.settings, svc.store, PASSPHRASE)
    finally:
        empty.extensions["khd.engine"].dispose()


def test_postgresql_dump_rows_with_tabs_newlines_and_backslashes_verify_and_restore(pg, tmp_path):
    url = pg.create_database()
    app = make_app(tmp_path / "src", database_url=url)
    migrate.upgrade(url)
    engine = create_engine(url)
    with Session(engine) as s:
        for text in ("tab\there", "dòng\nmới", "back\\slash \\N", "ký tự đặc biệt \x01"):
            audit.record(s, audit.Actor(ip="127.0.0.1"), "note", "test", 1, text=text)
        s.commit()
    engine.dispose()
    try:
        manifest, lines = _backup(app, tmp_path / "b")
        assert manifest.database["dialect"] == "postgresql" and manifest.audit["events"] == 4
        assert any(line.startswith("database:") for line in lines)
        report = verify_backup(tmp_path / "b", PASSPHRASE)
        assert report.ok and report.audit is not None and report.audit.checked == 4, report.problems
        target = make_app(tmp_path / "dst", database_url=pg.create_database())
        svc = target.extensions["khd.services"]
        restored = restore_backup(tmp_path / "b", svc.settings, svc.store, PASSPHRASE)
        assert restored.audit is not None and restored.audit.ok and restored.audit.checked == 4
        target.extensions["khd.engine"].dispose()
    finally:
        app.extensions["khd.engine"].dispose()


def test_postgresql_password_goes_through_a_private_passfile_not_argv():
    from khuyenhoc_docs.backup.pg import conninfo

    with conninfo("postgresql+psycopg://khd:p%3Aa%5Cs's@db.local:5433/khd") as dsn:
        assert "p:a" not in dsn and "s's" not in dsn
        assert "host='db.local'" in dsn and "port='5433'" in dsn and "dbname='khd'" in dsn
        passfile = Path(dsn.split("passfile='")[1].split("'")[0])
        assert passfile.read_text() == "*:*:*:*:p\\:a\\\\s's\n"
        assert passfile.stat().st_mode & 0o077 == 0
    assert not passfile.exists()


def test_a_local_folder_backup_restores_onto_s3(app, tmp_path):
    import uuid

    from khuyenhoc_docs.backup.restore import _check_revision
    from tests.services.s3server import ACCESS_KEY, SECRET_KEY, S3Server

    with pytest.raises(BackupError, match="unknown to this version"):
        _check_revision("zz_from_the_future")
    manifest, _ = _backup(app, tmp_path / "b")
    with S3Server() as server:
        target = make_app(tmp_path / "t", s3_endpoint=server.endpoint, s3_access_key=ACCESS_KEY,
                          s3_secret_key=SECRET_KEY, s3_bucket=f"khd-{uuid.uuid4().hex[:10]}")
        svc = target.extensions["khd.services"]
        try:
            report = restore_backup(tmp_path / "b", svc.settings, svc.store, PASSPHRASE)
            assert report.storage is not None and report.storage.ok and report.objects == len(manifest.objects)
            assert report.audit is not None and report.audit.ok
            versions = [v for v in svc.store.iter_versions("") if not v.is_delete_marker]
            assert len(versions) == len(manifest.objects)
            # Nothing may be restored twice: the target now holds data.
            with pytest.raises(BackupError, match="not empty"):
                restore_backup(tmp_path / "b", svc.settings, svc.store, PASSPHRASE)
        finally:
            target.extensions["khd.engine"].dispose()
