"""Issue 14 item 18: only PKCS#11 modules on the allow-list (KHD_PKCS11_MODULES) are ever loaded."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from khuyenhoc_docs.config import DEFAULT_PKCS11_MODULES, load_settings
from khuyenhoc_docs.models import SigningCredential, User
from khuyenhoc_docs.signing import SigningError
from khuyenhoc_docs.signing.keys import Pkcs11KeySource, Pkcs11Options, pkcs11_module_allowed
from tests.conftest import csrf_token, login, make_app
from tests.services.softhsm import SOFTHSM_MODULE
from tests.test_signing_flow import sign, submitted


def _loaded(path: Path) -> bool:
    """Is this file mapped into the test process (i.e. was it ever dlopen()ed)?"""
    return str(path) in Path("/proc/self/maps").read_text()


@pytest.fixture
def outside_module(tmp_path) -> Path:
    """A working PKCS#11 library (a copy of SoftHSM2's) at a path that is not on the allow-list."""
    copy = tmp_path / "evil" / "libsofthsm2-copy.so"
    copy.parent.mkdir()
    shutil.copy(SOFTHSM_MODULE, copy)
    return copy


def test_settings_read_the_allow_list_from_the_environment():
    assert load_settings({}).pkcs11_modules == DEFAULT_PKCS11_MODULES
    assert SOFTHSM_MODULE in DEFAULT_PKCS11_MODULES
    assert any("opensc-pkcs11.so" in m for m in DEFAULT_PKCS11_MODULES)
    custom = load_settings({"KHD_PKCS11_MODULES": "/opt/a.so:/opt/b.so"})
    assert custom.pkcs11_modules == ("/opt/a.so", "/opt/b.so")


def test_paths_outside_the_list_are_not_allowed(outside_module):
    assert pkcs11_module_allowed(SOFTHSM_MODULE)
    for path in (str(outside_module), "/usr/lib/softhsm/../x86_64-linux-gnu/libc.so.6", "libsofthsm2.so",
                 "", "/usr/lib/softhsm/libsofthsm2.so\0x"):
        assert not pkcs11_module_allowed(path), path


def test_admin_cannot_register_a_module_outside_the_list(app, client, outside_module):
    with app.extensions["khd.sessions"]() as s:
        uid = s.scalar(select(User.id).where(User.username == "phobithu.td"))
        before = s.scalar(select(SigningCredential.id).where(SigningCredential.user_id == uid,
                                                            SigningCredential.active.is_(True)))
    login(client, "admin")
    page = f"/admin/users/{uid}/credential"
    assert SOFTHSM_MODULE in client.get(page).get_data(as_text=True)  # offered in the form
    resp = client.post(page, data={"csrf_token": csrf_token(client, page), "action": "pkcs11",
                                   "module": str(outside_module), "token": "t", "key_label": "k"})
    assert resp.status_code == 422 and "KHD_PKCS11_MODULES" in resp.get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(SigningCredential.id).where(SigningCredential.user_id == uid,
                                                          SigningCredential.active.is_(True))) == before
    assert not _loaded(outside_module)


def test_a_stored_credential_outside_the_list_is_never_loaded_at_signing(app, client, outside_module):
    """A row written before the allow-list existed (or after it shrank) is refused before dlopen()."""
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == "phobithu.td"))
        s.query(SigningCredential).filter_by(user_id=user.id).update({"active": False})
        cert_pem = s.scalars(select(SigningCredential.cert_pem).where(SigningCredential.user_id == user.id)).first()
        s.add(SigningCredential(user_id=user.id, kind="pkcs11", pkcs11_module=str(outside_module),
                                pkcs11_token="t", pkcs11_key="k", cert_pem=cert_pem))
        s.commit()
    doc_id, _ = submitted(client)
    resp = sign(client, doc_id, "phobithu.td", "1234")
    assert resp.status_code in (409, 422) and "KHD_PKCS11_MODULES" in resp.get_data(as_text=True)
    assert not _loaded(outside_module)


def test_the_signing_core_refuses_before_loading(outside_module):
    source = Pkcs11KeySource(Pkcs11Options(str(outside_module), "t", "k", "1234"))
    with pytest.raises(SigningError) as exc, source.open():
        pass
    assert "KHD_PKCS11_MODULES" in exc.value.reason_vi
    assert not _loaded(outside_module)


def test_an_app_with_its_own_list_governs_the_process(data_dir, outside_module):
    app = make_app(data_dir, pkcs11_modules=(str(outside_module),))
    try:
        assert pkcs11_module_allowed(str(outside_module)) and not pkcs11_module_allowed(SOFTHSM_MODULE)
    finally:
        app.extensions["khd.engine"].dispose()
        make_app(data_dir).extensions["khd.engine"].dispose()  # back to the default list
    assert pkcs11_module_allowed(SOFTHSM_MODULE)
