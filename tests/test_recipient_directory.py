"""Issue 14 item 15: each organisation owns its recipient directory (admins keep a shared read-only list);
documents link recipients by id or within their lead organisation's directory, never by first-come name."""
from __future__ import annotations

from sqlalchemy import select

from khuyenhoc_docs.models import DocumentRecipient, Organisation, Recipient
from tests.conftest import api_token, csrf_token, login
from tests.factories import make_user

SO_GD = "Sở Giáo dục và Đào tạo tỉnh Bến Tre"


def _add(client, name: str, email: str):
    return client.post("/recipients", data={"csrf_token": csrf_token(client, "/recipients"), "name": name,
                                            "email": email})


def _linked(app, doc_id: int) -> list[tuple[str, str, int | None]]:
    with app.extensions["khd.sessions"]() as s:
        rows = s.scalars(select(Recipient).join(DocumentRecipient, DocumentRecipient.recipient_id == Recipient.id)
                         .where(DocumentRecipient.document_id == doc_id).order_by(DocumentRecipient.position))
        return [(r.name, r.email, r.owner_org_id) for r in rows]


def _org(app, name: str) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(Organisation.id).where(Organisation.name == name))


def test_another_organisations_entry_never_receives_a_document(app, client):
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    attacker = app.test_client()
    login(attacker, "vanthu.ct")
    # Names are no longer first-come: the district may hold its own entries with any name.
    assert _add(attacker, SO_GD, "attacker@evil.example").status_code == 302
    assert _add(attacker, "Ban dân vận Tỉnh ủy", "attacker@evil.example").status_code == 302
    assert _add(attacker, SO_GD, "again@evil.example").status_code == 422  # unique within one directory
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    fields["recipients"] = [*fields["recipients"], SO_GD]
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields}).status_code == 200
    linked = _linked(app, doc_id)
    assert all("evil" not in email for _, email, _ in linked), linked
    assert ("Ban dân vận Tỉnh ủy", "bandanvan@tinhuy.bentre.local", _org(app, "Hội Khuyến học tỉnh Bến Tre")) in linked
    assert SO_GD not in [n for n, _, _ in linked]  # printed, but not in the province's directory


def test_clerks_see_their_own_directory_and_the_shared_list(app, client):
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    admin = app.test_client()
    login(admin, "admin")
    assert _add(admin, "Văn phòng UBND tỉnh Bến Tre", "vpubnd@bentre.local").status_code == 302
    with app.extensions["khd.sessions"]() as s:
        shared = s.scalar(select(Recipient).where(Recipient.name == "Văn phòng UBND tỉnh Bến Tre"))
        assert shared.owner_org_id is None
    login(client, "vanthu.ct")
    page = client.get("/recipients").get_data(as_text=True)
    assert "Văn phòng UBND tỉnh Bến Tre" in page and "Dùng chung" in page
    assert "Ban TNTH TW" not in page  # the province's entries are not the district's
    assert "Nơi nhận chương trình phối hợp cấp tỉnh" not in page
    province = app.test_client()
    login(province, "vanthu")
    assert "Ban TNTH TW" in province.get("/recipients").get_data(as_text=True)


def test_api_links_chosen_recipients_by_id_within_the_directory(app, client):
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    district = app.test_client()
    login(district, "vanthu.ct")
    _add(district, "Phòng Giáo dục huyện Châu Thành", "pgd@chauthanh.local")
    with app.extensions["khd.sessions"]() as s:
        theirs = s.scalar(select(Recipient.id).where(Recipient.name == "Phòng Giáo dục huyện Châu Thành"))
        mine = s.scalar(select(Recipient.id).where(Recipient.name == "Ban TNTH TW"))
    h = api_token(client, "vanthu")
    doc_id = client.get("/api/v1/documents", headers=h).get_json()["items"][0]["id"]
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    foreign = client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields, "recipient_ids": [theirs]})
    assert foreign.status_code == 422 and "recipient_ids" in foreign.get_json()["error"]["fields"]
    ok = client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields, "recipient_ids": [mine]})
    assert ok.status_code == 200 and ok.get_json()["fields"]["recipients"] == ["Ban TNTH TW"]
    assert [n for n, _, _ in _linked(app, doc_id)] == ["Ban TNTH TW"]


def test_a_recipient_with_a_code_goes_by_edxml_and_a_bad_code_is_refused(app, client):
    login(client, "vanthu")
    token = csrf_token(client, "/recipients")
    bad = client.post("/recipients", data={"csrf_token": token, "name": "Sở Nội vụ tỉnh Bến Tre",
                                            "code": "000.00.31/H05"})
    assert bad.status_code == 422
    assert "Mã định danh phải có dạng 000.00.00.G22" in bad.get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(Recipient.id).where(Recipient.name == "Sở Nội vụ tỉnh Bến Tre")) is None
    ok = client.post("/recipients", data={"csrf_token": token, "name": "Sở Nội vụ tỉnh Bến Tre",
                                           "code": "000.00.20.H05"})
    assert ok.status_code == 302
    assert "000.00.20.H05" in client.get("/recipients").get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        row = s.scalar(select(Recipient).where(Recipient.name == "Sở Nội vụ tỉnh Bến Tre"))
        assert (row.code, row.owner_org_id) == ("000.00.20.H05", _org(app, "Hội Khuyến học tỉnh Bến Tre"))
