"""Hostile uploads on the credential pages (signature and seal images, PKCS#12 files) and in yearly
report submissions: each refused with a Vietnamese 4xx, nothing stored (see test_malformed_uploads)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from khuyenhoc_docs.models import SigningCredential, User
from tests.conftest import api_token, csrf_token
from tests.security.conftest import OTHER_CLERK, World
from tests.security.hostile_files import (
    Snapshot,
    assert_vietnamese_refusal,
    js_pdf,
    png,
    png_bomb,
    real_template,
)

# --- signature image and PKCS#12 (admin credential page) ----------------------------------------

IMAGE_ATTACKS = {
    "jpeg": lambda: png("RGB", fmt="JPEG"),
    "gif": lambda: png("P", fmt="GIF"),
    "bmp named .png": lambda: png("RGB", fmt="BMP"),
    "png without transparency": lambda: png("RGB"),
    "png too small": lambda: png("RGBA", (10, 10)),
    "png too large": lambda: png("RGBA", (2100, 50)),
    "png decompression bomb": png_bomb,
    "truncated png": lambda: png()[:40],
    "svg with script": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "pdf": js_pdf,
    "over 512 kB": lambda: b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024),
    "empty": lambda: b"",
}


def _credential_post(admin, user_id: int, form: dict):
    path = f"/admin/users/{user_id}/credential"
    return admin.post(path, data={"csrf_token": csrf_token(admin, path), **form}, content_type="multipart/form-data")


def _signature_state(app, user_id: int):
    with app.extensions["khd.sessions"]() as s:
        image = s.get(User, user_id).signature_image
        creds = [(c.id, c.kind) for c in s.scalars(select(SigningCredential).where(SigningCredential.user_id
                                                                                    == user_id))]
    return image, creds


@pytest.mark.parametrize("attack", sorted(IMAGE_ATTACKS))
def test_non_png_signature_image_is_refused(world_app, admin, security_world: World, attack):
    user_id = security_world.chair_hkh_id
    before, snap = _signature_state(world_app, user_id), Snapshot(world_app)
    resp = _credential_post(admin, user_id, {"action": "image",
                                             "image": (io.BytesIO(IMAGE_ATTACKS[attack]()), "chu-ky.png")})
    assert_vietnamese_refusal(resp, attack, statuses=(422,))
    assert _signature_state(world_app, user_id) == before
    snap.assert_unchanged(attack)


def test_transparent_png_signature_is_accepted(world_app, admin, security_world: World):
    """Control case: the refusals above are about the files, not the page."""
    user_id = security_world.chair_hkh_id
    resp = _credential_post(admin, user_id, {"action": "image", "image": (io.BytesIO(png()), "chu-ky.png")})
    assert resp.status_code == 302
    assert _signature_state(world_app, user_id)[0] == png()


@pytest.mark.parametrize("blob", [b"", b"not a pkcs12", png(), b"0\x82\xff\xff" + bytes(100)], ids=[
    "empty", "text", "png", "broken der"])
def test_junk_pkcs12_is_refused(world_app, admin, security_world: World, blob):
    user_id = security_world.chair_hkh_id
    before, snap = _signature_state(world_app, user_id), Snapshot(world_app)
    resp = _credential_post(admin, user_id, {"action": "pkcs12", "passphrase": "x" * 300,
                                             "p12": (io.BytesIO(blob), "chu-ky.p12")})
    assert_vietnamese_refusal(resp, "pkcs12", statuses=(422,))
    assert _signature_state(world_app, user_id) == before
    snap.assert_unchanged("pkcs12")


# --- yearly report submissions (clerk of the unit) ----------------------------------------------

REPORT_ATTACKS = {
    "random bytes": lambda: b"\x13\x37" * 4000,
    "truncated docx": lambda: real_template()[:5000],
    "broken pdf": lambda: b"%PDF-1.4\n" + bytes(3000) + b"\n%%EOF\n",
    "png": lambda: png(),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("attack", sorted(REPORT_ATTACKS))
def test_hostile_report_submission_is_refused(world_app, security_world: World, attack):
    client = world_app.test_client()
    h = api_token(client, OTHER_CLERK)
    snap = Snapshot(world_app)
    resp = client.post(f"/api/v1/reports/{security_world.obligation_id}/submission", headers=h,
                       data={"file": (io.BytesIO(REPORT_ATTACKS[attack]()), "bao-cao.docx")},
                       content_type="multipart/form-data")
    assert_vietnamese_refusal(resp, attack)
    snap.assert_unchanged(attack)


def test_zip_bomb_report_is_refused(world_app, security_world: World, bomb):
    client = world_app.test_client()
    snap = Snapshot(world_app)
    resp = client.post(f"/api/v1/reports/{security_world.obligation_id}/submission",
                       headers=api_token(client, OTHER_CLERK),
                       data={"file": (io.BytesIO(bomb), "bao-cao.docx")}, content_type="multipart/form-data")
    assert_vietnamese_refusal(resp, "zip bomb report")
    snap.assert_unchanged("zip bomb report")


def _seal_state(app, org_id: int):
    from khuyenhoc_docs.models import Organisation

    with app.extensions["khd.sessions"]() as s:
        org = s.get(Organisation, org_id)
        return org.seal_image, org.seal_size_mm


@pytest.mark.parametrize("attack", sorted(IMAGE_ATTACKS))
def test_non_png_seal_image_is_refused(world_app, admin, security_world: World, attack):
    org_id = security_world.lead_org_id
    before, snap = _seal_state(world_app, org_id), Snapshot(world_app)
    path = f"/admin/organisations/{org_id}/seal"
    resp = admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "image",
                                  "image": (io.BytesIO(IMAGE_ATTACKS[attack]()), "con-dau.png")},
                      content_type="multipart/form-data")
    assert_vietnamese_refusal(resp, attack, statuses=(422,))
    assert _seal_state(world_app, org_id) == before
    snap.assert_unchanged(attack)


def test_seal_image_and_size_are_accepted_and_checked(world_app, admin, security_world: World):
    org_id = security_world.lead_org_id
    path = f"/admin/organisations/{org_id}/seal"
    ok = admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "image",
                                "image": (io.BytesIO(png("RGBA", (300, 300))), "dau.png")},
                    content_type="multipart/form-data")
    assert ok.status_code == 302
    assert admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "size",
                                  "seal_size_mm": "90"}).status_code == 422
    assert admin.post(path, data={"csrf_token": csrf_token(admin, path), "action": "size",
                                  "seal_size_mm": "40"}).status_code == 302
    assert _seal_state(world_app, org_id) == (png("RGBA", (300, 300)), 40)
