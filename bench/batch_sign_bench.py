"""Batch signing benchmark: one chair signs N documents with one PKCS#12 passphrase.

    .venv/bin/python bench/batch_sign_bench.py [--n 150] [--json out.json]

Setup (not timed, ``common.py``): a temp data dir, demo seed, the live demo PKI, one document submitted
(one conversion), then its rows cloned N-1 times (same PDF, own document ids and record codes).
Timed: ``POST /api/v1/sign-batch`` for the first chair (certification signatures), then for the
second (approval signatures + final validation + retention lock of each record), in-process WSGI.
Goal (issue 15): 150 documents ≤ 20 s. The remote path's overhead per signature is measured by
``bench/remote_sign_bench.py``. Rerunnable: everything lives in a temp dir removed at the end.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, PKI, bench_app, clone_documents, submitted_document, token, workdir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    try:
        with workdir("khd-batch-bench-") as work:
            app = bench_app(work / "data")
            c = app.test_client()
            clerk = token(c, "vanthu")
            ids = clone_documents(app, submitted_document(app), args.n - 1)
            times = {}
            for chair in ("chutich.hkh", "phobithu.td"):
                h = token(c, chair)
                t0 = time.perf_counter()
                resp = c.post("/api/v1/sign-batch", headers=h, json={"document_ids": ids, "secret": PASSWORD})
                times[chair] = time.perf_counter() - t0
                results = resp.get_json()["results"]
                assert resp.status_code == 200 and all(r["status"] == "signed" for r in results), results[:3]
            signed = sum(1 for i in ids if c.get(f"/api/v1/documents/{i}", headers=clerk).get_json()["status"] == "signed")
            assert signed == args.n, signed
            app.extensions["khd.engine"].dispose()
    finally:
        PKI.stop()
    first, second = times["chutich.hkh"], times["phobithu.td"]
    print(f"batch of {args.n}, PKCS#12, one passphrase (goal ≤ 20 s per batch)")
    print(f"  first chair (certification):            {first:6.1f} s  {first / args.n * 1000:5.0f} ms/doc")
    print(f"  second chair (approval + final checks): {second:6.1f} s  {second / args.n * 1000:5.0f} ms/doc")
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "first_s": first, "second_s": second}))


if __name__ == "__main__":
    main()
