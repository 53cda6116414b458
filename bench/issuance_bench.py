"""Issuance vs its bare floor alone, interleaved (issuance round, floor round, ...), with wall and
app CPU time per issuance; ``--profile FILE`` writes a cProfile of the issuances. To compare two
commits, run it alternately from a checkout of each (each run's ratio is measured in that run).

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

from app_bench import bench_floor, bench_issuance  # noqa: E402
from common import PKI, bench_app, med, workdir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="interleaved issuance/floor rounds")
    parser.add_argument("--per-round", type=int, default=2, help="issuances (and floors) per round")
    parser.add_argument("--profile", help="write a cProfile of the issuance rounds to this file")
    parser.add_argument("--json", help="write the samples to this JSON file")
    args = parser.parse_args()
    from khuyenhoc_docs.conversion import SupervisorOptions, UnoserverSupervisor
    from tests.services.converter import free_port_block

    wall: dict[str, list[float]] = {"issuance": [], "floor": []}
    cpu: dict[str, list[float]] = {"issuance": [], "floor": []}
    prof = cProfile.Profile() if args.profile else None
    try:
        with workdir("khd-issue-") as work:
            sup = UnoserverSupervisor(SupervisorOptions(instances=1, base_port=free_port_block(4), workdir=work / "uno"))
            sup.start()
            try:
                # bench_issuance asks for 5 tokens per call: above the default per-address login limit
                app = bench_app(work / "data", converter_endpoints=sup.endpoints[:1],
                                login_address_limit="100000 per minute")
                _, docx, signatures = bench_issuance(app, 0)
                for _ in range(args.rounds):
                    c0 = time.process_time()
                    if prof:
                        prof.enable()
                    times, docx, signatures = bench_issuance(app, args.per_round)
                    if prof:
                        prof.disable()
                    # bench_issuance's warm-up issuance is counted in the CPU time: spread over n + 1
                    cpu["issuance"] += [(time.process_time() - c0) / (args.per_round + 1)] * args.per_round
                    wall["issuance"] += times
                    c0 = time.process_time()
                    wall["floor"] += bench_floor(app, docx, args.per_round, signatures)
                    cpu["floor"] += [(time.process_time() - c0) / (args.per_round + 1)] * args.per_round
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
