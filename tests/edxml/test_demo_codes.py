"""Issue 18 item 1 in the demo: bodies with document systems of their own carry (demo) codes, and a
recipient with a code is offered "Liên thông (edXML)" first when the clerk issues."""
from __future__ import annotations

import re

from sqlalchemy import select

from khuyenhoc_docs.edxml.model import valid_organ_code
from khuyenhoc_docs.models import Recipient
from tests.conftest import login
from tests.flow import api_token, demo_draft_id, sign_and_seal, submit

UBND = "Ủy ban nhân dân tỉnh Bến Tre"


def test_demo_directory_has_coded_bodies_and_they_default_to_edxml(app, client):
    with app.extensions["khd.sessions"]() as s:
        coded = {r.name: r.code for r in s.scalars(select(Recipient).where(Recipient.code != ""))}
    assert UBND in coded and len(coded) >= 2
    assert all(valid_organ_code(c) for c in coded.values()), coded
    login(client, "vanthu")
    assert coded[UBND] in client.get("/recipients").get_data(as_text=True)

    h = api_token(client, "vanthu")
    doc_id = demo_draft_id(client)
    fields = client.get(f"/api/v1/documents/{doc_id}", headers=h).get_json()["fields"]
    fields["recipients"] = [*fields["recipients"], UBND]
    assert client.patch(f"/api/v1/documents/{doc_id}", headers=h, json={"fields": fields}).status_code == 200
    submit(client, doc_id)
    sign_and_seal(client, doc_id)
    page = client.get(f"/documents/{doc_id}/dispatches").get_data(as_text=True)
    selects = dict(re.findall(r'aria-label="Hình thức gửi tới ([^"]+)">(.*?)</select>', page, re.S))
    assert 'value="edxml" selected' in selects[UBND]
    # A recipient without a code is not offered the exchange channel at all.
    assert 'value="edxml"' not in selects["Ban TNTH TW"] and 'value="email" selected' in selects["Ban TNTH TW"]
