"""Flask CLI: one small function per command; the work itself lives in the core modules.

Groups: ``db upgrade``; ``demo seed|info``; ``storage check|migrate|legal-hold``; ``audit verify``;
``backup`` (``cli_backup.py``).
Add a command by writing its function under the group it belongs to.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from .. import demo, migrate, storage_admin
from ..audit import Actor, verify_chain
from ..config import Settings
from ..errors import NotFound
from ..services import Services, local_store_options, s3_store_options
from ..storage import open_store
from .cli_backup import register_backup_cli

db_cli = AppGroup("db", help="Database schema.")
demo_cli = AppGroup("demo", help="Demo data.")
storage_cli = AppGroup("storage", help="Object store maintenance.")
audit_cli = AppGroup("audit", help="Audit trail.")

#: who the audit trail names for changes made from the command line
CLI_ACTOR = Actor(None, "cli")


def register_cli(app: Flask) -> None:
    """Attach the command groups."""
    from .archive_cli import register_archive_cli
    from .import_cli import register_import_cli

    for group in (db_cli, demo_cli, storage_cli, audit_cli):
        app.cli.add_command(group)
    register_backup_cli(app)
    register_archive_cli(app)
    register_import_cli(app)


def _settings() -> Settings:
    return current_app.config["KHD_SETTINGS"]


def _services() -> Services:
    return current_app.extensions["khd.services"]


@contextmanager
def _session() -> Iterator[Session]:
    with current_app.extensions["khd.sessions"]() as session:
        yield session


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to head."""
    migrate.upgrade(_settings().sqlalchemy_url)
    click.echo("database at head")


@demo_cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Only seed when there are no users yet.")
def demo_seed(if_empty: bool) -> None:
    """Create the Bến Tre demo organisations, users, certificates and draft."""
    with _session() as session:
        created = demo.seed(session, _services(), only_if_empty=if_empty)
    if created:
        click.echo(f"demo data created; demo password: {_settings().demo_password}")
    else:
        click.echo("demo data already present")


@demo_cli.command("info")
def demo_info() -> None:
    """Print the demo accounts and their password (demo only)."""
    click.echo(f"Tài khoản demo (mật khẩu: {_settings().demo_password}):")
    for username, full_name, position, _org, roles, _email in demo.DEMO_USERS:
        click.echo(f"  {username:<12} {full_name} {position} [{', '.join(roles)}]")


@storage_cli.command("check")
@click.option("--delete-unreferenced", is_flag=True, help="Delete unreferenced objects older than the grace period.")
@click.option("--grace-hours", default=24.0, show_default=True, type=float)
def storage_check(delete_unreferenced: bool, grace_hours: float) -> None:
    """Report rows whose objects are missing or mismatched, and objects no row references."""
    with _session() as session:
        report = storage_admin.check(session, _services().store, delete_unreferenced=delete_unreferenced,
                                     grace=timedelta(hours=grace_hours))
    click.echo(f"rows checked: {report.rows_checked}")
    for label, items in (("missing", report.missing), ("mismatched", report.mismatched),
                         ("unreferenced", report.unreferenced), ("deleted", report.deleted),
                         ("kept (locked)", report.kept_locked)):
        for item in items:
            click.echo(f"{label}: {item[0]} @ {item[1]}")
    click.echo("OK" if report.ok else "PROBLEMS FOUND")
    if report.missing or report.mismatched:
        raise SystemExit(1)


@storage_cli.command("migrate")
@click.option("--to", "target", type=click.Choice(["s3"]), required=True)
def storage_migrate(target: str) -> None:
    """Copy every version from the local folder to MinIO (KHD_S3_* settings), verifying hashes."""
    s = _settings()
    if not s.s3_endpoint:
        raise click.UsageError("KHD_S3_ENDPOINT is not set")
    with _session() as session:
        report = storage_admin.migrate(session, open_store(local_store_options(s)), open_store(s3_store_options(s)))
    click.echo(f"copied: {report.copied}, already on target: {report.already}, failed: {len(report.failed)}")
    for key, version, why in report.failed:
        click.echo(f"failed: {key} @ {version}: {why}")
    if report.failed:
        raise SystemExit(1)


@storage_cli.command("legal-hold")
@click.argument("document_id", type=int)
@click.option("--off", is_flag=True, help="Release the hold instead of placing it.")
def storage_legal_hold(document_id: int, off: bool) -> None:
    """Place (or release) a legal hold on every stored version of a document (audited)."""
    with _session() as session:
        try:
            count = storage_admin.legal_hold(session, _services().store, CLI_ACTOR, document_id, on=not off)
        except NotFound as exc:
            raise click.UsageError(exc.message) from exc
    click.echo(f"legal hold {'released' if off else 'placed'} on {count} objects of document {document_id}")


@audit_cli.command("verify")
def audit_verify() -> None:
    """Check the whole hash chain and name the first broken event."""
    with _session() as session:
        result = verify_chain(session)
    if result.ok:
        click.echo(f"audit chain OK ({result.checked} events)")
        return
    click.echo(f"audit chain BROKEN at event {result.first_broken_id}: {result.reason} "
               f"(after {result.checked} good events)")
    raise SystemExit(1)
