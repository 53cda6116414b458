"""Supervision: crashes are repaired, outages fall back or fail clearly, stop leaves nothing."""

from __future__ import annotations

import logging
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from khuyenhoc_docs.conversion import (
    ConverterUnavailable,
    OneShotOptions,
    UnoserverConverter,
    UnoserverOptions,
    UnoserverSupervisor,
)
from tests.services.converter import free_port_block, live_pids_mentioning

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] != b"Z"


def _dead_endpoint() -> tuple[str, int]:
    return ("127.0.0.1", free_port_block(1))


def test_killed_instance_is_restarted(unoserver_supervisor: UnoserverSupervisor, sample_docx: bytes) -> None:
    supervisor = unoserver_supervisor
    victims = supervisor.instance_pids(0)
    assert len(victims) >= 3, f"expected unoserver + oosplash + soffice.bin, got {victims}"
    restarts = supervisor.restarts

    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: not any(map(_alive, victims)), 5, "the killed processes to die")

    # While instance 0 is down, the pool skips it.
    pool = UnoserverConverter(UnoserverOptions(endpoints=supervisor.endpoints, fallback=None))
    for _ in range(2):  # round robin reaches the dead endpoint at least once
        assert pool.convert(sample_docx).startswith(b"%PDF-")

    _wait_for(lambda: supervisor.restarts == restarts + 1, 10, "the supervisor to notice")
    supervisor.wait_ready(60)
    assert set(supervisor.instance_pids(0)).isdisjoint(victims)
    only_restarted = UnoserverConverter(UnoserverOptions(endpoints=supervisor.endpoints[:1], fallback=None))
    assert only_restarted.convert(sample_docx).startswith(b"%PDF-")


def test_all_endpoints_down_falls_back_to_oneshot(
    sample_docx: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    converter = UnoserverConverter(
        UnoserverOptions(endpoints=(_dead_endpoint(), _dead_endpoint()), fallback=OneShotOptions())
    )
    with caplog.at_level(logging.WARNING, logger="khuyenhoc_docs.conversion"):
        pdf = converter.convert(sample_docx)

    assert pdf.startswith(b"%PDF-")
    assert converter.fallbacks == 1
    assert "one-shot" in caplog.text
    converter.check()  # the fallback can serve, so the converter is available


def test_all_endpoints_down_without_fallback_is_unavailable(sample_docx: bytes) -> None:
    converter = UnoserverConverter(UnoserverOptions(endpoints=(_dead_endpoint(), _dead_endpoint()), fallback=None))

    started = time.monotonic()
    with pytest.raises(ConverterUnavailable):
        converter.convert(sample_docx)
    with pytest.raises(ConverterUnavailable):
        converter.check()
    assert time.monotonic() - started < 2, "dead endpoints must fail fast, not be retried with sleeps"


def test_stop_via_cli_sigterm_leaves_no_processes(tmp_path: Path, sample_docx: bytes) -> None:
    workdir = tmp_path / "pool"
    base = free_port_block(2)
    proc = subprocess.Popen(
        [sys.executable, "-m", "khuyenhoc_docs.conversion.supervisor",
         "--instances", "1", "--base-port", str(base), "--workdir", str(workdir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        assert ready, "the supervisor did not report ready within 60 s"
        assert proc.stdout.readline().strip() == f"ready 127.0.0.1:{base}"
        children = live_pids_mentioning(str(workdir))
        assert len(children) >= 3, children  # unoserver, oosplash, soffice.bin
        converter = UnoserverConverter(UnoserverOptions(endpoints=(("127.0.0.1", base),), fallback=None))
        assert converter.convert(sample_docx).startswith(b"%PDF-")

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert not any(map(_alive, children)), [p for p in children if _alive(p)]
        assert not live_pids_mentioning(str(workdir))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in live_pids_mentioning(str(workdir)):
            os.kill(pid, signal.SIGKILL)
        assert proc.stdout is not None
        proc.stdout.close()
