"""CLI: ``orgs import FILE`` and ``users import FILE`` — the same checks and plan as the admin page."""
from __future__ import annotations

import click
from flask import Flask, current_app

from ..audit import Actor
from ..workflow import orgs


def _run(kind: str, path: str, dry_run: bool) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    with current_app.extensions["khd.sessions"]() as session:
        plan = orgs.preview_import(session, kind, data)
        for err in plan.errors:
            click.echo(str(err), err=True)
        if not plan.ok:
            click.echo("nothing imported", err=True)
            raise SystemExit(1)
        for c in plan.changes:
            if c.action != "unchanged":
                detail = "; ".join(f"{k}: {o!r} -> {n!r}" for k, (o, n) in c.changes.items())
                click.echo(f"line {c.line}: {c.action} {c.label}" + (f" ({detail})" if detail else ""))
        if dry_run:
            click.echo(f"dry run: {plan.summary()}")
            return
        plan, passwords = orgs.run_import(session, Actor(None, "cli"), kind, data, filename=path)
    for username, password in passwords.items():
        click.echo(f"initial password {username}: {password}")
    click.echo(f"imported: {plan.summary()}")


def register_import_cli(app: Flask) -> None:
    @app.cli.group("orgs")
    def orgs_group() -> None:
        """Organisation tree."""

    @orgs_group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check and show the plan; write nothing.")
    def orgs_import(path: str, dry_run: bool) -> None:
        """Import organisations from CSV (name,abbreviation,level,parent,family,counterpart,code)."""
        _run("organisations", path, dry_run)

    @app.cli.group("users")
    def users_group() -> None:
        """Accounts."""

    @users_group.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check and show the plan; write nothing.")
    def users_import(path: str, dry_run: bool) -> None:
        """Import people from CSV (username,full_name,position,organisation,role,email)."""
        _run("users", path, dry_run)
