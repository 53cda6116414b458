"""Merger: the old register and chairs stop, the successor keeps, finds, verifies and exports the records."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from khuyenhoc_docs.audit import Actor
from khuyenhoc_docs.errors import Conflict, ValidationFailed
from khuyenhoc_docs.models import AuditEvent, Organisation, User
from khuyenhoc_docs.succession import NewSuccession, record_succession
from tests.conftest import DEMO_PASSWORD, api_token, csrf_token, login
from tests.orgs.conftest import VL_HKH, VL_TD, load_province
from tests.test_followup import signed_programme


def _ids(app, *codes_or_names: str) -> list[int]:
    with app.extensions["khd.sessions"]() as s:
        return [s.scalar(select(Organisation.id).where((Organisation.code == c) | (Organisation.name == c)))
                for c in codes_or_names]


def _submitted_copy(client, h, source_id: int) -> tuple[int, str]:
    fields = client.get(f"/api/v1/documents/{source_id}", headers=h).get_json()["fields"]
    doc = client.post("/api/v1/documents", headers=h, json={"kind": "programme_province", "fields": fields})
    assert doc.status_code == 201, doc.get_json()
    doc_id = doc.get_json()["id"]
    sub = client.post(f"/api/v1/documents/{doc_id}/submit", headers=h)
    assert sub.status_code == 200, sub.get_json()
    return doc_id, sub.get_json()["doc_number"]


@pytest.mark.slow
def test_merger_stops_the_old_register_and_chairs_and_hands_records_to_the_successor(app, client, tmp_path):
    province = load_province(app, tmp_path)
    ref_id, h, number = signed_programme(client)
    awaiting_id, _ = _submitted_copy(client, h, ref_id)
    archivist = province.token(client, "luutru.vl")
    assert client.get(f"/api/v1/documents/{ref_id}", headers=archivist).status_code in (403, 404)
    assert client.get("/api/v1/search", headers=archivist, query_string={"q": "khuyến học"}).get_json()["total"] == 0

    old_hkh, old_td, new_hkh, new_td = _ids(app, "Hội Khuyến học tỉnh Bến Tre", "Tỉnh đoàn Bến Tre", VL_HKH, VL_TD)
    today = date.today()
    login(client, "admin")
    token = csrf_token(client, "/admin/successions/")
    bad = client.post("/admin/successions/", data={"csrf_token": token, "kind": "merger", "predecessor_ids": [old_hkh],
                                                   "successor_id": old_hkh, "effective_on": "", "legal_basis": ""})
    assert bad.status_code == 422 and "Nhập căn cứ pháp lý" in bad.get_data(as_text=True)
    basis = "Nghị quyết 1687/NQ-UBTVQH15; Quyết định hợp nhất Hội Khuyến học tỉnh"
    ok = client.post("/admin/successions/", data={
        "csrf_token": token, "kind": "merger", "predecessor_ids": [old_hkh], "successor_id": new_hkh,
        "effective_on": today.isoformat(), "legal_basis": basis})
    assert ok.status_code == 302
    assert "Hội Khuyến học tỉnh Vĩnh Long" in client.get("/admin/successions/").get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        admin = s.scalar(select(User).where(User.username == "admin"))
        record_succession(s, Actor(admin, "test"), NewSuccession("merger", (old_td,), new_td, today, basis))
        s.commit()
        with pytest.raises(ValidationFailed):  # already merged
            record_succession(s, Actor(admin, "test"), NewSuccession("merger", (old_td,), new_td, today, basis))
        s.rollback()
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "org_succession").order_by(AuditEvent.id))
        assert event.details["legal_basis"] == basis and event.details["predecessors"][0]["name"] == \
            "Hội Khuyến học tỉnh Bến Tre" and event.actor_name == "admin"

    # The old chairs' credentials no longer sign; the old register gives no new number.
    refused = client.post(f"/api/v1/documents/{awaiting_id}/sign", headers=api_token(client, "chutich.hkh"),
                          json={"secret": DEMO_PASSWORD})
    assert refused.status_code == 409 and "không còn được dùng để ký" in refused.get_json()["error"]["message"]
    fields = client.get(f"/api/v1/documents/{ref_id}", headers=h).get_json()["fields"]
    draft = client.post("/api/v1/documents", headers=h, json={"kind": "programme_province", "fields": fields})
    assert draft.status_code == 201
    no_number = client.post(f"/api/v1/documents/{draft.get_json()['id']}/submit", headers=h)
    assert no_number.status_code == 409 and "không cấp số mới" in no_number.get_json()["error"]["message"]
    # Existing numbers stay in the old register.
    register = client.get(f"/api/v1/register?year={today.year}", headers=h).get_json()
    assert number in json.dumps(register, ensure_ascii=False)

    # The successor's archivist finds the record by text and by number, verifies and exports it.
    by_text = client.get("/api/v1/search", headers=archivist, query_string={"q": "khuyến tài"}).get_json()
    assert ref_id in [i["document_id"] for i in by_text["items"]]
    by_number = client.get("/api/v1/search", headers=archivist, query_string={"doc_number": number}).get_json()
    assert [i["document_id"] for i in by_number["items"]] == [ref_id]
    doc = client.get(f"/api/v1/documents/{ref_id}", headers=archivist).get_json()
    assert doc["lead_org"] == "Hội Khuyến học tỉnh Bến Tre"  # the original name, not the successor's
    report = client.get(f"/api/v1/documents/{ref_id}/verification", headers=archivist).get_json()
    assert report["ok"] is True
    zipped = client.get(f"/api/v1/documents/{ref_id}/evidence.zip", headers=archivist)
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.data)) as zf:
        meta = json.loads(zf.read("metadata.json"))
        html = zf.read("validation-report.html").decode()
    assert "Hội Khuyến học tỉnh Bến Tre" in meta["organisations"]
    assert {"organisation": "Hội Khuyến học tỉnh Bến Tre", "dissolved_on": today.isoformat(),
            "successor": "Hội Khuyến học tỉnh Vĩnh Long"} in meta["succession"]
    assert "Tổ chức ban hành: Hội Khuyến học tỉnh Bến Tre" in html and "Hội Khuyến học tỉnh Vĩnh Long kế thừa" in html
    login(client, "admin")


def test_a_future_merger_changes_nothing_until_its_date(app):
    with app.extensions["khd.sessions"]() as s:
        old = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Ba Tri"))
        new = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Châu Thành"))
        tomorrow = date.today() + timedelta(days=2)
        record_succession(s, Actor(None, "t"), NewSuccession("merger", (old.id,), new.id, tomorrow, "QĐ số 1"))
        from khuyenhoc_docs.succession import ensure_can_number, ensure_can_sign

        ensure_can_number(old)
        ensure_can_sign(old)
        with pytest.raises(Conflict):
            ensure_can_number(old, tomorrow)
        with pytest.raises(Conflict):
            ensure_can_sign(old, tomorrow + timedelta(days=400))
        s.rollback()


def test_successor_cannot_be_inside_what_it_absorbs(app):
    with app.extensions["khd.sessions"]() as s:
        hkh = s.scalar(select(Organisation).where(Organisation.name == "Hội Khuyến học tỉnh Bến Tre"))
        child = s.scalar(select(Organisation).where(Organisation.name == "Hội Khuyến học huyện Ba Tri"))
        with pytest.raises(ValidationFailed) as exc:
            record_succession(s, Actor(None, "t"), NewSuccession("merger", (hkh.id,), child.id, date.today(), "x"))
        assert "successor_id" in exc.value.fields


def test_merged_organisations_seal_stops(app):
    from khuyenhoc_docs.credentials import active_credential, issue_demo_credential, key_source

    svc = app.extensions["khd.services"]
    with app.extensions["khd.sessions"]() as s:
        old = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Ba Tri"))
        later = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Chợ Lách"))
        new = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Châu Thành"))
        cred_now = issue_demo_credential(s, svc.demo_pki.ca, old, DEMO_PASSWORD)
        cred_later = issue_demo_credential(s, svc.demo_pki.ca, later, DEMO_PASSWORD)
        s.flush()
        with key_source(cred_later, DEMO_PASSWORD, svc.trust_roots).open():
            pass  # usable before any merger
        row = record_succession(s, Actor(None, "t"), NewSuccession("merger", (old.id,), new.id, date.today(), "QĐ 1"))
        record_succession(s, Actor(None, "t"), NewSuccession("merger", (later.id,), new.id,
                                                             date.today() + timedelta(days=30), "QĐ 2"))
        s.flush()
        assert active_credential(s, old) is None and not cred_now.active  # stopped at once
        assert active_credential(s, later) is cred_later  # still usable until its date
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "org_succession",
                                                  AuditEvent.details["succession"].as_integer() == row.id))
        assert event.details["organisation_credentials_stopped"] == 1
        later.dissolved_on = date.today()  # the date arrives
        with pytest.raises(Conflict):
            key_source(cred_later, DEMO_PASSWORD, svc.trust_roots)
        s.rollback()
