"""Issuance vs its bare floor alone, interleaved (issuance round, floor round, ...), with wall and
app CPU time per issuance (this process: the app and its TSA/OCSP threads, not LibreOffice or the
demo PKI server); ``--profile FILE`` writes a cProfile of the issuances. To compare two commits,
run it alternately from a checkout of each (each run's ratio is measured in that run).

    .venv/bin/python bench/issuance_bench.py --rounds 5 --per-round 2 [--json out.json]
"""
from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_bench import ISSUERS, SEALERS, bench_floor, issue_one, sealing  # noqa: E402
from common import PKI, bench_app, med, token, workdir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="interleaved issuance/floor rounds")
    parser.add_argument("--per-round", type=int, default=2, help="issuances (and floors) per round")
    parser.add_argument("--profile", help="write a cProfile of the issuances to this file")
    parser.add_argument("--json", help="write the samples to this JSON file")
    args = parser.parse_args()
    from khuyenhoc_docs.conversion import SupervisorOptions, UnoserverSupervisor
    from khuyenhoc_docs.drafting.reference import reference_fields
    from tests.services.converter import free_port_block

    wall: dict[str, list[float]] = {"issuance": [], "floor": []}
    cpu: dict[str, list[float]] = {"issuance": [], "floor": []}
    prof = cProfile.Profile() if args.profile else None
    try:
        with workdir("khd-issue-") as work:
            sup = UnoserverSupervisor(SupervisorOptions(instances=1, base_port=free_port_block(4), workdir=work / "uno"))
            sup.start()
            try:
                app = bench_app(work / "data", converter_endpoints=sup.endpoints[:1])
                c = app.test_client()
                clerk = token(c, "vanthu")
                chairs = [token(c, u) for u in ISSUERS]
                sealers = [token(c, u) for u in SEALERS] if sealing(app) else []
                fields = reference_fields().to_dict()
                doc_id = issue_one(c, clerk, chairs, sealers, fields)  # warm-up
                docx = c.get(f"/api/v1/documents/{doc_id}/file?version=1&format=docx", headers=clerk).data
                signatures = len(chairs) + len(sealers)
                c0 = time.process_time()
                bench_floor(app, docx, 0, signatures)  # its set-up (keys, certificates) and warm-up alone
                floor_setup = time.process_time() - c0
                for _ in range(args.rounds):
                    for _ in range(args.per_round):
                        t, c0 = time.perf_counter(), time.process_time()
                        if prof:
                            prof.enable()
                        issue_one(c, clerk, chairs, sealers, fields)
                        if prof:
                            prof.disable()
                        cpu["issuance"].append(time.process_time() - c0)
                        wall["issuance"].append(time.perf_counter() - t)
                    c0 = time.process_time()
                    wall["floor"] += bench_floor(app, docx, args.per_round, signatures)
                    cpu["floor"] += [(time.process_time() - c0 - floor_setup) / args.per_round] * args.per_round
                app.extensions["khd.engine"].dispose()
            finally:
                sup.stop()
    finally:
        PKI.stop()
    if prof:
        prof.dump_stats(args.profile)
    floor = med(wall["floor"])
    for name in ("issuance", "floor"):
        print(f"{name}: median {med(wall[name]) * 1000:.0f} ms, CPU {med(cpu[name]) * 1000:.0f} ms, "
              f"ratio to floor {med(wall[name]) / floor:.2f}; samples " + " ".join(f"{t * 1000:.0f}" for t in wall[name]))
    if args.json:
        Path(args.json).write_text(json.dumps({"wall": wall, "cpu": cpu}))


if __name__ == "__main__":
    main()
