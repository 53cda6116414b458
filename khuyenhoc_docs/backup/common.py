"""Shared bits of the backup package: errors, progress reporting, hashing."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

FORMAT = "khuyenhoc-backup/1"
MANIFEST = "manifest.json"
SECRETS = "secrets.enc"

Progress = Callable[[str], None]


def quiet(_message: str) -> None:
    """Default progress sink: say nothing."""


class BackupError(Exception):
    """A backup cannot be made, verified or restored; the message says why (for the operator)."""


class WrongPassphrase(BackupError):
    """The passphrase does not open the backup's secrets."""


class TargetNotEmpty(BackupError):
    """Restore refuses a target that already holds data."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (database dumps can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Meter:
    """Reports ``done/total`` through ``progress`` about every 5 % (and at the end)."""

    def __init__(self, progress: Progress, label: str, total: int) -> None:
        self.progress, self.label, self.total = progress, label, total
        self.done = 0
        self._next = 0

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.done >= self._next or self.done == self.total:
            pct = 100 * self.done // self.total if self.total else 100
            self.progress(f"{self.label}: {self.done}/{self.total} ({pct}%)")
            self._next = self.done + max(1, self.total // 20)
