"""``backup create``: one consistent backup of a running service into a new folder."""
from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from ..config import Settings
from ..db import utcnow
from ..storage.base import ObjectStore
from . import crypto, database, datadir, objects
from .common import SECRETS, BackupError, Progress, quiet, sha256_file
from .manifest import Manifest


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite database file when the service runs on SQLite (kept out of the secrets)."""
    url = make_url(settings.sqlalchemy_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _prepare(dest: Path) -> bool:
    """Refuse a non-empty destination; return True when we created it (to remove it on failure)."""
    if dest.exists():
        if not dest.is_dir() or any(dest.iterdir()):
            raise BackupError(f"{dest} exists and is not an empty folder")
        return False
    dest.mkdir(parents=True)
    return True


def _record(folder: Path, rel: str) -> dict:
    path = folder / rel
    return {"sha256": sha256_file(path), "size": path.stat().st_size}


def create_backup(settings: Settings, store: ObjectStore, dest: Path, passphrase: str,
                  progress: Progress = quiet) -> Manifest:
    """Database snapshot, the object versions it references, templates and encrypted secrets.

    The snapshot comes first and fixes the backup's point in time: objects written later are not
    referenced by it, objects it references already exist (they are stored before their rows
    commit, and referenced versions are never deleted). The manifest is written last.
    """
    params = crypto.new_kdf_params()
    keys = crypto.derive(passphrase, params)
    created = _prepare(dest)
    backup_id = str(uuid.uuid4())
    timings: dict[str, float] = {}
    try:
        t = time.monotonic()
        progress(f"database: snapshot of {database.dialect_of(settings.sqlalchemy_url)}")
        snap = database.snapshot(settings.sqlalchemy_url, dest)
        files = {snap.file: _record(dest, snap.file)}
        timings["database"] = round(time.monotonic() - t, 3)
        progress(f"database: {files[snap.file]['size']:,} bytes, {len(snap.objects)} object versions, "
                 f"{snap.audit.get('events', 0)} audit events ({timings['database']:.1f} s)")

        t = time.monotonic()
        files.update(objects.save(store, snap.objects, dest, progress))
        timings["objects"] = round(time.monotonic() - t, 3)

        for path in datadir.template_files(settings.templates_dir):
            rel = "templates/" + path.relative_to(settings.templates_dir).as_posix()
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / rel)
            files[rel] = _record(dest, rel)
        progress(f"templates: {sum(1 for f in files if f.startswith('templates/'))} files")

        secret = datadir.secret_files(settings.data_dir, database_file=sqlite_file(settings), skip=dest)
        (dest / SECRETS).write_bytes(crypto.encrypt(keys, datadir.pack(secret, settings.data_dir), backup_id))
        files[SECRETS] = _record(dest, SECRETS)
        names = [p.relative_to(settings.data_dir).as_posix() for p in secret]
        progress(f"secrets: {len(names)} files from the data dir, encrypted")

        manifest = Manifest(
            id=backup_id, created_at=utcnow().isoformat(),
            database={"dialect": snap.dialect, "file": snap.file, "alembic_revision": snap.alembic_revision,
                      "server_version": snap.server_version},
            audit=snap.audit, objects=snap.objects, files=files, encryption=params, data_dir_files=names,
            timings=timings,
        )
        manifest.sealed(keys).write(dest)
    except BaseException:
        # Never leave something that looks like a backup: remove what this run wrote.
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for child in dest.iterdir():
                shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        raise
    progress(f"backup {backup_id} complete in {dest}")
    return manifest
