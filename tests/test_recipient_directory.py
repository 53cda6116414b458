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


def _draft_form(client) -> dict:
    """The draft form as the browser sends it, from the reference values."""
    from khuyenhoc_docs.drafting.reference import reference_fields

    fields = reference_fields()
    data = {"csrf_token": csrf_token(client, "/documents/new"), "kind": "programme_province",
            "doc_type": fields.doc_type, "summary": fields.summary, "period": fields.period, "place": fields.place,
            "preamble": fields.preamble, "closing": fields.closing, "archive": fields.archive, "type_abbr": "CTPH",
            "org_abbrs": "HKH, TĐ", "purposes": list(fields.purposes), "requirements": list(fields.requirements),
            "contents": list(fields.contents), "recipients": ["Như Điều 3 (để thực hiện);"],
            "resp_heading": [r.heading for r in fields.responsibilities],
            "resp_items": ["\n".join(r.items) for r in fields.responsibilities]}
    for party, value in (("party_a", fields.party_a), ("party_b", fields.party_b)):
        for f in ("org_name", "org_name_upper_for_header", "authority_prefix", "position", "signer_name"):
            data[f"{party}.{f}"] = getattr(value, f)
    return data


def test_the_draft_form_picks_recipients_from_the_own_directory_by_id(app, client):
    make_user(app, "vanthu.ct", "Hội Khuyến học huyện Châu Thành", "clerk")
    attacker = app.test_client()
    login(attacker, "vanthu.ct")
    assert _add(attacker, SO_GD, "attacker@evil.example").status_code == 302
    login(client, "vanthu")
    assert _add(client, SO_GD, "sogd@bentre.local").status_code == 302
    with app.extensions["khd.sessions"]() as s:
        mine, theirs = (s.scalar(select(Recipient.id).where(Recipient.name == SO_GD, Recipient.owner_org_id == org))
                        for org in (_org(app, "Hội Khuyến học tỉnh Bến Tre"), _org(app, "Hội Khuyến học huyện Châu Thành")))
    page = client.get("/documents/new?kind=programme_province").get_data(as_text=True)
    assert f'name="recipient_ids" value="{mine}"' in page and f'value="{theirs}"' not in page
    foreign = client.post("/documents/new", data={**_draft_form(client), "recipient_ids": [str(theirs)]})
    assert foreign.status_code == 422  # another organisation's entry is not in this directory
    assert f'name="recipient_ids" value="{mine}"' in foreign.get_data(as_text=True)
    resp = client.post("/documents/new", data={**_draft_form(client), "recipient_ids": [str(mine)]})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    doc_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    h = api_token(client, "vanthu")
    printed = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]["recipients"]
    assert printed == [SO_GD, "Như Điều 3 (để thực hiện);"]  # the ticked entry, then the typed lines
    assert _linked(app, doc_id) == [(SO_GD, "sogd@bentre.local", _org(app, "Hội Khuyến học tỉnh Bến Tre"))]
