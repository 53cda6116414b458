"""Application benchmarks used by ``run_all.py``: issuance vs its bare floor, rendering, cascade
(the document list under gunicorn and its workers' memory: ``list_bench.py``).

Each function takes an app (or a data dir) built by ``common.bench_app`` and returns raw samples;
``run_all.py`` turns them into the table and the JSON object.
"""
from __future__ import annotations

import io
import time
from typing import Any

from common import PASSWORD, ROOT, token

ISSUERS = ("chutich.hkh", "phobithu.td")  # the two chairs, in signing order
SEALERS = ("vanthu", "vanthu.td")  # each organisation's clerk, lead first (issue 12's sealing step)
SEAL_RULE = "/api/v1/documents/<int:doc_id>/seal"


def sealing(app: Any) -> bool:
    """Whether issuance includes the organisations' seals (the sealing flow is installed)."""
    return any(rule.rule == SEAL_RULE for rule in app.url_map.iter_rules())


def issue_one(c: Any, clerk: dict, chairs: list[dict], sealers: list[dict], fields: dict) -> int:
    """create → submit → each chair signs → each organisation seals → stored and final (JSON API)."""
    doc = c.post("/api/v1/documents", headers=clerk, json={"kind": "programme_province", "fields": fields})
    doc_id = doc.get_json()["id"]
    r = c.post(f"/api/v1/documents/{doc_id}/submit", headers=clerk)
    assert r.status_code == 200, r.get_json()
    for chair in chairs:
        r = c.post(f"/api/v1/documents/{doc_id}/sign", headers=chair, json={"secret": PASSWORD})
        assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "signed", r.get_json()
    for sealer in sealers:
        r = c.post(f"/api/v1/documents/{doc_id}/seal", headers=sealer, json={"secret": PASSWORD})
        assert r.status_code == 200, r.get_json()
    if sealers:
        assert r.get_json()["status"] == "sealed", r.get_json()
    return int(doc_id)


def bench_issuance(app: Any, n: int) -> tuple[list[float], bytes, int]:
    """Seconds per issuance (in-process WSGI), the last draft's DOCX, the number of signatures
    (chairs and seals) the floor must make too."""
    from khuyenhoc_docs.drafting.reference import reference_fields

    c = app.test_client()
    clerk = token(c, "vanthu")
    chairs = [token(c, u) for u in ISSUERS]
    sealers = [token(c, u) for u in SEALERS] if sealing(app) else []
    fields = reference_fields().to_dict()
    doc_id = issue_one(c, clerk, chairs, sealers, fields)  # warm-up: first conversion, TSA/OCSP connections
    times = []
    for _ in range(n):
        t = time.perf_counter()
        doc_id = issue_one(c, clerk, chairs, sealers, fields)
        times.append(time.perf_counter() - t)
    docx = c.get(f"/api/v1/documents/{doc_id}/file?version=1&format=docx", headers=clerk).data
    return times, docx, len(chairs) + len(sealers)


def bench_floor(app: Any, docx: bytes, n: int, signatures: int) -> list[float]:
    """The bare floor at the product's level: one warm conversion, then ``signatures`` plain pyHanko
    PAdES B-LT signatures (same HTTP TSA, OCSP/CRL fetched into the DSS, PKCS#12 loaded each time),
    the last one with the document timestamp (B-LTA). No app, no database, no validation."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko_certvalidator import ValidationContext

    from khuyenhoc_docs.signing.pki import issue_signing_cert, to_asn1_cert, to_pkcs12

    svc = app.extensions["khd.services"]
    pki = svc.demo_pki
    p12s = [to_pkcs12(issue_signing_cert(pki.ca, full_name=f"Bench {i}", organisation="Bench", position="CHỦ TỊCH",
                                         email="b@example.org", urls=pki.urls()), [pki.ca.cert], PASSWORD)
            for i in range(signatures)]
    stamper = HTTPTimeStamper(f"{pki.base_url}/tsa")
    roots = [to_asn1_cert(c) for c in pki.roots]

    def once() -> None:
        pdf = svc.converter.convert(docx)
        for i, p12 in enumerate(p12s):
            signer = signers.SimpleSigner.load_pkcs12_data(p12, other_certs=[], passphrase=PASSWORD.encode())
            vc = ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="soft-fail")
            meta = signers.PdfSignatureMetadata(
                field_name=f"Sig{i}", certify=i == 0, subfilter=fields.SigSeedSubFilter.PADES,
                embed_validation_info=True, validation_context=vc, use_pades_lta=i == len(p12s) - 1)
            out = io.BytesIO()
            box = (50, 50 + 80 * i, 250, 120 + 80 * i)
            signers.PdfSigner(meta, signer=signer, timestamper=stamper,
                              new_field_spec=fields.SigFieldSpec(f"Sig{i}", box=box)
                              ).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
            pdf = out.getvalue()

    # Bare pyHanko means pyHanko's own parser and asn1crypto's own name comparison: the app's
    # faster hex-string reader and remembered name preparation (installed process-wide by
    # khuyenhoc_docs.signing) are taken out while the floor runs.
    from pyhanko.pdf_utils import generic

    from khuyenhoc_docs.signing import hexstrings, nameprep

    generic.read_hex_string_from_stream = hexstrings._original
    nameprep.uninstall()
    try:
        once()  # warm-up, like the issuance
        times = []
        for _ in range(n):
            t = time.perf_counter()
            once()
            times.append(time.perf_counter() - t)
    finally:
        hexstrings.install()
        nameprep.install()
    return times


def bench_render(app: Any, n: int) -> tuple[list[float], list[float]]:
    """docxtpl rendering and warm conversion of the reference programme, seconds each."""
    from khuyenhoc_docs.drafting.reference import reference_fields
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


def bench_cascade(app: Any, units: int) -> float:
    """Seconds for a cascade of ``units`` synthetic district units (inline job) from a signed programme."""
    from sqlalchemy import func, select

    from khuyenhoc_docs.access import Principal
    from khuyenhoc_docs.audit import Actor
    from khuyenhoc_docs.models import Document, Organisation, OrgLevel, User
    from khuyenhoc_docs.workflow.cascade import run_cascade, start_cascade

    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        clerk = s.scalar(select(User).where(User.username == "vanthu"))
        doc = s.scalar(select(Document).where(Document.status.in_(("sealed", "signed")),
                                              Document.kind == "programme_province").order_by(Document.id.desc()))
        level = s.scalar(select(OrgLevel).where(OrgLevel.code == "district"))
        hkh, td = doc.lead_org, doc.partner_org
        have = s.scalar(select(func.count(Organisation.id)).where(Organisation.parent_id == hkh.id)) or 0
        for i in range(have, units):
            area = f"Đơn vị thử {i:03d}"
            s.add(Organisation(parent_id=hkh.id, level_id=level.id, family="khuyen_hoc", name=f"Hội Khuyến học {area}",
                               header_name=f"HỘI KHUYẾN HỌC {area.upper()}", abbreviation="HKH", area=area, place="Bến Tre"))
            s.add(Organisation(parent_id=td.id, level_id=level.id, family="doan", name=f"Huyện đoàn {area}",
                               header_name=f"BCH ĐOÀN {area.upper()}", abbreviation="HĐ", area=area, place="Bến Tre"))
        s.commit()
        p = Principal.of(s, clerk)
        # queried, not hkh.children: the sessions keep loaded objects across commits (no expiry)
        unit_ids = sorted(s.scalars(select(Organisation.id).where(Organisation.parent_id == hkh.id,
                                                                  Organisation.active.is_(True))))[:units]
        job = start_cascade(s, p, Actor(clerk, "bench"), doc.id, unit_ids)
        t = time.perf_counter()
        job = run_cascade(s, svc, job.id)
        elapsed = time.perf_counter() - t
        assert job.status == "done", job.error
        assert len(job.result["created"]) == units, job.result
        return elapsed
