"""Backups that restore: consistent snapshot of database, objects, templates and secrets.

``create_backup`` writes a backup folder, ``verify_backup`` checks one without restoring it,
``restore_backup`` loads one into an empty target. Plain Python: the CLI in ``web/cli_backup.py``
only parses arguments and prints progress.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import reexports

# Imported at first use: importing the package imports none of its submodules (lazy.py says why).
__getattr__ = reexports(__name__, {
    "common": ("BackupError", "TargetNotEmpty", "WrongPassphrase"),
    "create": ("create_backup",),
    "restore": ("RestoreReport", "restore_backup"),
    "verify": ("VerifyReport", "verify_backup"),
})

if TYPE_CHECKING:
    from .common import BackupError, TargetNotEmpty, WrongPassphrase
    from .create import create_backup
    from .restore import RestoreReport, restore_backup
    from .verify import VerifyReport, verify_backup

__all__ = ["BackupError", "RestoreReport", "TargetNotEmpty", "VerifyReport", "WrongPassphrase", "create_backup",
           "restore_backup", "verify_backup"]
