"""``flask backup create|verify|restore``: a thin layer over khuyenhoc_docs.backup."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

PASSPHRASE_HELP = "Passphrase of the backup's secrets (default: KHD_BACKUP_PASSPHRASE)."


def _passphrase(given: str | None, *, required: bool) -> str:
    value = given or current_app.config["KHD_SETTINGS"].backup_passphrase
    if required and not value:
        raise click.UsageError("a passphrase is required: --passphrase or KHD_BACKUP_PASSPHRASE")
    return value


def _echo(message: str) -> None:
    click.echo(message, err=True)


def register_backup_cli(app: Flask) -> None:
    """Attach the ``backup`` command group."""

    @app.cli.group("backup")
    def backup_group() -> None:
        """Backups: create, verify, restore (see README, Operations → Backups)."""

    @backup_group.command("create")
    @click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--passphrase", help=PASSPHRASE_HELP)
    def backup_create(dest: Path, passphrase: str | None) -> None:
        """Write one consistent backup into DEST (a new or empty folder) while the service runs."""
        from ..backup import BackupError, create_backup

        svc = current_app.extensions["khd.services"]
        try:
            manifest = create_backup(svc.settings, svc.store, dest, _passphrase(passphrase, required=True), _echo)
        except BackupError as exc:
            raise click.ClickException(f"backup failed: {exc}") from exc
        click.echo(f"backup OK: {dest} ({len(manifest.objects)} object versions, {len(manifest.files)} files)")

    @backup_group.command("verify")
    @click.argument("src", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--passphrase", help=PASSPHRASE_HELP + " Without it the secrets and the seal are not checked.")
    def backup_verify(src: Path, passphrase: str | None) -> None:
        """Check a backup without restoring it: manifest, hashes, database, audit chain."""
        from ..backup import BackupError, verify_backup

        try:
            report = verify_backup(src, _passphrase(passphrase, required=False) or None, _echo)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        for problem in report.problems:
            click.echo(f"problem: {problem}")
        if report.sealed is None:
            click.echo("note: no passphrase given, the secrets and the manifest's seal were not checked")
        if report.audit is not None and report.audit.ok:
            click.echo(f"audit chain OK ({report.audit.checked} events)")
        if report.problems:
            click.echo("BACKUP DAMAGED")
            raise SystemExit(1)
        click.echo(f"backup OK: {report.files_checked} files, {len(report.manifest.objects)} object versions")

    @backup_group.command("restore")
    @click.argument("src", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--passphrase", help=PASSPHRASE_HELP)
    def backup_restore(src: Path, passphrase: str | None) -> None:
        """Restore SRC into the configured (empty) database, data dir and object store."""
        from ..backup import BackupError, restore_backup

        svc = current_app.extensions["khd.services"]
        try:
            report = restore_backup(src, svc.settings, svc.store, _passphrase(passphrase, required=True), _echo)
        except BackupError as exc:
            raise click.ClickException(f"restore refused: {exc}") from exc
        for name in report.templates_differing:
            click.echo(f"template kept (differs from the backup's): {name}")
        audit, storage = report.audit, report.storage
        assert audit is not None and storage is not None
        click.echo(f"restored: {report.objects} object versions, {len(report.secrets)} secret files")
        click.echo(f"audit chain {'OK' if audit.ok else 'BROKEN'} ({audit.checked} events)")
        click.echo(f"storage check {'OK' if storage.ok else 'PROBLEMS FOUND'} ({storage.rows_checked} rows)")
        if not (audit.ok and storage.ok):
            raise SystemExit(1)
