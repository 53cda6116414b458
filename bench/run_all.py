"""One benchmark table: issuance end to end vs the bare floor, rendering, cascade, search, list, memory.

Rerunnable: `bench/run` (or `.venv/bin/python bench/run_all.py --quick`). Medians and ratios come from
the same run, because these machines are shared and noisy. Sub-benchmarks (signing, conversion,
search) run as their own scripts and report through --json.
"""
from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from khuyenhoc_docs import create_app, migrate  # noqa: E402
from khuyenhoc_docs.conversion import SupervisorOptions, UnoserverSupervisor  # noqa: E402
from khuyenhoc_docs.drafting.reference import reference_fields  # noqa: E402

PASSWORD = "khuyenhoc-demo"
ROWS: list[tuple[str, str, str]] = []


def row(name: str, value: str, note: str = "") -> None:
    ROWS.append((name, value, note))
    print(f"  {name}: {value} {note}", file=sys.stderr, flush=True)


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children_of(pid: int) -> list[int]:
    out = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                out.append(int(proc.name))
    return out


def soffice_pids(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"soffice.bin" in cmd and marker.encode() in cmd:
                pids.append(int(proc.name))
    return pids


_PKI: list = []  # the demo PKI server (CRL, OCSP, TSA) every bench app signs against


def make_app(data_dir: Path, endpoints):
    if not _PKI:
        from tests.services.pki import PkiServer

        _PKI.append(PkiServer(Path(tempfile.mkdtemp(prefix="khd-bench-pki-")) / "pki").start())
    return create_app({"data_dir": data_dir, "converter_endpoints": endpoints, "secret_key": "bench",
                       "jobs_immediate": True, "login_limit": "100000 per minute",
                       "pki_url": _PKI[0].url, "demo_pki_dir": str(_PKI[0].pki_dir)})


def token(client, username: str) -> dict:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


def bench_issuance(app, n: int) -> tuple[list[float], bytes]:
    """create → submit → sign → sign → stored, through the JSON API (in-process WSGI)."""
    c = app.test_client()
    clerk, hkh, td = token(c, "vanthu"), token(c, "chutich.hkh"), token(c, "phobithu.td")
    fields = reference_fields().to_dict()
    times, last_pdf = [], b""
    for _ in range(n):
        t = time.perf_counter()
        doc = c.post("/api/v1/documents", headers=clerk, json={"kind": "programme_province", "fields": fields})
        doc_id = doc.get_json()["id"]
        assert c.post(f"/api/v1/documents/{doc_id}/submit", headers=clerk).status_code == 200
        assert c.post(f"/api/v1/documents/{doc_id}/sign", headers=hkh, json={"secret": PASSWORD}).status_code == 200
        r = c.post(f"/api/v1/documents/{doc_id}/sign", headers=td, json={"secret": PASSWORD})
        assert r.get_json()["status"] == "signed", r.get_json()
        times.append(time.perf_counter() - t)
    last_pdf = c.get(f"/api/v1/documents/{doc_id}/file?version=1&format=docx", headers=clerk).data
    return times, last_pdf


def bench_floor(app, docx: bytes, n: int) -> list[float]:
    """Warm conversion plus two bare pyHanko B-T signatures of the same PDF (no app, no database)."""
    from asn1crypto import keys as asn1_keys
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    from khuyenhoc_docs.signing.pki import issue_signing_cert, to_pkcs12

    svc = app.extensions["khd.services"]
    ca, tsa = svc.demo_pki.ca, svc.demo_pki.tsa
    p12s = [to_pkcs12(issue_signing_cert(ca, full_name=n_, organisation="Bench", position="CHỦ TỊCH",
                                         email="b@example.org"), [ca.cert], PASSWORD) for n_ in ("A", "B")]
    stamper = DummyTimeStamper(tsa_cert=tsa.asn1_cert, tsa_key=asn1_keys.PrivateKeyInfo.load(
        tsa.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())))
    times = []
    for _ in range(n):
        t = time.perf_counter()
        pdf = svc.converter.convert(docx)
        for i, p12 in enumerate(p12s):
            signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=PASSWORD.encode())
            w = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            meta = signers.PdfSignatureMetadata(field_name=f"Sig{i}", certify=i == 0,
                                                subfilter=fields.SigSeedSubFilter.PADES)
            out = io.BytesIO()
            signers.PdfSigner(meta, signer=signer, timestamper=stamper,
                              new_field_spec=fields.SigFieldSpec(f"Sig{i}", box=(50, 50 + 80 * i, 250, 120 + 80 * i))
                              ).sign_pdf(w, output=out)
            pdf = out.getvalue()
        times.append(time.perf_counter() - t)
    return times


def bench_render(app, n: int) -> tuple[list[float], list[float]]:
    from khuyenhoc_docs.drafting.render import render_docx

    svc = app.extensions["khd.services"]
    template = (ROOT / "templates" / "programme_province.docx").read_bytes()
    fields = reference_fields()
    render_t, convert_t = [], []
    for _ in range(n):
        t = time.perf_counter()
        docx = render_docx(template, fields, doc_number=None, issue_date=None)
        render_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        svc.converter.convert(docx)
        convert_t.append(time.perf_counter() - t)
    return render_t, convert_t


def bench_cascade(app, units: int) -> float:
    """Documents per second for a cascade of ``units`` synthetic district units (inline job)."""
    from sqlalchemy import select

    from khuyenhoc_docs.access import Principal
    from khuyenhoc_docs.audit import Actor
    from khuyenhoc_docs.models import Document, Organisation, OrgLevel, User
    from khuyenhoc_docs.workflow.cascade import run_cascade, start_cascade

    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        clerk = s.scalar(select(User).where(User.username == "vanthu"))
        doc = s.scalar(select(Document).where(Document.status == "signed", Document.kind == "programme_province")
                       .order_by(Document.id.desc()))
        level = s.scalar(select(OrgLevel).where(OrgLevel.code == "district"))
        hkh, td = doc.lead_org, doc.partner_org
        existing = len(hkh.children)
        for i in range(existing, units):
            area = f"Đơn vị thử {i:03d}"
            s.add(Organisation(parent_id=hkh.id, level_id=level.id, family="khuyen_hoc", name=f"Hội Khuyến học {area}",
                               header_name=f"HỘI KHUYẾN HỌC {area.upper()}", abbreviation="HKH", area=area, place="Bến Tre"))
            s.add(Organisation(parent_id=td.id, level_id=level.id, family="doan", name=f"Huyện đoàn {area}",
                               header_name=f"BCH ĐOÀN {area.upper()}", abbreviation="HĐ", area=area, place="Bến Tre"))
        s.commit()
        p = Principal.of(s, clerk)
        unit_ids = sorted(u.id for u in s.get(Organisation, hkh.id).children)[:units]
        job = start_cascade(s, p, Actor(clerk, "bench"), doc.id, unit_ids)
        t = time.perf_counter()
        job = run_cascade(s, svc, job.id)
        elapsed = time.perf_counter() - t
        assert job.status == "done", job.error
        return len(job.result["created"]) / elapsed


def bench_list(data_dir: Path, endpoints, seconds: float, threads: int) -> tuple[float, float, float, float]:
    """GET /api/v1/documents under gunicorn (2 workers × 4 threads): req/s, p99 ms, app RSS, median ms."""
    port = free_port()
    env = {**os.environ, "KHD_DATA_DIR": str(data_dir), "KHD_SECRET_KEY": "bench",
           "KHD_CONVERTER_ENDPOINTS": ",".join(f"{h}:{p}" for h, p in endpoints),
           "KHD_LOGIN_LIMIT": "100000 per minute"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--threads", "4",
                             "--bind", f"127.0.0.1:{port}", "app:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("POST", "/api/v1/auth/token", body=json.dumps({"username": "vanthu", "password": PASSWORD}),
                             headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                body = json.loads(resp.read())
                break
            except (ConnectionRefusedError, OSError):
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {body['token']}"}
        latencies: list[float] = []
        lock = threading.Lock()
        stop = time.monotonic() + seconds

        def worker() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            local = []
            while time.monotonic() < stop:
                t = time.perf_counter()
                conn.request("GET", "/api/v1/documents?per_page=20", headers=auth)
                r = conn.getresponse()
                r.read()
                assert r.status == 200
                local.append(time.perf_counter() - t)
            with lock:
                latencies.extend(local)

        ts = [threading.Thread(target=worker) for _ in range(threads)]
        start = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        wall = time.perf_counter() - start
        app_rss = rss_mb(proc.pid) + sum(rss_mb(c) for c in children_of(proc.pid))
        lat = sorted(latencies)
        return len(lat) / wall, lat[int(0.99 * (len(lat) - 1))] * 1000, app_rss, med(lat) * 1000
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def sub_bench(script: str, args: list[str]) -> dict:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    subprocess.run([sys.executable, str(ROOT / "bench" / script), *args, "--json", str(out)], check=True,
                   stdout=subprocess.DEVNULL)
    data = json.loads(out.read_text())
    out.unlink()
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (about 4 minutes)")
    parser.add_argument("--skip-sub", action="store_true", help="skip the signing/conversion/search scripts")
    args = parser.parse_args()
    n = 5 if args.quick else 12
    work = Path(tempfile.mkdtemp(prefix="khd-bench-"))
    sup = UnoserverSupervisor(SupervisorOptions(instances=2, base_port=free_port_block(), workdir=work / "uno"))
    sup.start()
    try:
        one = sup.endpoints[:1]
        data_dir = work / "data"
        app = make_app(data_dir, one)
        migrate.upgrade(app.config["KHD_SETTINGS"].sqlalchemy_url)
        app.test_cli_runner().invoke(args=["demo", "seed"])
        print("issuance…", file=sys.stderr)
        e2e, docx = bench_issuance(app, n)
        floor = bench_floor(app, docx, n)
        row("issuance end to end via API (create→submit→sign→sign→stored), median", f"{med(e2e) * 1000:.0f} ms",
            f"p95 {p95(e2e) * 1000:.0f} ms")
        row("bare floor: warm conversion + 2 bare pyHanko B-T signatures, median", f"{med(floor) * 1000:.0f} ms",
            f"ratio issuance/floor {med(e2e) / med(floor):.2f}")
        render_t, convert_t = bench_render(app, n * 2)
        row("bulk rendering (docxtpl, reference programme), median", f"{med(render_t) * 1000:.0f} ms",
            f"{1 / med(render_t):.1f} docs/s")
        row("warm conversion (1 unoserver instance), median", f"{med(convert_t) * 1000:.0f} ms",
            f"{1 / med(convert_t):.1f} docs/s")
        units = 40 if args.quick else 150
        rate1 = bench_cascade(app, units)
        app.extensions["khd.engine"].dispose()
        row(f"cascade {units} units, 1 converter instance", f"{rate1:.2f} docs/s")
        data_dir2 = work / "data2"
        app2 = make_app(data_dir2, sup.endpoints)
        migrate.upgrade(app2.config["KHD_SETTINGS"].sqlalchemy_url)
        app2.test_cli_runner().invoke(args=["demo", "seed"])
        bench_issuance(app2, 1)
        rate2 = bench_cascade(app2, units)
        app2.extensions["khd.engine"].dispose()
        row(f"cascade {units} units, 2 converter instances", f"{rate2:.2f} docs/s", f"ratio 2/1 {rate2 / rate1:.2f}")
        rps, p99, app_rss, median_ms = bench_list(data_dir, one, 5 if args.quick else 15, 8)
        row("document list under gunicorn (2 workers × 4 threads, 8 clients)", f"{rps:.0f} req/s",
            f"median {median_ms:.1f} ms, p99 {p99:.1f} ms")
        row("RSS of the app (gunicorn master + 2 workers)", f"{app_rss:.0f} MB")
        row("RSS of LibreOffice (per warm instance)", f"{statistics.mean(rss_mb(p) for p in soffice_pids(str(work))):.0f} MB",
            f"{len(soffice_pids(str(work)))} instances")
    finally:
        sup.stop()
        for server in _PKI:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    if not args.skip_sub:
        for case in sub_bench("lta_bench.py", ["--runs", "5" if args.quick else "10"]):
            note = f"×{case['ratio_to_bt']:.2f} of B-T" if case["ratio_to_bt"] else f"min {case['min_ms']:.0f} ms"
            row(f"signing level {case['case']} (live demo PKI: HTTP TSA, OCSP)", f"{case['median_ms']:.0f} ms", note)
        print("signing / search sub-benchmarks…", file=sys.stderr)
        for case in sub_bench("sign_bench.py", ["--runs", "5" if args.quick else "15"]):
            if "B-T" in case["case"] or "validate" in case["case"] or "locate" in case["case"]:
                row(f"signing: {case['case']}", f"{case['median_ms']:.0f} ms", f"min {case['min_ms']:.0f} ms")
        n_batch = 40 if args.quick else 150
        b = sub_bench("batch_sign_bench.py", ["--n", str(n_batch)])
        row(f"batch signing {n_batch} documents, PKCS#12, one passphrase (goal 150 ≤ 20 s)",
            f"{b['first_s']:.1f} s / {b['second_s']:.1f} s",
            f"first chair / second chair (with final validation); {b['first_s'] / n_batch * 1000:.0f} ms/doc")
        r = sub_bench("remote_sign_bench.py", ["--n", "10" if args.quick else "30"])
        row("remote signing (CSC test server) per signature: batch / single vs PKCS#12",
            f"{r['csc_batch']:.0f} / {r['csc_single']:.0f} ms vs {r['pkcs12_batch']:.0f} ms",
            f"overhead {r['csc_batch'] - r['pkcs12_batch']:+.0f} ms batched, "
            f"{r['csc_single'] - r['pkcs12_batch']:+.0f} ms single")
        communes = sub_bench("cascade_communes.py", ["--instances", "2"])
        row(f"cascade to {communes['units']} commune-level units (Vĩnh Long CSV), 2 converter instances",
            f"{communes['seconds']:.1f} s",
            f"{communes['docs_per_s']:.2f} docs/s; goal ≤ {communes['goal_seconds']:.0f} s")
        search = sub_bench("search_bench.py", ["--n", "5000" if args.quick else "100000"])
        for result in search["results"]:
            fts = [t for q in result["queries"] for t in q["fts_ms"]]
            like = [t for q in result["queries"] for t in q["like_ms"]]
            row(f"search ({search['n']} records, {len(result['queries'])} queries): {result['engine']} full text",
                f"{med(fts):.1f} ms", f"p95 {p95(fts):.1f} ms; naive LIKE scan median {med(like):.0f} ms, "
                f"p95 {p95(like):.0f} ms (ratio {med(like) / med(fts):.0f}×); "
                f"indexing {search['n'] / result['index_seconds']:.0f} records/s")
    width = max(len(r[0]) for r in ROWS)
    print(f"\n{'measure':<{width}} | {'value':>12} | note")
    print(f"{'-' * width}-|-{'-' * 12}-|-----")
    for name, value, note in ROWS:
        print(f"{name:<{width}} | {value:>12} | {note}")
    print(f"\nmachine: {os.cpu_count()} cores, {socket.gethostname()}, load {os.getloadavg()[0]:.1f}")


def free_port_block(count: int = 4) -> int:
    sys.path.insert(0, str(ROOT))
    from tests.services.converter import free_port_block as block

    return block(count)


if __name__ == "__main__":
    main()
