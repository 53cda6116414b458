"""A province programme of the merged Vĩnh Long cascades straight to its 124 commune-level units."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from khuyenhoc_docs.models import CascadeChild, Document, ReportObligation
from khuyenhoc_docs.workflow.reports import ensure_obligations
from tests.orgs.conftest import VL_HKH, load_province, org_named, signed_province_programme
from tests.test_drafting_flow import pdftext


@pytest.mark.slow
def test_province_programme_cascades_to_124_communes_once_each(jobs_app, tmp_path):
    province = load_province(jobs_app, tmp_path)
    client = jobs_app.test_client()
    doc_id, number, h = signed_province_programme(province, client)
    job = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={})
    assert job.status_code == 202, job.get_json()
    status = client.get(f"/api/v1/jobs/{job.get_json()['id']}", headers=h).get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 124, status
    children = status["result"]["created"]
    assert len(set(children)) == 124
    with jobs_app.extensions["khd.sessions"]() as s:
        parent = s.get(Document, doc_id)
        hkh = org_named(s, VL_HKH)
        unit_ids = {o.id for o in hkh.children}
        docs = list(s.scalars(select(Document).where(Document.id.in_(children))))
        assert {d.lead_org_id for d in docs} == unit_ids  # each unit exactly once
        for d in docs:
            assert d.kind == "programme_grassroots" and d.parent_id == doc_id
            assert d.partner_org.family == "doan" and d.partner_org.name.startswith("Đoàn đơn vị cấp xã số")
            assert d.fields["parent"]["number"] == number
            assert d.fields["report_to"] == "Ban Thường vụ Tỉnh đoàn Vĩnh Long và Hội Khuyến học tỉnh Vĩnh Long"
            assert "huyện" not in d.fields["preamble"].lower()
        year = datetime.now().year
        obligations = ensure_obligations(s, parent, year)
        s.commit()
        assert {o.unit_org_id for o in obligations} == unit_ids
        assert s.scalar(select(func.count()).select_from(ReportObligation)
                        .where(ReportObligation.programme_id == doc_id, ReportObligation.year == year)) == 124
    sample = sorted(children)[6]
    text = pdftext(client.get(f"/api/v1/documents/{sample}/file", headers=h).data)
    assert f"Thực hiện chương trình phối hợp số {number}" in text
    assert "Hội Khuyến học tỉnh Vĩnh Long và Tỉnh đoàn Vĩnh Long" in text
    assert "Ban Chấp hành Đoàn đơn vị cấp xã số" in text and "Thường trực Đảng ủy đơn vị cấp xã số" in text
    rerun = client.post(f"/api/v1/documents/{doc_id}/cascade", headers=h, json={}).get_json()
    again = client.get(f"/api/v1/jobs/{rerun['id']}", headers=h).get_json()
    assert again["result"]["created"] == [] and len(again["result"]["skipped"]) == 124
    with jobs_app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(func.count()).select_from(CascadeChild)
                        .where(CascadeChild.parent_document_id == doc_id)) == 124
