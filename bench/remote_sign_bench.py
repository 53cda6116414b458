"""Remote signing overhead: the CSC path against the CSC test server vs the PKCS#12 key on the server.

    .venv/bin/python bench/remote_sign_bench.py [--n 30] [--json out.json]

Setup (not timed): temp data dir, demo seed, one submitted document cloned N times per case (see
batch_sign_bench.py), the CSC test server (tests/services/csc_server.py, a separate process on
127.0.0.1) holding a key certified by the demo CA. Timed, first chair, per document:
* PKCS#12 batch: ``POST /api/v1/sign-batch`` with the passphrase;
* CSC batch: the same request with the PIN (prepare every document, one credentials/authorize,
  202) plus one worker tick (one signatures/signHash for all hashes, embed each signature);
* CSC single: one document per request (login, credentials/info and authorize every time).
The difference per signature is the remote path's overhead (HTTP round trips on loopback, the
interrupted-signing bookkeeping, the placeholder PDF kept in the database)."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    PASSWORD,
    PKI,
    ROOT,
    bench_app,
    clone_documents,
    submitted_document,
    token,
    workdir,
)
from sqlalchemy import select  # noqa: E402

from khuyenhoc_docs.credentials import register_remote  # noqa: E402
from khuyenhoc_docs.models import User  # noqa: E402
from khuyenhoc_docs.signing.pki import issue_signing_cert  # noqa: E402
from khuyenhoc_docs.workflow import remote_signing  # noqa: E402
from tests.services.provider_common import ProviderServer  # noqa: E402

PIN = "246810"


def run(work: Path, n: int) -> dict[str, float]:
    """Seconds for the three cases (and the CSC batch's prepare part), n documents each."""
    from khuyenhoc_docs.pki_store import ensure_demo_pki

    ca = ensure_demo_pki(PKI.server.pki_dir, PKI.server.url).ca
    ck = issue_signing_cert(ca, full_name="Đặng Thị Hoa", organisation="Hội Khuyến học tỉnh Bến Tre",
                            position="CHỦ TỊCH", email="hoa@example.vn")
    server = ProviderServer(ROOT / "tests" / "services" / "csc_server.py",
                            {"client_id": "khd", "client_secret": "s", "credential_id": "cred-hoa", "pin": PIN,
                             "otp": "", "multisign": 1000, "delay": 0, "mode": "ok"},
                            {"key.pem": ck.key_pem(), "certs.pem": ck.cert_pem() + ca.cert_pem()}).start()
    try:
        app = bench_app(work / "data", csc_url=server.url, csc_client_id="khd", csc_client_secret="s")
        c = app.test_client()
        ids = clone_documents(app, submitted_document(app), 3 * n - 1)
        local, batch_ids, single_ids = ids[:n], ids[n:2 * n], ids[2 * n:]
        h = token(c, "chutich.hkh")
        svc, sessions = app.extensions["khd.services"], app.extensions["khd.sessions"]
        out = {}

        t0 = time.perf_counter()
        resp = c.post("/api/v1/sign-batch", headers=h, json={"document_ids": local, "secret": PASSWORD})
        out["pkcs12_batch"] = time.perf_counter() - t0
        assert all(r["status"] == "signed" for r in resp.get_json()["results"])

        with sessions() as s:
            user = s.scalar(select(User).where(User.username == "chutich.hkh"))
            register_remote(s, user, kind="csc", url="", client_id="", client_secret="", account="cred-hoa",
                            seal=svc.secret_box.seal)
            s.commit()
        t0 = time.perf_counter()
        resp = c.post("/api/v1/sign-batch", headers=h, json={"document_ids": batch_ids, "secret": PIN})
        out["csc_batch_prepare"] = time.perf_counter() - t0
        with sessions() as s:
            assert remote_signing.tick(s, svc, resp.get_json()["signing_request_id"]) == "signed"
        out["csc_batch"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        for d in single_ids:
            r = c.post(f"/api/v1/documents/{d}/sign", headers=h, json={"secret": PIN})
            with sessions() as s:
                assert remote_signing.tick(s, svc, r.get_json()["signing_request_id"]) == "signed"
        out["csc_single"] = time.perf_counter() - t0
        app.extensions["khd.engine"].dispose()
        return out
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    try:
        with workdir("khd-remote-bench-") as work:
            seconds = run(work, args.n)
    finally:
        PKI.stop()
    per = {k: v / args.n * 1000 for k, v in seconds.items()}
    print(f"{args.n} documents per case, first chair, ms per signature")
    print(f"  PKCS#12 batch (one passphrase)                   {per['pkcs12_batch']:7.0f}")
    print(f"  CSC batch (one authorize + one signHash)         {per['csc_batch']:7.0f}"
          f"   (of which prepare + authorize {per['csc_batch_prepare']:.0f})")
    print(f"  CSC single (login, info, authorize each time)    {per['csc_single']:7.0f}")
    print(f"  remote overhead per signature: batch {per['csc_batch'] - per['pkcs12_batch']:+.0f} ms, "
          f"single {per['csc_single'] - per['pkcs12_batch']:+.0f} ms")
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, **per}))


if __name__ == "__main__":
    main()
