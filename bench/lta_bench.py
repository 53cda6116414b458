"""Signing levels: PAdES B-T vs B-LT vs B-LTA against the live demo PKI server.

    .venv/bin/python bench/lta_bench.py [--runs 10] [--json out.json]

All three use the same EC P-256 key (parsed once) and the demo PKI server's RFC 3161 TSA over
HTTP (a subprocess on a free port), so the differences are what long-term validation costs:
B-LT fetches OCSP/CRL for the signer and the TSA and writes the DSS; B-LTA then adds a document
timestamp (one more TSA round trip, DSS for that TSA). Also: validating each result.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from common import PKI, prepared_pdf

    from khuyenhoc_docs.pki_store import ensure_demo_pki
    from khuyenhoc_docs.signing import Pkcs12KeySource, issue_signing_cert, sign_document, to_pkcs12, validate_pdf
    from khuyenhoc_docs.signing.ltv import add_document_timestamp, lt_validation_context
    from khuyenhoc_docs.signing.tsa import http_timestamper
    from tests.signing.conftest import HOA

    with tempfile.TemporaryDirectory(prefix="lta-bench-") as tmp_name:
        try:
            server = PKI.server
            pki = ensure_demo_pki(server.pki_dir, server.url)
            _, pdf = prepared_pdf(Path(tmp_name))
            ck = issue_signing_cert(pki.ca, full_name=HOA.full_name, organisation=HOA.organisation,
                                    position=HOA.position, email="hoa@example.vn", urls=pki.urls())
            ts = http_timestamper(f"{server.url}/tsa")
            with Pkcs12KeySource(to_pkcs12(ck, [pki.ca.cert], "pw"), "pw").open() as key:
                def sign(lt: bool) -> bytes:
                    extra = {"validation_context": lt_validation_context(pki.roots)} if lt else {}
                    return sign_document(pdf, field_name="sig_hkh", signer=key, cert_chain=[pki.ca.cert],
                                         timestamper=ts, certify=True, stamp=HOA, reason=None, **extra)

                cases = {
                    "B-T": lambda: sign(False),
                    "B-LT": lambda: sign(True),
                    "B-LTA": lambda: add_document_timestamp(sign(True), ts, lt_validation_context(pki.roots)),
                }
                samples = {"B-T": sign(False), "B-LT": sign(True)}
                samples["B-LTA"] = add_document_timestamp(samples["B-LT"], ts, lt_validation_context(pki.roots))
                cases.update({f"validate {k}": (lambda s=s: validate_pdf(s, trust_roots=pki.roots))
                              for k, s in samples.items()})
                wall: dict[str, list[float]] = {k: [] for k in cases}
                for _ in range(args.runs):  # round robin: shared-machine noise hits all alike
                    for name, fn in cases.items():
                        t0 = time.perf_counter()
                        fn()
                        wall[name].append((time.perf_counter() - t0) * 1000)
        finally:
            PKI.stop()
    rows = [{"case": k, "median_ms": statistics.median(v), "min_ms": min(v)} for k, v in wall.items()]
    bt = statistics.median(wall["B-T"])
    for r in rows:
        r["ratio_to_bt"] = r["median_ms"] / bt if not r["case"].startswith("validate") else None
    print(f"\n{args.runs} runs per case, interleaved")
    for r in rows:
        ratio = f"  ×{r['ratio_to_bt']:.2f} of B-T" if r["ratio_to_bt"] else ""
        print(f"{r['case']:<16} median {r['median_ms']:7.1f} ms  min {r['min_ms']:7.1f} ms{ratio}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
