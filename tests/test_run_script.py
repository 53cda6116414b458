"""Issue 14 item 14: `make run` picks free converter ports and fails loudly when a child fails."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from khuyenhoc_docs.conversion.ports import free_base_port

ROOT = Path(__file__).resolve().parent.parent


class _Picks:
    """A stand-in random source that proposes the given base ports in turn."""

    def __init__(self, *ports: int) -> None:
        self.ports = list(ports)

    def randrange(self, _low: int, _high: int) -> int:
        return self.ports.pop(0)


def test_item14_free_base_port_skips_ports_in_use():
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        busy = held.getsockname()[1]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            other = probe.getsockname()[1]
        # The run starting at busy-1 contains the held port; the next proposal is free.
        assert free_base_port(2, rng=_Picks(busy - 1, other)) == other


def test_item14_readme_documents_the_converter_base_port():
    readme = (ROOT / "README.md").read_text()
    assert "`KHD_CONVERTER_BASE_PORT`" in readme


@pytest.mark.slow
def test_item14_make_run_exits_non_zero_naming_the_failed_child(seeded_template_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(seeded_template_dir, data)
    with socket.socket() as held:  # another service already has the web port
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("KHD_")}
        env.update(PORT=str(port), KHD_DATA_DIR=str(data), KHD_CONVERTER_INSTANCES="1")
        proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    assert proc.returncode != 0, (out[-2000:], err[-2000:])
    assert f"web server (gunicorn on 127.0.0.1:{port}) stopped" in err, err[-2000:]
    assert "127.0.0.1:2003" not in out  # no fixed converter port any more
