"""``backup restore``: a verified backup into an empty database, data dir and object store."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from .. import migrate
from ..audit import ChainCheck, verify_chain
from ..config import Settings
from ..storage.base import ObjectStore, StoreError
from ..storage_admin import CheckReport, check
from . import database, datadir, objects
from .common import BackupError, Progress, TargetNotEmpty, WrongPassphrase, quiet
from .create import sqlite_file
from .verify import verify_backup


@dataclass
class RestoreReport:
    """What was restored and the checks run on the result."""

    objects: int = 0
    secrets: list[str] = field(default_factory=list)
    templates_copied: list[str] = field(default_factory=list)
    templates_differing: list[str] = field(default_factory=list)
    audit: ChainCheck | None = None
    storage: CheckReport | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _check_target(settings: Settings, store: ObjectStore, dialect: str) -> None:
    target = database.dialect_of(settings.sqlalchemy_url)
    if target != dialect:
        raise BackupError(f"the backup holds a {dialect} database but the target is {target}")
    tables = database.table_names(settings.sqlalchemy_url)
    if tables:
        raise TargetNotEmpty(f"the target database is not empty ({len(tables)} tables, e.g. {sorted(tables)[0]})")
    datadir.check_empty(settings.data_dir, database_file=sqlite_file(settings))
    try:
        store.ensure_ready()
        if next(iter(store.iter_versions("")), None) is not None:
            raise TargetNotEmpty("the target object store is not empty")
    except StoreError as exc:
        raise BackupError(f"the target object store cannot be used: {exc}") from exc


def _check_revision(revision: str | None) -> None:
    if revision is None:
        raise BackupError("the backup's database has no schema revision")
    try:
        found = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise BackupError(f"the backup's schema revision {revision} is unknown to this version of the "
                          "service (made by a newer version?)")


def restore_backup(folder: Path, settings: Settings, store: ObjectStore, passphrase: str,
                   progress: Progress = quiet) -> RestoreReport:
    """Verify everything first, check the target is empty, then load database, secrets and objects.

    Every refusal (corruption, wrong passphrase, non-empty target, unknown schema) happens before
    anything is written.
    """
    if not passphrase:
        raise WrongPassphrase("a passphrase is required (--passphrase or KHD_BACKUP_PASSPHRASE)")
    report = RestoreReport()
    t = time.monotonic()
    checked = verify_backup(folder, passphrase, progress)
    if checked.problems:
        raise BackupError("the backup fails verification, nothing was restored:\n  " + "\n  ".join(checked.problems))
    manifest = checked.manifest
    _check_revision(manifest.database.get("alembic_revision"))
    _check_target(settings, store, manifest.database["dialect"])
    report.timings["verify"] = round(time.monotonic() - t, 3)

    try:
        t = time.monotonic()
        progress(f"database: loading the {manifest.database['dialect']} copy")
        database.restore(manifest.database["dialect"], folder / manifest.database["file"], settings.sqlalchemy_url)
        report.timings["database"] = round(time.monotonic() - t, 3)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        report.secrets = datadir.unpack(checked.secrets_blob, settings.data_dir)
        progress(f"secrets: {len(report.secrets)} files into {settings.data_dir}")
        t = time.monotonic()
        new_versions = objects.load(store, manifest.objects, folder, progress)
        database.repoint_versions(settings.sqlalchemy_url, new_versions)
        report.objects = len(new_versions)
        report.timings["objects"] = round(time.monotonic() - t, 3)
        migrate.upgrade(settings.sqlalchemy_url)
    except Exception as exc:
        raise BackupError(f"restore failed after it started writing ({exc}); the target is incomplete: "
                          "empty the database, data dir and object store before trying again") from exc

    report.templates_copied, report.templates_differing = datadir.restore_templates(
        folder / "templates", settings.templates_dir)
    progress("checking the result: audit chain and object store")
    engine = create_engine(settings.sqlalchemy_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            report.audit = verify_chain(session)
            report.storage = check(session, store)
    finally:
        engine.dispose()
    return report
