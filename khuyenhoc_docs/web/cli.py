"""Flask CLI commands: db upgrade, demo seed, and (later) storage and audit tools."""
from __future__ import annotations

import click
from flask import Flask, current_app

from .. import migrate
from .cli_backup import register_backup_cli


def _settings():
    return current_app.config["KHD_SETTINGS"]


def register_cli(app: Flask) -> None:
    """Attach the command groups."""
    register_ops_cli(app)
    register_backup_cli(app)

    @app.cli.group("db")
    def db_group() -> None:
        """Database schema."""

    @db_group.command("upgrade")
    def db_upgrade() -> None:
        """Apply migrations up to head."""
        migrate.upgrade(_settings().sqlalchemy_url)
        click.echo("database at head")

    @app.cli.group("demo")
    def demo_group() -> None:
        """Demo data."""

    @demo_group.command("seed")
    @click.option("--if-empty", is_flag=True, help="Only seed when there are no users yet.")
    def demo_seed(if_empty: bool) -> None:
        """Create the Bến Tre demo organisations, users, certificates and draft."""
        from ..demo import seed

        sessions = current_app.extensions["khd.sessions"]
        services = current_app.extensions["khd.services"]
        with sessions() as session:
            created = seed(session, services, only_if_empty=if_empty)
        settings = _settings()
        if created:
            click.echo(f"demo data created; demo password: {settings.demo_password}")
        else:
            click.echo("demo data already present")

    @demo_group.command("info")
    def demo_info() -> None:
        """Print the demo accounts and their password (demo only)."""
        from ..demo import DEMO_USERS

        password = _settings().demo_password
        click.echo("Tài khoản demo (mật khẩu: %s):" % password)
        for username, full_name, position, _org, roles, _email in DEMO_USERS:
            click.echo(f"  {username:<12} {full_name} {position} [{', '.join(roles)}]")



def register_ops_cli(app: Flask) -> None:
    """Storage and audit maintenance commands."""
    from datetime import timedelta

    @app.cli.group("storage")
    def storage_group() -> None:
        """Object store maintenance."""

    @storage_group.command("check")
    @click.option("--delete-unreferenced", is_flag=True, help="Delete unreferenced objects older than the grace period.")
    @click.option("--grace-hours", default=24.0, show_default=True, type=float)
    def storage_check(delete_unreferenced: bool, grace_hours: float) -> None:
        """Report rows whose objects are missing or mismatched, and objects no row references."""
        from ..storage_admin import check

        svc = current_app.extensions["khd.services"]
        with current_app.extensions["khd.sessions"]() as session:
            report = check(session, svc.store, delete_unreferenced=delete_unreferenced,
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

    @storage_group.command("migrate")
    @click.option("--to", "target", type=click.Choice(["s3"]), required=True)
    def storage_migrate(target: str) -> None:
        """Copy every version from the local folder to MinIO (KHD_S3_* settings), verifying hashes."""
        from ..storage import open_store
        from ..storage.base import LocalStoreOptions, S3StoreOptions
        from ..storage_admin import migrate as run

        s = _settings()
        if not s.s3_endpoint:
            raise click.UsageError("KHD_S3_ENDPOINT is not set")
        source = open_store(LocalStoreOptions(root=s.objects_dir))
        dest = open_store(S3StoreOptions(endpoint=s.s3_endpoint, access_key=s.s3_access_key,
                                         secret_key=s.s3_secret_key, bucket=s.s3_bucket, secure=s.s3_secure))
        with current_app.extensions["khd.sessions"]() as session:
            report = run(session, source, dest)
        click.echo(f"copied: {report.copied}, already on target: {report.already}, failed: {len(report.failed)}")
        for key, version, why in report.failed:
            click.echo(f"failed: {key} @ {version}: {why}")
        if report.failed:
            raise SystemExit(1)

    @storage_group.command("legal-hold")
    @click.argument("document_id", type=int)
    @click.option("--off", is_flag=True, help="Release the hold instead of placing it.")
    def storage_legal_hold(document_id: int, off: bool) -> None:
        """Place (or release) a legal hold on every stored version of a document."""
        from sqlalchemy import select

        from ..models import DocumentVersion, Signature, StoredObject

        svc = current_app.extensions["khd.services"]
        with current_app.extensions["khd.sessions"]() as session:
            ids = set()
            for v in session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document_id)):
                ids.update((v.docx_object_id, v.pdf_object_id))
            ids.update(i for i in session.scalars(select(Signature.pdf_object_id).where(
                Signature.document_id == document_id)) if i)
            if not ids:
                raise click.UsageError(f"document {document_id} has no stored objects")
            for row in session.scalars(select(StoredObject).where(StoredObject.id.in_(ids))):
                svc.store.set_legal_hold(row.key, row.version_id, not off)
                row.legal_hold = not off
            session.commit()
        click.echo(f"legal hold {'released' if off else 'placed'} on {len(ids)} objects of document {document_id}")

    @app.cli.group("audit")
    def audit_group() -> None:
        """Audit trail."""

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Check the whole hash chain and name the first broken event."""
        from ..audit import verify_chain

        with current_app.extensions["khd.sessions"]() as session:
            result = verify_chain(session)
        if result.ok:
            click.echo(f"audit chain OK ({result.checked} events)")
            return
        click.echo(f"audit chain BROKEN at event {result.first_broken_id}: {result.reason} "
                   f"(after {result.checked} good events)")
        raise SystemExit(1)
