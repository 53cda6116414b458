"""Batch signing benchmark: one chair signs N documents with one PKCS#12 passphrase.

    .venv/bin/python bench/batch_sign_bench.py [--n 150] [--json out.json]

Setup (not timed): a temp data dir, demo seed, one document submitted (one conversion), then its
rows cloned N-1 times (same PDF, own document ids) so setup does not cost N conversions.
Timed: ``POST /api/v1/sign-batch`` for the first chair (certification signatures), then for the
second (approval signatures + final validation + retention lock of each record), in-process WSGI.
Goal (issue 15): 150 documents ≤ 20 s. The remote path's overhead per signature is measured by
``bench/remote_sign_bench.py``. Rerunnable: everything lives in a temp dir removed at the end.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from khuyenhoc_docs import create_app, migrate  # noqa: E402
from khuyenhoc_docs.models import Document, Signature  # noqa: E402

PASSWORD = "khuyenhoc-demo"


def token(client, username: str) -> dict:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def clone_documents(app, doc_id: int, copies: int) -> list[int]:
    """Copies of a submitted document's rows (document + signature tasks), sharing its PDF object."""
    ids = [doc_id]
    with app.extensions["khd.sessions"]() as s:
        doc = s.get(Document, doc_id)
        sigs = list(s.scalars(select(Signature).where(Signature.document_id == doc_id)))
        skip = {"id", "signatures", "versions"}
        for _ in range(copies):
            cols = {c.key: getattr(doc, c.key) for c in Document.__table__.columns if c.key not in skip}
            new = Document(**cols)
            s.add(new)
            s.flush()
            for sig in sigs:
                scols = {c.key: getattr(sig, c.key) for c in Signature.__table__.columns if c.key != "id"}
                s.add(Signature(**{**scols, "document_id": new.id}))
            ids.append(new.id)
        s.commit()
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="khd-batch-bench-"))
    try:
        app = create_app({"data_dir": work / "data", "secret_key": "bench", "jobs_immediate": True,
                          "login_limit": "100000 per minute"})
        migrate.upgrade(app.config["KHD_SETTINGS"].sqlalchemy_url)
        assert app.test_cli_runner().invoke(args=["demo", "seed"]).exit_code == 0
        c = app.test_client()
        clerk = token(c, "vanthu")
        doc_id = c.get("/api/v1/documents", headers=clerk).get_json()["items"][0]["id"]
        assert c.post(f"/api/v1/documents/{doc_id}/submit", headers=clerk).status_code == 200
        ids = clone_documents(app, doc_id, args.n - 1)
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
        shutil.rmtree(work, ignore_errors=True)
    first, second = times["chutich.hkh"], times["phobithu.td"]
    print(f"batch of {args.n}, PKCS#12, one passphrase (goal ≤ 20 s per batch)")
    print(f"  first chair (certification):            {first:6.1f} s  {first / args.n * 1000:5.0f} ms/doc")
    print(f"  second chair (approval + final checks): {second:6.1f} s  {second / args.n * 1000:5.0f} ms/doc")
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "first_s": first, "second_s": second}))


if __name__ == "__main__":
    main()
