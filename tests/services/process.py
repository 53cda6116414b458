"""Shared handling of server subprocesses started by the test helpers."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from typing import IO


def stop_process_group(proc: subprocess.Popen | None, timeout: float = 5) -> None:
    """SIGTERM the process group, SIGKILL it if it lingers; no-op when already gone."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


def tail(log: IO[bytes], limit: int = 4000) -> str:
    """The end of a server's log file (for failure messages)."""
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-limit:]
