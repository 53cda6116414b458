"""Run and babysit N local unoserver instances.

Each instance is `python -m unoserver.server` in its own process group (so LibreOffice
dies with it), with its own XML-RPC port, UNO port and profile directory. A watcher
thread per instance restarts it whenever it exits (crash, kill, unoserver's own
conversion timeout) with a fresh profile and exponential back-off.

Run in the foreground with (the command line itself is ``supervisor_main``):
    python -m khuyenhoc_docs.conversion.supervisor --instances 2 --base-port 2003 --workdir DIR
"""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path
from types import TracebackType

from unoserver.client import API_VERSION

from .base import ConverterUnavailable, SupervisorOptions, group_pids, kill_group, minimal_docx
from .unoserver import EndpointDown, convert_params, rpc

logger = logging.getLogger(__name__)

_POLL = 0.2
_MAX_BACKOFF = 30.0
#: An instance that stayed up this long has its back-off reset.
_HEALTHY_AFTER = 60.0
_LOG_ROTATE_BYTES = 5 << 20
_WILDCARD_HOSTS = {"", "0.0.0.0", "::"}
#: What an instance runs (cwd: its directory): unoserver's server through unoserver_hidden, with this
#: package importable wherever the project lives (it need not be installed in the Python).
_SERVER_BOOTSTRAP = (
    f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r}); "
    "from khuyenhoc_docs.conversion.unoserver_hidden import main; sys.exit(main())"
)


class _Instance:
    def __init__(self, index: int, port: int, uno_port: int, directory: Path) -> None:
        self.index = index
        self.port = port
        self.uno_port = uno_port
        self.dir = directory
        self.log = directory / "unoserver.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = threading.Event()
        self.ever_ready = False
        self.startup_error: str | None = None  # set if it died before ever being ready
        self.thread: threading.Thread | None = None


class UnoserverSupervisor:
    """Starts, watches and stops local unoserver instances (see SupervisorOptions)."""

    def __init__(self, options: SupervisorOptions) -> None:
        self.options = options
        base, count = options.base_port, options.instances
        self._instances = [
            _Instance(i, base + i, base + count + i, options.workdir / f"instance-{i}")
            for i in range(count)
        ]
        self._probe_host = "127.0.0.1" if options.host in _WILDCARD_HOSTS else options.host
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._restarts = 0

    # --- public API -------------------------------------------------------------------

    @property
    def endpoints(self) -> tuple[tuple[str, int], ...]:
        """(host, port) of every instance, for UnoserverOptions.endpoints."""
        return tuple((self._probe_host, inst.port) for inst in self._instances)

    @property
    def restarts(self) -> int:
        """How many times an instance was restarted after exiting unexpectedly."""
        with self._lock:
            return self._restarts

    def instance_pids(self, index: int) -> list[int]:
        """Live pids (unoserver, oosplash, soffice.bin) of instance `index`."""
        proc = self._instances[index].proc
        return group_pids(proc.pid) if proc is not None else []

    def pids(self) -> list[int]:
        """Live pids of all instances."""
        return [pid for i in range(len(self._instances)) for pid in self.instance_pids(i)]

    def start(self) -> None:
        """Start every instance and wait (≤ startup_timeout) until all are conversion-ready."""
        if any(inst.thread is not None for inst in self._instances):
            raise RuntimeError("supervisor already started")
        if shutil.which(self.options.python) is None:
            raise ConverterUnavailable(f"python {self.options.python!r} not found")
        self._stopping.clear()
        for inst in self._instances:
            inst.ever_ready, inst.startup_error = False, None
            inst.dir.mkdir(parents=True, exist_ok=True)
            self._reap_stale(inst)
        busy = [
            port
            for inst in self._instances
            for host, port in ((self.options.host, inst.port), ("127.0.0.1", inst.uno_port))
            if not _port_free(host, port)
        ]
        if busy:
            raise ConverterUnavailable(f"ports already in use: {busy}")
        for inst in self._instances:
            inst.thread = threading.Thread(
                target=self._watch, args=(inst,), name=f"unoserver-{inst.index}", daemon=True
            )
            inst.thread.start()
        try:
            self.wait_ready(self.options.startup_timeout, _starting=True)
        except BaseException:
            self.stop()
            raise
        logger.info("unoserver instances ready: %s", ", ".join(f"{h}:{p}" for h, p in self.endpoints))

    def wait_ready(self, timeout: float, *, _starting: bool = False) -> None:
        """Block until every instance is ready; raise ConverterUnavailable after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            pending = [inst for inst in self._instances if not inst.ready.is_set()]
            if not pending:
                return
            failed = [inst for inst in pending if _starting and inst.startup_error]
            if failed or time.monotonic() >= deadline:
                inst = (failed or pending)[0]
                reason = inst.startup_error or f"not ready within {timeout:.3g} s"
                raise ConverterUnavailable(
                    f"unoserver instance {inst.index} (port {inst.port}): {reason}; log {inst.log}"
                )
            time.sleep(_POLL)

    def stop(self, timeout: float = 10.0) -> list[int]:
        """Stop all instances (SIGTERM, then SIGKILL); return pids that survived (none)."""
        with self._lock:  # no watcher can spawn once this is set
            if all(inst.thread is None for inst in self._instances) and not self.pids():
                return []  # never started, or already stopped
            ready = {id(inst.proc) for inst in self._instances if inst.ready.is_set()}
            self._stopping.set()
            procs = [inst.proc for inst in self._instances if inst.proc is not None]
        for proc in procs:
            if id(proc) not in ready:
                # Still starting: unoserver ignores SIGTERM until LibreOffice answers
                # (up to ~40 s), so don't wait for it.
                kill_group(proc.pid, wait=0)
            elif proc.poll() is None:
                # SIGTERM to unoserver only: it forwards it to oosplash. Signalling the
                # whole group makes oosplash hang on its dead soffice.bin (measured).
                proc.terminate()
        deadline = time.monotonic() + timeout
        while any(group_pids(p.pid) for p in procs) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors: list[int] = []
        for proc in procs:
            survivors += kill_group(proc.pid, signal.SIGKILL, wait=2.0)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        for inst in self._instances:
            if inst.thread is not None:
                inst.thread.join(timeout=5)
                inst.thread = None
            inst.ready.clear()
            (inst.dir / "pgid").unlink(missing_ok=True)
        if survivors:
            logger.error("unoserver processes survived SIGKILL: %s", survivors)
        else:
            logger.info("unoserver instances stopped")
        return survivors

    def __enter__(self) -> UnoserverSupervisor:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- internals --------------------------------------------------------------------

    def _watch(self, inst: _Instance) -> None:
        failures = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                status = self._run_once(inst)
            except Exception as exc:  # the watcher must outlive any surprise
                logger.exception("unoserver instance %d: supervision error", inst.index)
                status = f"error {exc!r}"
            if status is None:
                return  # stopping
            if time.monotonic() - started > _HEALTHY_AFTER:
                failures = 0
            delay = min(_MAX_BACKOFF, 0.5 * 2**failures)
            failures += 1
            with self._lock:
                self._restarts += 1
                count = self._restarts
            tail = _tail(inst.log)
            if not inst.ever_ready:
                inst.startup_error = f"exited ({status}) before it was ready: {tail}"
            logger.warning(
                "unoserver instance %d (port %d) exited (%s); restart #%d in %.1f s. Log tail: %s",
                inst.index, inst.port, status, count, delay, tail,
            )
            if self._stopping.wait(delay):
                return

    def _run_once(self, inst: _Instance) -> str | None:
        """Run one incarnation of `inst`; return why it ended, or None when stopping."""
        proc = self._spawn(inst)
        if proc is None:
            return None
        try:
            started = time.monotonic()
            if self._await_ready(inst, proc):
                inst.ready.set()
                inst.ever_ready = True
                logger.info(
                    "unoserver instance %d ready on port %d (pid %d) after %.1f s",
                    inst.index, inst.port, proc.pid, time.monotonic() - started,
                )
                while proc.poll() is None and not self._stopping.wait(_POLL):
                    pass
            if self._stopping.is_set():
                return None
            status = proc.poll()
            if status is None:
                logger.error("unoserver instance %d not ready after %.0f s; killing it",
                             inst.index, self.options.startup_timeout)
            return f"pid {proc.pid}, status {status if status is not None else 'hung'}"
        finally:
            inst.ready.clear()
            if not self._stopping.is_set():
                # unoserver may be gone while LibreOffice lives on (or the reverse): the
                # whole group goes, or the restart would meet a held port and profile.
                kill_group(proc.pid)
                if proc.poll() is None:
                    proc.kill()
                proc.wait()

    def _spawn(self, inst: _Instance) -> subprocess.Popen[bytes] | None:
        opts = self.options
        with self._lock:
            if self._stopping.is_set():
                return None
            # A fresh profile per start: a killed LibreOffice can leave its profile locked
            # or half-written, and creating one costs nothing next to unoserver's start-up.
            shutil.rmtree(inst.dir / "profile", ignore_errors=True)
            shutil.rmtree(inst.dir / "tmp", ignore_errors=True)
            (inst.dir / "tmp").mkdir(parents=True)  # unoserver requires --temp-dir to exist
            if inst.log.exists() and inst.log.stat().st_size > _LOG_ROTATE_BYTES:
                inst.log.replace(inst.log.with_suffix(".log.1"))
            cmd = [
                # unoserver's own server, loading documents hidden (see unoserver_hidden)
                opts.python, "-c", _SERVER_BOOTSTRAP,
                "--interface", opts.host,
                "--port", str(inst.port),
                "--uno-interface", "127.0.0.1",
                "--uno-port", str(inst.uno_port),
                # A plain path: unoserver turns it into a file:// URL itself.
                "--user-installation", str(inst.dir / "profile"),
                "--temp-dir", str(inst.dir / "tmp"),
            ]  # fmt: skip
            if opts.soffice:
                cmd += ["--executable", opts.soffice]
            if opts.conversion_timeout:
                cmd += ["--conversion-timeout", str(int(opts.conversion_timeout))]
            with open(inst.log, "ab") as log:
                proc = subprocess.Popen(
                    cmd,
                    cwd=inst.dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            inst.proc = proc
            (inst.dir / "pgid").write_text(str(proc.pid))
        logger.info("started unoserver instance %d: pid %d, port %d, uno port %d",
                    inst.index, proc.pid, inst.port, inst.uno_port)
        return proc

    def _await_ready(self, inst: _Instance, proc: subprocess.Popen[bytes]) -> bool:
        """Poll until the instance answers info() (and a warm-up conversion)."""
        endpoint = (self._probe_host, inst.port)
        deadline = time.monotonic() + self.options.startup_timeout
        while proc.poll() is None and not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                info = rpc(endpoint, "info", timeout=2.0, connect_timeout=0.5)
                if info.get("api") != API_VERSION:
                    inst.startup_error = f"speaks unoserver API {info.get('api')!r}, not {API_VERSION}"
                    logger.error("unoserver instance %d %s", inst.index, inst.startup_error)
                    return False
                if self.options.warmup:
                    remaining = max(deadline - time.monotonic(), 1.0)
                    rpc(endpoint, "convert", *convert_params(minimal_docx()),
                        timeout=remaining, connect_timeout=0.5)
                return True
            except (EndpointDown, TimeoutError, ConnectionError, http.client.HTTPException):
                self._stopping.wait(0.25)  # not listening/serving yet
            except xmlrpc.client.Fault as fault:
                logger.error("unoserver instance %d failed its warm-up: %s", inst.index, fault)
                return False
            except (OSError, xmlrpc.client.Error) as exc:
                logger.debug("unoserver instance %d not ready: %r", inst.index, exc)
                self._stopping.wait(0.25)
        return False

    def _reap_stale(self, inst: _Instance) -> None:
        """Kill an instance left over by a supervisor that died without stopping it."""
        try:
            pgid = int((inst.dir / "pgid").read_text())
        except (OSError, ValueError):
            return
        marker = str(inst.dir).encode()
        for pid in group_pids(pgid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if marker in cmdline:  # really ours, not a recycled pgid
                logger.warning("killing stale unoserver group %d from a previous run", pgid)
                kill_group(pgid)
                break


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = 3) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, os.fstat(handle.fileno()).st_size - 2000))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"


if __name__ == "__main__":  # the command line lives in supervisor_main (signals, ready line)
    from .supervisor_main import main

    sys.exit(main())
