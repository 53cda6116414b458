"""CLI: `archive refresh` (B-LTA document timestamps) and `pki revoke` / `pki issue` (demo PKI)."""
from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import Flask, current_app


def register_archive_cli(app: Flask) -> None:
    @app.cli.group("archive")
    def archive_group() -> None:
        """Long-term archive (PAdES B-LTA)."""

    @archive_group.command("refresh")
    @click.option("--horizon-days", type=int, default=None,
                  help="Re-timestamp records whose newest TSA certificate expires within this many days "
                       "(default KHD_LTA_HORIZON_DAYS).")
    def archive_refresh(horizon_days: int | None) -> None:
        """Add a document timestamp to final records whose protection ends soon (idempotent)."""
        from ..audit import Actor
        from ..workflow.archival import refresh

        svc = current_app.extensions["khd.services"]
        horizon = svc.settings.lta_horizon_days if horizon_days is None else horizon_days
        with current_app.extensions["khd.sessions"]() as session:
            result = refresh(session, svc, Actor(ip="cli"), horizon_days=horizon)
        click.echo(f"records checked: {result.checked}; timestamps added: {len(result.added)}")
        for doc_id in result.added:
            click.echo(f"added: document {doc_id}")
        for doc_id, reason in result.failed.items():
            click.echo(f"failed: document {doc_id}: {reason}")
        if result.failed:
            raise SystemExit(1)

    @app.cli.group("pki")
    def pki_group() -> None:
        """Demo PKI (CRL, OCSP, TSA served by khuyenhoc_docs.pki_server)."""

    @pki_group.command("revoke")
    @click.argument("username")
    @click.option("--at", "at", default="", help="Revocation time, ISO 8601 (default now; may be backdated).")
    @click.option("--reason", default="key_compromise", show_default=True)
    def pki_revoke(username: str, at: str, reason: str) -> None:
        """Revoke the demo certificate of a user's active credential."""
        from ..credentials import active_certificate_of
        from ..pki_store import revoke

        svc = current_app.extensions["khd.services"]
        with current_app.extensions["khd.sessions"]() as session:
            cert = active_certificate_of(session, username)
        if cert is None:
            raise click.ClickException(f"no certificate for {username}")
        when = datetime.fromisoformat(at).astimezone(UTC) if at else None
        rev = revoke(svc.settings.pki_dir, cert, at=when, reason=reason)
        click.echo(f"revoked serial {rev.serial:x} at {rev.revoked_at.isoformat()} ({rev.reason})")

    @pki_group.command("issue")
    @click.argument("username")
    @click.option("--hierarchy", type=click.Choice(["demo", "cd"]), default="demo", show_default=True,
                  help="cd: the second demo hierarchy, like the political system's 'chuyên dùng' CA.")
    def pki_issue(username: str, hierarchy: str) -> None:
        """Issue a new demo certificate (PKCS#12 under the demo password) to a user."""
        from ..credentials import reissue_demo_credential

        svc = current_app.extensions["khd.services"]
        with current_app.extensions["khd.sessions"]() as session:
            cred = reissue_demo_credential(session, svc.demo_pki, username, hierarchy, svc.settings.demo_password)
        if cred is None:
            raise click.ClickException(f"no user {username}")
        click.echo(f"issued: {cred.subject}")
