"""Cascade of a province programme to the 124 commune-level units of the merged Vĩnh Long province.

The tree comes from examples/vinh-long-2025-organisations.csv through the real CSV import; the province
programme is drafted through the workflow and marked signed (signing is measured elsewhere), then the
cascade job runs inline with 2 warm converter instances. Goal: ≤ 20 s for the 124 unit drafts.

    .venv/bin/python bench/cascade_communes.py [--instances 2] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import PKI, bench_app  # noqa: E402

from khuyenhoc_docs.conversion import SupervisorOptions, UnoserverSupervisor  # noqa: E402

CSV = ROOT / "examples" / "vinh-long-2025-organisations.csv"
GOAL_SECONDS = 20.0


def run(instances: int) -> dict:
    from sqlalchemy import select

    from khuyenhoc_docs.access import Principal
    from khuyenhoc_docs.accounts import NewUser, create_user
    from khuyenhoc_docs.audit import Actor
    from khuyenhoc_docs.drafting.templates import TemplateKind
    from khuyenhoc_docs.models import Organisation
    from khuyenhoc_docs.orgimport import apply_organisations
    from khuyenhoc_docs.workflow.cascade import run_cascade, start_cascade
    from khuyenhoc_docs.workflow.drafting import create_draft
    from khuyenhoc_docs.workflow.prefill import initial_fields
    from tests.services.converter import free_port_block

    work = Path(tempfile.mkdtemp(prefix="khd-communes-"))
    sup = UnoserverSupervisor(SupervisorOptions(instances=instances, base_port=free_port_block(4),
                                                workdir=work / "uno"))
    sup.start()
    try:
        app = bench_app(work / "data", converter_endpoints=sup.endpoints)
        svc = app.extensions["khd.services"]
        with app.extensions["khd.sessions"]() as s:
            t = time.perf_counter()
            plan = apply_organisations(s, CSV.read_bytes())
            s.commit()
            import_s = time.perf_counter() - t
            hkh = s.scalar(select(Organisation).where(Organisation.name == "Hội Khuyến học tỉnh Vĩnh Long"))
            td = s.scalar(select(Organisation).where(Organisation.name == "Tỉnh đoàn Vĩnh Long"))
            clerk = create_user(s, NewUser(username="vanthu.vl", full_name="Văn thư Vĩnh Long", password="x" * 12,
                                           organisation_id=hkh.id, roles=("clerk",)))
            s.commit()
            p = Principal.of(s, clerk)
            fields = initial_fields(s, TemplateKind.PROGRAMME_PROVINCE.value, hkh, td)
            for side, signer in (("party_a", "Người ký A"), ("party_b", "Người ký B")):  # no chairs in the bench
                fields[side] = {**fields[side], "signer_name": fields[side].get("signer_name") or signer}
            doc = create_draft(s, svc, p, Actor(clerk, "bench"), kind=TemplateKind.PROGRAMME_PROVINCE.value,
                               data={**fields, "period": "2026 – 2030", "place": "Vĩnh Long"}, partner_org_id=td.id)
            doc.status, doc.doc_number, doc.issue_date = "signed", "01/CTPH-HKH-TĐ", date.today()
            s.commit()
            job = start_cascade(s, p, Actor(clerk, "bench"), doc.id)
            pids = {pid: _comm(pid) for pid in sup.pids()}
            before, app_before = {pid: _cpu(pid) for pid in pids}, time.process_time()
            t = time.perf_counter()
            job = run_cascade(s, svc, job.id)
            elapsed = time.perf_counter() - t
            app_cpu = time.process_time() - app_before
            cpu = {pid: _cpu(pid) - before[pid] for pid in pids}
            assert job.status == "done", job.error
        app.extensions["khd.engine"].dispose()
        created = len(job.result["created"])
        return {"units": created, "instances": instances, "seconds": elapsed, "docs_per_s": created / elapsed,
                "import_seconds": import_s, "imported": plan.count("create"), "goal_seconds": GOAL_SECONDS,
                # CPU seconds during the cascade: this process (render, store, database: SQLite runs in it),
                # each LibreOffice (soffice.bin) and unoserver's Python (XML-RPC) summed over the instances
                "app_cpu_s": app_cpu,
                "libreoffice_cpu_s": [round(v, 2) for pid, v in cpu.items() if pids[pid] == "soffice.bin"],
                "unoserver_cpu_s": round(sum(v for pid, v in cpu.items() if pids[pid].startswith("python")), 2)}
    finally:
        sup.stop()
        PKI.stop()
        shutil.rmtree(work, ignore_errors=True)


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.instances)
    print(f"CSV import of {result['imported']} organisations: {result['import_seconds']:.2f} s")
    print(f"cascade to {result['units']} commune-level units with {result['instances']} converter instances: "
          f"{result['seconds']:.1f} s ({result['docs_per_s']:.2f} docs/s; goal ≤ {GOAL_SECONDS:.0f} s: "
          f"{'met' if result['seconds'] <= GOAL_SECONDS else 'NOT met'})")
    units = max(result["units"], 1)
    print(f"CPU during the cascade: app {result['app_cpu_s']:.1f} s ({result['app_cpu_s'] / units * 1000:.0f} ms/unit), "
          f"LibreOffice {' + '.join(f'{v:.1f}' for v in result['libreoffice_cpu_s'])} s "
          f"({sum(result['libreoffice_cpu_s']) / units * 1000:.0f} ms/unit), unoserver {result['unoserver_cpu_s']:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
