"""Issue 14 item 3: without an SMTP host mail goes to a local outbox that admins and clerks read
("Hộp thư đi"); recipients' links use the port the service listens on unless KHD_BASE_URL is set."""
from __future__ import annotations

import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from khuyenhoc_docs.config import load_settings
from tests.conftest import api_token, login, make_app
from tests.test_distribution_flow import signed_doc


@pytest.fixture
def outbox_app(data_dir):
    app = make_app(data_dir, jobs_immediate=True, base_url="http://127.0.0.1:5123")  # no smtp_host: the default
    yield app
    app.extensions["khd.engine"].dispose()


def test_item3_without_smtp_host_every_dispatch_lands_in_the_outbox(outbox_app):
    client = outbox_app.test_client()
    doc_id, h = signed_doc(client)
    resp = client.post(f"/api/v1/documents/{doc_id}/issue", headers=h, json={})
    assert resp.status_code == 201, resp.get_json()
    items = client.get(f"/api/v1/documents/{doc_id}/dispatches", headers=h).get_json()["items"]
    assert len(items) == 9 and {d["status"] for d in items} == {"sent"}  # none "Gửi lỗi"

    login(client, "vanthu")
    listing = client.get("/outbox/").get_data(as_text=True)
    assert "Hộp thư đi" in listing and 'href="/outbox/"' in listing  # in the menu too
    ids = re.findall(r'href="/outbox/(\d{8}T\d{6}-[0-9a-f]{12})"', listing)
    assert len(ids) == 9
    page = client.get(f"/outbox/{ids[0]}").get_data(as_text=True)
    assert "01/CTPH-HKH-TĐ" in page and "@" in page.split('id="outbox-to"')[1].split("</td>")[0]
    link = re.search(r"http://127\.0\.0\.1:5123/r/[A-Za-z0-9_\-=.]+", page)
    assert link, "the recipient's link is in the message, on the configured address"
    att = re.search(rf'href="(/outbox/{ids[0]}/attachments/0)"', page).group(1)
    pdf = client.get(att)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the two chairs' and the two organisations' signatures (the B-LTA document timestamp aside)
    assert len(PdfFileReader(__import__("io").BytesIO(pdf.data)).embedded_regular_signatures) == 4
    assert client.get("/outbox/..%2Fsecret_key").status_code == 404

    archivist = outbox_app.test_client()
    login(archivist, "luutru")
    assert archivist.get("/outbox/").status_code == 403
    assert client.get("/api/v1/documents", headers=api_token(client, "luutru")).status_code == 200


def test_item3_links_follow_port_unless_base_url_is_set(tmp_path):
    assert load_settings({"PORT": "5123"}).base_url == "http://127.0.0.1:5123"
    assert load_settings({"PORT": "5123", "KHD_BASE_URL": "https://vanban.example.vn"}).base_url == \
        "https://vanban.example.vn"
    assert load_settings({}).base_url == "http://127.0.0.1:5000"
    assert load_settings({}).smtp_host == ""  # the outbox is the default
