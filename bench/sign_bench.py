"""Signing benchmark: bare pyHanko vs khuyenhoc_docs.signing.

    .venv/bin/python bench/sign_bench.py [--runs 15] [--json bench/out/sign_bench.json]

Signs the same prepared two-field PDF (built from python-docx via LibreOffice,
as in the tests) into field ``sig_hkh`` (certification signature) and prints
medians. "bare" = what a straightforward pyHanko integration does per
signature: ``SimpleSigner.load_pkcs12`` (re-reads and re-parses the key) or a
fresh PKCS#11 session + ``PKCS11Signer``, pyHanko's ``DummyTimeStamper``;
it uses the same Vietnamese stamp style so only key/TSA handling differs.
"ours" = ``sign_document`` with a key source opened once (parsed key / one
token session kept) and ``DemoTimeStamper`` (parsed TSA key kept).
Rerunnable: everything lives in a temp dir that is removed at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

# SoftHSM2 reads SOFTHSM2_CONF at module load: create the token (which sets
# it) before anything touches PKCS#11.
from datetime import UTC

from tests.services.softhsm import create_token, softhsm_available  # noqa: E402

Case = tuple[str, Callable[[], object]]


def measure(cases: list[Case], runs: int, warmup: int = 2) -> list[tuple[str, float, float, float]]:
    """Round-robin over the cases (so load from other processes on a shared
    machine hits all of them alike); wall-clock median, min, CPU median."""
    for _, fn in cases:
        for _ in range(warmup):
            fn()
    wall: dict[str, list[float]] = {name: [] for name, _ in cases}
    cpu: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _ in range(runs):
        for name, fn in cases:
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append((time.perf_counter() - w0) * 1000)
            cpu[name].append((time.process_time() - c0) * 1000)
    return [(name, statistics.median(wall[name]), min(wall[name]), statistics.median(cpu[name]))
            for name, _ in cases]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sign-bench-") as tmp_name:
        tmp = Path(tmp_name)
        token = create_token(tmp / "hsm") if softhsm_available() else None
        rows = run(tmp, token, args.runs)

    width = max(len(r[0]) for r in rows)
    print(f"\n{args.runs} runs per case, interleaved; CPU = this process's CPU time")
    print(f"{'case':<{width}}  median ms    min ms  CPU median")
    print("-" * (width + 34))
    for name, med, mn, cpu in rows:
        print(f"{name:<{width}}  {med:9.1f} {mn:9.1f} {cpu:11.1f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            [{"case": n, "median_ms": m, "min_ms": x, "cpu_median_ms": c} for n, m, x, c in rows],
            ensure_ascii=False, indent=1))


def run(tmp: Path, token, runs: int) -> list[tuple[str, float, float, float]]:
    from datetime import datetime

    from asn1crypto import keys as asn1_keys
    from common import prepared_pdf
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import DummyTimeStamper

    from khuyenhoc_docs.signing import (
        DemoTimeStamper,
        KeyType,
        Pkcs11KeySource,
        Pkcs11Options,
        Pkcs12KeySource,
        SignOptions,
        create_demo_ca,
        issue_signing_cert,
        issue_tsa_cert,
        locate_signature_boxes,
        prepare_fields,
        sign_document,
        to_pkcs12,
        validate_pdf,
    )
    from khuyenhoc_docs.signing.appearance import build_stamp_style
    from tests.signing.conftest import BLOCKS, HOA

    print("building the PDF with LibreOffice ...", flush=True)
    base, _ = prepared_pdf(tmp)
    cases: list[Case] = [("locate fields (pdfminer words, 2 blocks)", lambda: locate_signature_boxes(base, BLOCKS))]
    boxes = locate_signature_boxes(base, BLOCKS)
    cases.append(("prepare fields (2 empty fields)", lambda: prepare_fields(base, boxes)))
    pdf = prepare_fields(base, boxes)

    ca = create_demo_ca("Bench CA", 5)
    tsa = issue_tsa_cert(ca)
    tsa_key = asn1_keys.PrivateKeyInfo.load(
        tsa.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption()))
    bare_ts = DummyTimeStamper(tsa_cert=tsa.asn1_cert, tsa_key=tsa_key, certs_to_embed=[ca.asn1_cert])
    our_ts = DemoTimeStamper(tsa, [ca.cert])
    meta = signers.PdfSignatureMetadata(
        field_name="sig_hkh", md_algorithm="sha256", certify=True,
        docmdp_permissions=fields.MDPPerm.FILL_FORMS, subfilter=fields.SigSeedSubFilter.PADES,
    )
    style = build_stamp_style(HOA, datetime.now(UTC), (200.0, 88.0))

    def bare_sign(signer, ts) -> bytes:
        w = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.PdfSigner(meta, signer, timestamper=ts, stamp_style=style).sign_pdf(
            w, existing_fields_only=True).getvalue()

    def ours(key, ts) -> Callable[[], bytes]:
        opts = SignOptions(require_timestamp=ts is not None)
        return lambda: sign_document(pdf, field_name="sig_hkh", signer=key, cert_chain=[ca.cert],
                                     timestamper=ts, certify=True, stamp=HOA, reason=None, options=opts)

    p11_sources: list[tuple[str, Pkcs11KeySource]] = []
    p11_bare: list[Case] = []
    with ExitStack() as stack:
        for kt in (KeyType.EC_P256, KeyType.RSA_2048):
            tag = "EC P-256" if kt is KeyType.EC_P256 else "RSA-2048"
            ck = issue_signing_cert(ca, full_name=HOA.full_name, organisation=HOA.organisation,
                                    position=HOA.position, email="hoa@example.vn", key_type=kt)
            p12_path = tmp / f"hoa-{kt.value}.p12"
            p12_path.write_bytes(to_pkcs12(ck, [ca.cert], "pw"))
            key12 = stack.enter_context(Pkcs12KeySource(p12_path.read_bytes(), "pw").open())

            def load_each_time(path=p12_path):
                return signers.SimpleSigner.load_pkcs12(str(path), passphrase=b"pw",
                                                        other_certs=[ca.asn1_cert])

            for level, bts, ots in (("B-B", None, None), ("B-T", bare_ts, our_ts)):
                cases.append((f"PKCS#12 {tag} {level} bare pyHanko (load each time)",
                              lambda bts=bts, load=load_each_time: bare_sign(load(), bts)))
                cases.append((f"PKCS#12 {tag} {level} ours (parsed key kept)", ours(key12, ots)))

            if token is None:
                continue
            label = f"hoa-{kt.value}"
            token.import_key(label, ck.key_pem(), ck.cert.public_bytes(Encoding.DER),
                             key_id="01" if kt is KeyType.EC_P256 else "02")
            source11 = Pkcs11KeySource(Pkcs11Options(token.module_path, token.label, label, token.pin),
                                       chain=[ca.cert])
            p11_sources.append((tag, source11))

            def bare_p11(ts, source=source11):
                # session + C_Login + object lookup for every signature
                with source.open() as key:
                    return bare_sign(key.signer, ts)

            for level, bts in (("B-B", None), ("B-T", bare_ts)):
                p11_bare.append((f"PKCS#11 {tag} {level} login+session per signature",
                                 lambda bts=bts, f=bare_p11: f(bts)))

        # Login state is per process: measure the log-in-every-time cases
        # while no other session holds the login, then keep sessions open.
        rows = measure(p11_bare, runs) if p11_bare else []
        for tag, source11 in p11_sources:
            key11 = stack.enter_context(source11.open())
            for level, ots in (("B-B", None), ("B-T", our_ts)):
                cases.append((f"PKCS#11 {tag} {level} ours (one session)", ours(key11, ots)))
        signed = ours(key12, our_ts)()
        cases.append(("validate (1 RSA signature, B-T)",
                      lambda: validate_pdf(signed, trust_roots=[ca.cert])))
        return measure(cases, runs) + rows


if __name__ == "__main__":
    main()
