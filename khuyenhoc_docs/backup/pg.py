"""PostgreSQL side of the backup: pg_dump in an exported snapshot, pg_restore, reading a dump's rows.

The client tools are Debian's (postgresql-client); the one matching the server's major version is
preferred because pg_dump refuses servers newer than itself.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def _quote(value: object) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


@contextmanager
def conninfo(url: str) -> Iterator[str]:
    """A libpq connection string for the client tools; the password goes through a private
    passfile, never on the command line (visible to every user) nor in our environment."""
    u = make_url(url)
    parts: dict[str, object] = {"host": u.host, "port": u.port, "user": u.username, "dbname": u.database,
                                "sslmode": u.query.get("sslmode")}
    with tempfile.TemporaryDirectory(prefix="khd-pg-") as tmp:
        if u.password:
            passfile = Path(tmp) / "pgpass"
            escaped = u.password.replace("\\", "\\\\").replace(":", "\\:")
            fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(f"*:*:*:*:{escaped}\n")
            parts["passfile"] = passfile
        yield " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v)


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()[-2000:]
        raise BackupError(f"{what} failed (exit {proc.returncode}): {err}")
    return proc


def dump(url: str, snapshot_id: str, dest: Path, server_major: int) -> None:
    """pg_dump -Fc of the whole database as seen by ``snapshot_id`` (exported by the caller)."""
    with conninfo(url) as dsn:
        _run([tool("pg_dump", server_major), "--format=custom", "--no-owner", "--no-privileges",
              f"--snapshot={snapshot_id}", f"--file={dest}", f"--dbname={dsn}"], "pg_dump")


def restore(url: str, dump_file: Path) -> None:
    """pg_restore into an empty database, all or nothing (one transaction, stop at the first error)."""
    with conninfo(url) as dsn:
        _run([tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={dsn}", str(dump_file)], "pg_restore")


def list_contents(dump_file: Path) -> str:
    """The dump's table of contents; BackupError when pg_restore cannot read it."""
    return _run([tool("pg_restore"), "--list", str(dump_file)], "pg_restore --list").stdout.decode()


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
                f"pg_restore of table {table}")
    columns: list[str] | None = None
    for line in proc.stdout.decode().split("\n"):
        if columns is None:
            m = re.match(r"COPY [\w.\"]+ \((.*)\) FROM stdin;$", line)
            if m:
                columns = [c.strip().strip('"') for c in m.group(1).split(",")]
            continue
        if line == "\\.":
            return
        yield dict(zip(columns, (_unescape(f) for f in line.split("\t")), strict=True))
    if columns is None:
        raise BackupError(f"the database dump has no data for table {table}")
