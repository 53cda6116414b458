"""The document list under gunicorn and the memory of its workers (issue 16).

    .venv/bin/python bench/list_bench.py [--documents 10000] [--seconds 10] [--sign] [--json OUT]

Load comes from two generators in the same run, so a change of method stays visible: 8 Python
threads (``http.client``, keep-alive; they share the 2 cores with the server, so they take CPU the
server needs) and ``wrk`` (C, epoll, 8 connections, p99 from its ``--latency`` distribution). Every
Python answer is checked (200, 20 items); wrk's non-2xx answers are counted and must be 0.

Memory: RSS, PSS and USS of each gunicorn worker after the list runs and, with ``--sign``, after one
document was created, submitted and signed through the same server (signing loads pyHanko in the
worker that served it). ``run_all.py`` calls ``bench_list``; standalone, the script seeds its own
data dir (the seed's draft cloned to ``--documents`` rows) and starts one converter for ``--sign``.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, ROOT, children_of, free_port, p99, rss_mb, workdir  # noqa: E402

WORKERS, THREADS = 2, 4  # as scripts/run.sh and gunicorn.conf.py run the service
LIST_PATH = "/api/v1/documents?per_page=20"


@dataclass
class Memory:
    rss_mb: float
    pss_mb: float
    uss_mb: float


@dataclass
class ListResult:
    rps: float  # Python threads
    median_ms: float
    p99_ms: float
    server_cpu_ms: float  # CPU time of the gunicorn workers per request (Python-thread run)
    client_cpu_ms: float  # CPU time of the Python clients per request
    wrk_rps: float | None  # wrk (None when wrk is not installed)
    wrk_median_ms: float | None
    wrk_p99_ms: float | None
    wrk_server_cpu_ms: float | None
    workers: list[Memory]  # each gunicorn worker after the list runs
    master_rss_mb: float
    workers_after_sign: list[Memory] = field(default_factory=list)

    @property
    def workers_rss_mb(self) -> list[float]:
        return sorted((w.rss_mb for w in self.workers), reverse=True)


def memory(pid: int) -> Memory:
    """RSS, PSS (shared pages divided among the processes sharing them) and USS (pages only this
    process holds) from /proc/<pid>/smaps_rollup, in MB."""
    values = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0])
    except OSError:
        return Memory(rss_mb(pid), 0.0, 0.0)
    return Memory(values["Rss"] / 1024, values["Pss"] / 1024, (values["Private_Clean"] + values["Private_Dirty"]) / 1024)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes so far (/proc/<pid>/stat, clock ticks)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _request(port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={"Content-Type": "application/json", **(headers or {})})
    r = conn.getresponse()
    data = r.read()
    assert r.status < 300, (method, path, r.status, data[:300])
    return json.loads(data)


def _token(port: int, username: str = "vanthu") -> str:
    for _ in range(300):
        try:
            return str(_request(port, "POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})["token"])
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


def python_clients(port: int, auth: dict[str, str], seconds: float, clients: int) -> tuple[float, float, float]:
    """(req/s, median ms, p99 ms) of ``clients`` keep-alive Python threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        local = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            conn.request("GET", LIST_PATH, headers=auth)
            r = conn.getresponse()
            body = r.read()
            local.append(time.perf_counter() - t)
            assert r.status == 200 and len(json.loads(body)["items"]) == 20, (r.status, body[:200])
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    return len(latencies) / wall, sorted(latencies)[len(latencies) // 2] * 1000, p99(latencies) * 1000


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk_clients(port: int, auth: dict[str, str], seconds: float, clients: int) -> tuple[float, float, float] | None:
    """(req/s, median ms, p99 ms) from ``wrk --latency`` with ``clients`` connections on 2 threads;
    None without wrk. Raises when any answer was not 2xx or a socket error occurred."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    header = "Authorization: " + auth["Authorization"]
    out = subprocess.run([wrk, "-t", "2", "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--latency",
                          "-H", header, f"http://127.0.0.1:{port}{LIST_PATH}"],
                         check=True, capture_output=True, text=True).stdout
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rps, _ms(latency["50"]), _ms(latency["99"])


def sign_one(port: int) -> None:
    """create → submit → first chair signs, through the server (conversion and pyHanko in a worker)."""
    from khuyenhoc_docs.drafting.reference import reference_fields

    clerk = {"Authorization": f"Bearer {_token(port, 'vanthu')}"}
    chair = {"Authorization": f"Bearer {_token(port, 'chutich.hkh')}"}
    doc = _request(port, "POST", "/api/v1/documents", {"kind": "programme_province",
                                                       "fields": reference_fields().to_dict()}, clerk)
    _request(port, "POST", f"/api/v1/documents/{doc['id']}/submit", headers=clerk)
    _request(port, "POST", f"/api/v1/documents/{doc['id']}/sign", {"secret": PASSWORD}, chair)


def bench_list(data_dir: Path, config: dict[str, str], seconds: float, clients: int, *, sign: bool = False,
               workers: int = WORKERS, threads: int = THREADS) -> ListResult:
    """GET /api/v1/documents?per_page=20 under gunicorn (``workers`` × ``threads``) with ``clients``
    keep-alive clients, Python threads then wrk; worker memory after the runs (and after signing)."""
    port = free_port()
    # MALLOC_ARENA_MAX as scripts/run.sh and the Dockerfile start gunicorn (read by glibc)
    env = {"MALLOC_ARENA_MAX": "2", **os.environ, "KHD_DATA_DIR": str(data_dir), "KHD_SECRET_KEY": "bench",
           "KHD_LOGIN_LIMIT": "100000 per minute", **{f"KHD_{k.upper()}": v for k, v in config.items()}}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
                             "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w"))  # noqa: SIM115
    try:
        auth = {"Authorization": f"Bearer {_token(port)}"}
        python_clients(port, auth, 1.0, clients)  # warm-up: every worker thread has served
        pids = children_of(proc.pid)
        server, own, start = cpu_seconds(pids), time.process_time(), time.perf_counter()
        rps, median, p99_ms = python_clients(port, auth, seconds, clients)
        done = rps * (time.perf_counter() - start)
        server_cpu, client_cpu = (cpu_seconds(pids) - server) / done * 1000, (time.process_time() - own) / done * 1000
        server, start = cpu_seconds(pids), time.perf_counter()
        wrk = wrk_clients(port, auth, seconds, clients)
        wrk_cpu = wrk and (cpu_seconds(pids) - server) / (wrk[0] * (time.perf_counter() - start)) * 1000
        result = ListResult(rps=rps, median_ms=median, p99_ms=p99_ms, server_cpu_ms=server_cpu,
                            client_cpu_ms=client_cpu, wrk_rps=wrk and wrk[0], wrk_median_ms=wrk and wrk[1],
                            wrk_p99_ms=wrk and wrk[2], wrk_server_cpu_ms=wrk_cpu,
                            workers=[memory(p) for p in pids], master_rss_mb=rss_mb(proc.pid))
        if sign:
            sign_one(port)
            result.workers_after_sign = [memory(p) for p in pids]
        return result
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _prepare(data_dir: Path, documents: int, overrides: dict[str, Any]) -> None:
    """A seeded data dir with ``documents`` rows: the seed's draft cloned over the organisations."""
    from common import bench_app
    from sqlalchemy import select

    from khuyenhoc_docs.models import Document

    app = bench_app(data_dir, **overrides)
    with app.extensions["khd.sessions"]() as s:
        doc = s.scalars(select(Document).order_by(Document.id)).first()
        skip = {"id", "record_code", "signatures", "versions"}
        cols = {c.key: getattr(doc, c.key) for c in Document.__table__.columns if c.key not in skip}
        for i in range(documents - 1):
            s.add(Document(**{**cols, "title": f"{doc.title} ({i})"}))
        s.commit()
    app.extensions["khd.engine"].dispose()


def describe(r: ListResult) -> str:
    def mem(ws: list[Memory]) -> str:
        return ", ".join(f"RSS {w.rss_mb:.0f} / PSS {w.pss_mb:.0f} / USS {w.uss_mb:.0f}" for w in ws)

    wrk = (f"wrk {r.wrk_rps:.0f} req/s, median {r.wrk_median_ms:.1f} ms, p99 {r.wrk_p99_ms:.1f} ms "
           f"(server CPU {r.wrk_server_cpu_ms:.1f} ms/req)" if r.wrk_rps is not None else "wrk not installed")
    lines = [f"python threads {r.rps:.0f} req/s, median {r.median_ms:.1f} ms, p99 {r.p99_ms:.1f} ms (server CPU "
             f"{r.server_cpu_ms:.1f} ms/req, clients {r.client_cpu_ms:.1f} ms/req); {wrk}",
             f"workers after the list (MB): {mem(r.workers)}; master RSS {r.master_rss_mb:.0f}"]
    if r.workers_after_sign:
        lines.append(f"workers after one create/submit/sign (MB): {mem(r.workers_after_sign)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--data", type=Path, help="reuse (or create) this data dir instead of a temp one")
    parser.add_argument("--sign", action="store_true", help="also sign one document and measure again")
    parser.add_argument("--json", type=Path, help="write the result as JSON here")
    args = parser.parse_args()
    from common import PKI

    sup = None
    try:
        config = dict(PKI.config())  # KHD_* variables of the gunicorn process
        overrides: dict[str, Any] = {}  # settings of the app that prepares the data
        if args.sign:
            from khuyenhoc_docs.conversion import SupervisorOptions, UnoserverSupervisor
            from tests.services.converter import free_port_block

            uno_dir = Path(tempfile.mkdtemp(prefix="khd-list-uno-"))
            sup = UnoserverSupervisor(SupervisorOptions(instances=1, base_port=free_port_block(2), workdir=uno_dir))
            sup.start()
            config["converter_endpoints"] = ",".join(f"{h}:{p}" for h, p in sup.endpoints)
            overrides["converter_endpoints"] = sup.endpoints
        with workdir("khd-list-") as tmp:
            data = args.data or tmp / "data"
            if not (data / "khuyenhoc.sqlite3").exists():
                _prepare(data, args.documents, overrides)
            result = bench_list(data, config, args.seconds, args.clients, sign=args.sign, workers=args.workers,
                                threads=args.threads)
    finally:
        if sup is not None:
            sup.stop()
            shutil.rmtree(sup.options.workdir, ignore_errors=True)
        PKI.stop()
    print(describe(result), file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
