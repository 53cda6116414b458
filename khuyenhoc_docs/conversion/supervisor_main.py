"""The supervisor's foreground command line: parse options, start the instances, print ``ready
host:port,…`` and run until SIGTERM/SIGINT, then stop every instance (``python -m
khuyenhoc_docs.conversion.supervisor`` lands here)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from .base import ConverterUnavailable, SupervisorOptions
from .supervisor import UnoserverSupervisor

logger = logging.getLogger("khuyenhoc_docs.conversion.supervisor")


class _Interrupted(BaseException):
    """SIGTERM/SIGINT arrived while the instances were still starting."""


def main(argv: list[str] | None = None) -> int:
    """Foreground entry point: run until SIGTERM/SIGINT, then stop every instance."""
    parser = argparse.ArgumentParser(prog="python -m khuyenhoc_docs.conversion.supervisor")
    parser.add_argument("--instances", type=int, required=True)
    parser.add_argument("--base-port", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="XML-RPC interface (UNO stays local)")
    parser.add_argument("--python", default=sys.executable, help="a Python that can `import uno`")
    parser.add_argument("--soffice", default=None, help="LibreOffice executable")
    parser.add_argument("--conversion-timeout", type=int, default=120)
    parser.add_argument("--startup-timeout", type=float, default=60)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    stop = threading.Event()
    started = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        logger.info("received %s, stopping", signal.Signals(signum).name)
        first = not stop.is_set()
        stop.set()
        if first and not started.is_set():
            raise _Interrupted  # abandons start(), which stops what it started

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    options = SupervisorOptions(
        instances=args.instances, base_port=args.base_port, workdir=args.workdir, python=args.python,
        host=args.host, soffice=args.soffice, conversion_timeout=args.conversion_timeout or None,
        startup_timeout=args.startup_timeout,
    )  # fmt: skip
    supervisor = UnoserverSupervisor(options)
    try:
        supervisor.start()
        started.set()
    except _Interrupted:
        supervisor.stop()  # start() stopped its instances, unless it had just finished
        return 0
    except ConverterUnavailable as exc:
        print(f"unoserver supervisor failed to start: {exc}", file=sys.stderr, flush=True)
        return 1
    try:
        endpoints = ",".join(f"{host}:{port}" for host, port in supervisor.endpoints)
        print(f"ready {endpoints}", flush=True)
        while not stop.wait(1.0):
            pass
    finally:
        survivors = supervisor.stop()
    return 1 if survivors else 0



if __name__ == "__main__":
    sys.exit(main())
