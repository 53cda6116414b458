"""Multipart parts without a usable name (RFC 7578 requires one) are refused with a clear 400.

Werkzeug files such a part (no ``name`` parameter, or a raw line break inside it, which cuts the
Content-Disposition header) under the key ``None``. Found by the API fuzzer on
``POST /api/v1/legacy/imports``: the validation answer listed ``None`` as an unknown field next to
the named ones, and sorting its keys for JSON raised a TypeError out of the app; the page form that
walks its field names (paper issuing) answered 500.
"""
from __future__ import annotations

import io

import pytest

from tests.conftest import api_token, csrf_token, login
from tests.security.conftest import World, table_counts
from tests.security.hostile_files import assert_vietnamese_refusal

BOUNDARY = "5fd8e556f498b8fc3b0ce4888e45dd42"
LEGACY_ROUTES = ("/api/v1/legacy/imports", "/api/v1/legacy/digitisations")
#: every multipart route of the API (input location "form_and_files" or "files")
API_ROUTES = (*LEGACY_ROUTES, "/api/v1/verify", "/api/v1/reports/{obligation_id}/submission")


def _raw(*parts: str) -> bytes:
    """A multipart body written by hand: each part is its header block and value."""
    body = "".join(f"--{BOUNDARY}\r\n{part}\r\n" for part in parts) + f"--{BOUNDARY}--\r\n"
    return body.encode()


#: the fuzzer's falsifying example (a part named "\n"), and a part with no name at all
NAMELESS = {
    "line break in name": _raw('Content-Disposition: form-data; name="\n"\r\n\r\nnull'),
    "no name parameter": _raw('Content-Disposition: form-data\r\n\r\nnull',
                              'Content-Disposition: form-data; name="title"\r\n\r\nHồ sơ cũ'),
    "nameless file part": _raw('Content-Disposition: form-data; filename="a.pdf"\r\n'
                               'Content-Type: application/pdf\r\n\r\n%PDF-1.4'),
}


@pytest.mark.parametrize("route", API_ROUTES)
@pytest.mark.parametrize("body", sorted(NAMELESS))
def test_api_refuses_a_nameless_part(world_app, security_world: World, route, body):
    path = route.format(obligation_id=security_world.obligation_id)
    client = world_app.test_client()
    headers = api_token(client, "vanthu")
    before = table_counts(world_app)
    resp = client.post(path, headers=headers, data=NAMELESS[body],
                       content_type=f"multipart/form-data; boundary={BOUNDARY}")
    message = assert_vietnamese_refusal(resp, f"{path} {body}", statuses=(400,))
    assert resp.get_json() == {"error": {"status": 400, "message": message}}
    assert "tên" in message, message  # says what is wrong: a part without a field name
    assert table_counts(world_app) == before


def test_api_still_answers_named_multipart_errors(world_app):
    """The refusal is only for nameless parts: an ordinary incomplete body keeps its 422 field list."""
    client = world_app.test_client()
    resp = client.post(LEGACY_ROUTES[0], headers=api_token(client, "vanthu"),
                       data={"title": "Hồ sơ cũ", "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert "doc_number" in resp.get_json()["error"]["fields"]["form_and_files"]


def test_page_form_refuses_a_nameless_part(world_app, security_world: World):
    """Paper issuing reads every field name (``channel_<id>``): a nameless part must not reach it."""
    client = world_app.test_client()
    assert login(client, "vanthu").status_code == 302
    token = csrf_token(client, f"/documents/{security_world.signed_id}")
    before = table_counts(world_app)
    resp = client.post(f"/documents/{security_world.signed_id}/issue", headers={"X-CSRFToken": token},
                       data=NAMELESS["no name parameter"], content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert_vietnamese_refusal(resp, "issue form", statuses=(400,))
    assert table_counts(world_app) == before
