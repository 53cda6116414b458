"""PostgreSQL side of the backup: pg_dump in an exported snapshot, pg_restore, reading a dump's rows.

The client tools are Debian's (postgresql-client); the one matching the server's major version is
preferred because pg_dump refuses servers newer than itself.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from sqlalchemy.engine import make_url

from .common import BackupError

_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def tool(name: str, server_major: int | None = None) -> str:
    """Path of pg_dump / pg_restore: the server's major version first, then the newest installed."""
    root = Path("/usr/lib/postgresql")
    candidates = []
    if server_major:
        candidates.append(root / str(server_major) / "bin" / name)
    if root.is_dir():
        majors = sorted((p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        candidates += [m / "bin" / name for m in majors]
    for path in candidates:
        if path.exists():
            return str(path)
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install Debian's postgresql-client")
    return found


def libpq_env(url: str) -> dict[str, str]:
    """Connection settings for the client tools as PG* variables (the password never goes on argv)."""
    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pairs = {"PGHOST": u.host, "PGPORT": u.port, "PGUSER": u.username, "PGPASSWORD": u.password,
             "PGDATABASE": u.database, "PGSSLMODE": u.query.get("sslmode")}
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(cmd: list[str], env: dict[str, str], what: str, **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, capture_output=True, **kwargs)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()[-2000:]
        raise BackupError(f"{what} failed (exit {proc.returncode}): {err}")
    return proc


def dump(url: str, snapshot_id: str, dest: Path, server_major: int) -> None:
    """pg_dump -Fc of the whole database as seen by ``snapshot_id`` (exported by the caller)."""
    _run([tool("pg_dump", server_major), "--format=custom", "--no-owner", "--no-privileges",
          f"--snapshot={snapshot_id}", f"--file={dest}"], libpq_env(url), "pg_dump")


def restore(url: str, dump_file: Path) -> None:
    """pg_restore into an empty database, all or nothing (one transaction, stop at the first error)."""
    _run([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={libpq_env(url)['PGDATABASE']}", str(dump_file)], libpq_env(url), "pg_restore")


def list_contents(dump_file: Path) -> str:
    """The dump's table of contents; BackupError when pg_restore cannot read it."""
    return _run([tool("pg_restore"), "--list", str(dump_file)], dict(os.environ), "pg_restore --list").stdout.decode()


def _unescape(field: str) -> str | None:
    if field == r"\N":
        return None
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        ch = field[i]
        if ch == "\\" and i + 1 < len(field):
            nxt = field[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            octal = re.match(r"[0-7]{1,3}", field[i + 1:])
            if octal:
                out.append(chr(int(octal.group(0), 8)))
                i += 1 + len(octal.group(0))
                continue
            out.append(nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def table_rows(dump_file: Path, table: str) -> Iterator[dict[str, str | None]]:
    """Rows of one table from a custom-format dump (COPY text format), values as text."""
    proc = _run([tool("pg_restore"), "--data-only", f"--table={table}", "--file=-", str(dump_file)],
                dict(os.environ), f"pg_restore of table {table}")
    columns: list[str] | None = None
    for line in proc.stdout.decode().split("\n"):
        if columns is None:
            m = re.match(r"COPY [\w.\"]+ \((.*)\) FROM stdin;$", line)
            if m:
                columns = [c.strip().strip('"') for c in m.group(1).split(",")]
            continue
        if line == "\\.":
            return
        yield dict(zip(columns, (_unescape(f) for f in line.split("\t"))))
    if columns is None:
        raise BackupError(f"the database dump has no data for table {table}")
