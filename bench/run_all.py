"""One benchmark table: issuance vs the bare floor, rendering, cascade, search, list, memory.

    bench/run [--quick] [--json] [--skip-sub]

Rerunnable (everything lives in temp dirs removed at the end). Medians and ratios come from the
same run, because these machines are shared and noisy; the load average is printed with them.
``--json`` prints one JSON object on stdout (the table goes to stderr); ``--quick`` runs smaller
sizes (a few minutes). Sub-benchmarks (signing levels, signing, batch, remote, search) run as their
own scripts and report through their --json files.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_bench import bench_cascade, bench_floor, bench_issuance, bench_render  # noqa: E402
from common import PKI, ROOT, bench_app, clone_documents, med, p95, processes_matching, rss_mb, workdir  # noqa: E402
from list_bench import bench_list  # noqa: E402

GOALS = {"issuance_ratio": 1.25, "search_p95_ms": 50.0, "list_rps": 500.0, "list_p99_ms": 60.0,
         "worker_rss_mb": 150.0, "libreoffice_rss_mb": 250.0, "cascade_150_s": 20.0, "batch_sign_150_s": 20.0}
FULL = {"issuance_runs": 12, "cascade_units": 150, "list_documents": 10_000, "list_seconds": 15.0,
        "batch": 150, "remote": 30, "search_records": 100_000, "sign_runs": 15, "lta_runs": 10, "communes": True}
QUICK = {"issuance_runs": 4, "cascade_units": 30, "list_documents": 2_000, "list_seconds": 4.0,
         "batch": 30, "remote": 6, "search_records": 5_000, "sign_runs": 2, "lta_runs": 2, "communes": False}


class Report:
    """The table rows (for people) and the JSON object (for machines) of one run."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str]] = []
        self.data: dict[str, Any] = {}

    def row(self, name: str, value: str, note: str = "") -> None:
        self.rows.append((name, value, note))
        print(f"  {name}: {value} {note}", file=sys.stderr, flush=True)

    def table(self) -> str:
        width = max(len(r[0]) for r in self.rows)
        lines = [f"{'measure':<{width}} | {'value':>14} | note", f"{'-' * width}-|-{'-' * 14}-|-----"]
        lines += [f"{name:<{width}} | {value:>14} | {note}" for name, value, note in self.rows]
        return "\n".join(lines)


def goal(ok: bool) -> str:
    return "goal met" if ok else "goal NOT met"


def sub_bench(script: str, args: list[str]) -> Any:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    try:
        subprocess.run([sys.executable, str(ROOT / "bench" / script), *args, "--json", str(out)], check=True,
                       stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def free_port_block(count: int = 4) -> int:
    from tests.services.converter import free_port_block as block

    return block(count)


def app_benches(rep: Report, size: dict[str, Any], work: Path) -> None:
    from khuyenhoc_docs.conversion import SupervisorOptions, UnoserverSupervisor

    sup = UnoserverSupervisor(SupervisorOptions(instances=2, base_port=free_port_block(), workdir=work / "uno"))
    sup.start()
    try:
        one = sup.endpoints[:1]
        app = bench_app(work / "data", converter_endpoints=one)
        print("issuance…", file=sys.stderr)
        n = size["issuance_runs"]
        e2e, docx, signatures = bench_issuance(app, n)
        floor = bench_floor(app, docx, n, signatures)
        ratio = med(e2e) / med(floor)
        rep.data.update(issuance_ms=med(e2e) * 1000, issuance_p95_ms=p95(e2e) * 1000, floor_ms=med(floor) * 1000,
                        issuance_ratio=ratio, issuance_signatures=signatures)
        steps = "2 chairs sign → 2 seals" if signatures == 4 else f"{signatures} signatures"
        rep.row(f"issuance via API (create → submit → {steps} → stored, B-LTA), median",
                f"{med(e2e) * 1000:.0f} ms", f"p95 {p95(e2e) * 1000:.0f} ms")
        rep.row(f"bare floor: warm conversion + {signatures} bare pyHanko B-LT signatures (last with B-LTA), median",
                f"{med(floor) * 1000:.0f} ms",
                f"ratio issuance/floor {ratio:.2f} (goal ≤ {GOALS['issuance_ratio']}: {goal(ratio <= 1.25)})")
        render_t, convert_t = bench_render(app, n * 2)
        rep.data.update(render_ms=med(render_t) * 1000, convert_ms=med(convert_t) * 1000)
        rep.row("rendering (docxtpl, reference programme), median", f"{med(render_t) * 1000:.0f} ms")
        rep.row("warm conversion (1 unoserver instance), median", f"{med(convert_t) * 1000:.0f} ms",
                f"{1 / med(convert_t):.1f} docs/s")
        units = size["cascade_units"]
        t1 = bench_cascade(app, units)
        app.extensions["khd.engine"].dispose()
        app2 = bench_app(work / "data2", converter_endpoints=sup.endpoints)
        bench_issuance(app2, 0)
        t2 = bench_cascade(app2, units)
        app2.extensions["khd.engine"].dispose()
        rep.data.update({f"cascade_{units}_s": t2, f"cascade_{units}_s_one_instance": t1,
                         "cascade_150_s": t2 * 150 / units})  # projected linearly when --quick
        rep.row(f"cascade {units} units, 1 / 2 converter instances", f"{t1:.1f} / {t2:.1f} s",
                f"{units / t2:.2f} docs/s with 2; goal 150 units ≤ 20 s: {goal(t2 * 150 / units <= 20)}")
        with app.extensions["khd.sessions"]() as s:
            from sqlalchemy import func, select

            from khuyenhoc_docs.models import Document
            have, last = s.execute(select(func.count(Document.id), func.max(Document.id))).one()
        clone_documents(app, last, max(0, size["list_documents"] - have))
        app.extensions["khd.engine"].dispose()
        config = {"converter_endpoints": ",".join(f"{h}:{p}" for h, p in one), **PKI.config()}
        lst = bench_list(work / "data", config, size["list_seconds"], 8, sign=True)
        worst = max(lst.workers_rss_mb)
        signed = max(w.rss_mb for w in lst.workers_after_sign)
        # wrk (C) is the reported load when installed; the Python threads' numbers stay beside it
        rps, p99_ms = (lst.wrk_rps, lst.wrk_p99_ms) if lst.wrk_rps is not None else (lst.rps, lst.p99_ms)
        rep.data.update(list_rps=rps, list_p99_ms=p99_ms, list_generator="wrk" if lst.wrk_rps is not None else "python",
                        list_rps_python=lst.rps, list_p99_ms_python=lst.p99_ms, list_median_ms_python=lst.median_ms,
                        list_rps_wrk=lst.wrk_rps, list_p99_ms_wrk=lst.wrk_p99_ms, list_median_ms_wrk=lst.wrk_median_ms,
                        list_server_cpu_ms=lst.wrk_server_cpu_ms or lst.server_cpu_ms,
                        list_documents=size["list_documents"], worker_rss_mb=worst,
                        worker_rss_mb_each=lst.workers_rss_mb, worker_pss_mb_each=[w.pss_mb for w in lst.workers],
                        worker_uss_mb_each=[w.uss_mb for w in lst.workers], master_rss_mb=lst.master_rss_mb,
                        worker_rss_mb_after_sign=signed,
                        worker_rss_mb_after_sign_each=[w.rss_mb for w in lst.workers_after_sign])
        name = f"document list, {size['list_documents']} documents, gunicorn 2 workers × 4 threads, 8 clients"
        if lst.wrk_rps is not None:
            rep.row(f"{name} (wrk)", f"{lst.wrk_rps:.0f} req/s",
                    f"median {lst.wrk_median_ms:.1f} ms, p99 {lst.wrk_p99_ms:.1f} ms, server CPU "
                    f"{lst.wrk_server_cpu_ms:.1f} ms/req (goal ≥ 500 req/s, p99 < 60 ms: "
                    f"{goal(rps >= 500 and p99_ms < 60)})")
        rep.row(f"{name} (Python threads)", f"{lst.rps:.0f} req/s",
                f"median {lst.median_ms:.1f} ms, p99 {lst.p99_ms:.1f} ms, server CPU {lst.server_cpu_ms:.1f} ms/req, "
                f"clients {lst.client_cpu_ms:.1f} ms/req")
        rep.row("RSS per app worker (each) after the list / gunicorn master",
                " + ".join(f"{w:.0f}" for w in lst.workers_rss_mb) + f" / {lst.master_rss_mb:.0f} MB",
                "PSS " + " + ".join(f"{w.pss_mb:.0f}" for w in lst.workers) + ", USS "
                + " + ".join(f"{w.uss_mb:.0f}" for w in lst.workers) + f" MB; goal ≤ 150 MB per worker: {goal(worst <= 150)}")
        rep.row("RSS per app worker (each) after one create → submit → sign through it",
                " + ".join(f"{w.rss_mb:.0f}" for w in lst.workers_after_sign) + " MB",
                "signing loads pyHanko in the worker that served it")
        soffice = [rss_mb(p) for p in processes_matching("soffice.bin", str(work))]
        rep.data.update(libreoffice_rss_mb=max(soffice), libreoffice_rss_mb_each=soffice)
        rep.row("RSS per LibreOffice instance (each)", " + ".join(f"{r:.0f}" for r in soffice) + " MB",
                f"goal ≤ 250 MB: {goal(max(soffice) <= 250)}")
    finally:
        sup.stop()


def sub_benches(rep: Report, size: dict[str, Any]) -> None:
    for case in sub_bench("lta_bench.py", ["--runs", str(size["lta_runs"])]):
        note = f"×{case['ratio_to_bt']:.2f} of B-T" if case["ratio_to_bt"] else f"min {case['min_ms']:.0f} ms"
        rep.row(f"signing level {case['case']} (live demo PKI: HTTP TSA, OCSP)", f"{case['median_ms']:.0f} ms", note)
    for case in sub_bench("sign_bench.py", ["--runs", str(size["sign_runs"])]):
        if "B-T" in case["case"] or "validate" in case["case"] or "locate" in case["case"]:
            rep.row(f"signing: {case['case']}", f"{case['median_ms']:.0f} ms", f"min {case['min_ms']:.0f} ms")
    n = size["batch"]
    b = sub_bench("batch_sign_bench.py", ["--n", str(n)])
    worst = max(b["first_s"], b["second_s"])
    rep.data.update({f"batch_sign_{n}_s": worst, f"batch_sign_{n}_first_s": b["first_s"],
                     f"batch_sign_{n}_second_s": b["second_s"],
                     "batch_sign_150_s": worst * 150 / n})  # projected linearly when --quick
    rep.row(f"batch signing {n} documents, PKCS#12, first / second chair", f"{b['first_s']:.1f} / {b['second_s']:.1f} s",
            f"{worst / n * 1000:.0f} ms/doc; goal 150 ≤ 20 s per batch: {goal(worst * 150 / n <= 20)}")
    r = sub_bench("remote_sign_bench.py", ["--n", str(size["remote"])])
    rep.row("remote signing (CSC test server) per signature: batch / single vs PKCS#12",
            f"{r['csc_batch']:.0f} / {r['csc_single']:.0f} vs {r['pkcs12_batch']:.0f} ms",
            f"overhead {r['csc_batch'] - r['pkcs12_batch']:+.0f} ms batched, "
            f"{r['csc_single'] - r['pkcs12_batch']:+.0f} ms single")
    if size["communes"]:  # the real tree: Vĩnh Long CSV import, province programme → its 124 commune-level units
        c = sub_bench("cascade_communes.py", ["--instances", "2"])
        rep.data.update(cascade_communes_124_s=c["seconds"])
        rep.row(f"cascade to {c['units']} commune-level units (Vĩnh Long CSV), 2 converter instances",
                f"{c['seconds']:.1f} s", f"{c['docs_per_s']:.2f} docs/s; goal ≤ 20 s: {goal(c['seconds'] <= 20)}")
    search = sub_bench("search_bench.py", ["--n", str(size["search_records"])])
    for result in search["results"]:
        fts = [t for q in result["queries"] for t in q["fts_ms"]]
        like = [t for q in result["queries"] for t in q["like_ms"]]
        # first = each query's first run (nothing kept yet); the 5 timed runs follow it and are answered
        # from the results a search keeps until the index changes. The goal is judged on the first runs:
        # that is what a search costs whenever the archive has changed since it was last asked.
        first = [q["fts_first_ms"] for q in result["queries"] if "fts_first_ms" in q] or [0.0]
        # What the engine's own exact count of each unfiltered match costs, nothing else: the
        # least an exact total can cost through this index (search_bench.engine_floor_ms).
        floors = [q["floor_ms"] for q in result["queries"] if q.get("floor_ms") is not None] or [0.0]
        engine = "sqlite" if result["engine"] == "sqlite" else "postgres"
        rep.data.update({f"search_floor_p95_ms_{engine}": p95(floors), f"search_floor_median_ms_{engine}": med(floors)})
        rep.data.update({f"search_p95_ms_{engine}": p95(first), f"search_median_ms_{engine}": med(first),
                         f"search_first_p95_ms_{engine}": p95(first), f"search_first_median_ms_{engine}": med(first),
                         f"search_repeat_p95_ms_{engine}": p95(fts), f"search_repeat_median_ms_{engine}": med(fts)})
        rep.row(f"search, {search['n']} records, {len(result['queries'])} queries: {result['engine']}",
                f"{med(first):.1f} ms", f"p95 {p95(first):.1f} ms, first runs (goal ≤ 50: {goal(p95(first) <= 50)}); "
                f"the engine's exact count alone, {len(floors)} unfiltered queries: median {med(floors):.1f} ms, "
                f"p95 {p95(floors):.1f} ms; "
                f"repeated (kept results) median {med(fts):.1f} ms, p95 {p95(fts):.1f} ms; naive LIKE scan "
                f"median {med(like):.0f} ms, p95 {p95(like):.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (within 5 minutes)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--skip-sub", action="store_true", help="skip the sub-benchmark scripts")
    parser.add_argument("--search-records", type=int, help="override the search size (records)")
    args = parser.parse_args()
    size = dict(QUICK if args.quick else FULL)
    if args.search_records:
        size["search_records"] = args.search_records
    rep = Report()
    projected = ["cascade_150_s", "batch_sign_150_s"] if args.quick else []
    rep.data.update(quick=args.quick, sizes=size, projected_from_sizes=projected, cores=os.cpu_count(),
                    host=socket.gethostname(),
                    load_start=os.getloadavg())
    try:
        with workdir("khd-bench-") as work:
            app_benches(rep, size, work)
    finally:
        PKI.stop()
    if not args.skip_sub:
        print("sub-benchmarks…", file=sys.stderr)
        sub_benches(rep, size)
    rep.data.update(load_end=os.getloadavg(), goals=GOALS)
    machine = (f"machine: {os.cpu_count()} cores, {socket.gethostname()}, load average at start "
               f"{rep.data['load_start'][0]:.1f}, at end {rep.data['load_end'][0]:.1f}")
    print(f"\n{rep.table()}\n\n{machine}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(rep.data, ensure_ascii=False))


if __name__ == "__main__":
    main()
