"""One session-wide unoserver pool for every test suite that converts DOCX→PDF.

In a conftest.py::

    from tests.services.converter import unoserver_supervisor, unoserver_converter  # noqa: F401

Both are session fixtures. However many conftests import them, one pool runs per pytest
process (they share a reference-counted supervisor), started on first use (~6 s) and
stopped when the session ends; the teardown fails if any LibreOffice process is left.
``unoserver_converter`` has no one-shot fallback, so a broken pool fails loudly instead
of silently getting 8x slower. Tests that kill instances must ``wait_ready()`` after.
"""

from __future__ import annotations

import random
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from khuyenhoc_docs.conversion import (
    ConverterUnavailable,
    SupervisorOptions,
    UnoserverConverter,
    UnoserverOptions,
    UnoserverSupervisor,
)

__all__ = [
    "free_port_block",
    "live_pids_mentioning",
    "running_supervisor",
    "shared_supervisor",
    "unoserver_converter",
    "unoserver_supervisor",
]

DEFAULT_INSTANCES = 2


def live_pids_mentioning(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains `marker`, e.g. a workdir."""
    needle = marker.encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            stat = (proc / "stat").read_bytes()
        except OSError:
            continue
        if needle in cmdline and stat[stat.rfind(b")") + 2 :].split()[0] != b"Z":
            found.append(int(proc.name))
    return found


def free_port_block(count: int, host: str = "127.0.0.1") -> int:
    """First port of `count` consecutive free ports (below Linux's ephemeral range)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(12000, 32000 - count)
        sockets: list[socket.socket] = []
        try:
            for port in range(base, base + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sockets.append(sock)
                sock.bind((host, port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no block of {count} free ports found")


@contextmanager
def running_supervisor(
    instances: int = 1, workdir: Path | None = None, **overrides: Any
) -> Iterator[UnoserverSupervisor]:
    """Start a supervisor on free ports in a temp workdir; stop it (and check) on exit."""
    own_dir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="khd-unoserver-")) if workdir is None else workdir
    supervisor: UnoserverSupervisor | None = None
    try:
        for attempt in range(3):  # the free ports may be taken before unoserver binds them
            options = SupervisorOptions(
                instances=instances,
                base_port=free_port_block(2 * instances),
                workdir=root,
                **overrides,
            )
            supervisor = UnoserverSupervisor(options)
            try:
                supervisor.start()
                break
            except ConverterUnavailable as exc:
                if "in use" not in str(exc) or attempt == 2:
                    raise
        assert supervisor is not None
        yield supervisor
    finally:
        survivors = supervisor.stop() if supervisor is not None else []
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)
    assert not survivors, f"LibreOffice processes left after stop(): {survivors}"


_shared_lock = threading.Lock()
_shared: dict[str, Any] = {"refs": 0, "cm": None, "supervisor": None}


@contextmanager
def shared_supervisor(instances: int = DEFAULT_INSTANCES) -> Iterator[UnoserverSupervisor]:
    """The process-wide test pool; the first caller decides its size."""
    with _shared_lock:
        if _shared["refs"] == 0:
            cm = running_supervisor(instances)
            _shared["supervisor"] = cm.__enter__()
            _shared["cm"] = cm
        _shared["refs"] += 1
        supervisor: UnoserverSupervisor = _shared["supervisor"]
    try:
        yield supervisor
    finally:
        with _shared_lock:
            _shared["refs"] -= 1
            if _shared["refs"] == 0:
                cm, _shared["cm"], _shared["supervisor"] = _shared["cm"], None, None
                cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def unoserver_supervisor() -> Iterator[UnoserverSupervisor]:
    """The session's unoserver pool (DEFAULT_INSTANCES instances)."""
    with shared_supervisor() as supervisor:
        yield supervisor


@pytest.fixture(scope="session")
def unoserver_converter(unoserver_supervisor: UnoserverSupervisor) -> UnoserverConverter:
    """A converter over the session pool, without one-shot fallback."""
    return UnoserverConverter(UnoserverOptions(endpoints=unoserver_supervisor.endpoints, fallback=None))
