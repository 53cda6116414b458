"""Browser flow of remote signing: the dialog, the waiting page (code, countdown, Cancel), messages."""
from __future__ import annotations

import re

from sqlalchemy import select

from khuyenhoc_docs.models import SigningCredential, User
from tests.conftest import csrf_token, login
from tests.remote.conftest import CITIZEN_ID, CSC_PIN, HKH, submitted, worker_tick


def test_confirm_in_app_waiting_page_and_cancel(async_app, async_server):
    client = async_app.test_client()
    doc_id, _h = submitted(client)
    login(client, HKH)
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Ký bằng dịch vụ ký số từ xa" in page and 'name="secret"' not in page.split('id="sign-dialog"')[1]
    token = csrf_token(client, f"/documents/{doc_id}")
    resp = client.post(f"/documents/{doc_id}/sign", data={"csrf_token": token})
    assert resp.status_code == 303 and "/signing-requests/" in resp.headers["Location"]
    waiting = client.get(resp.headers["Location"]).get_data(as_text=True)
    [tx] = async_server.control("transactions")
    assert tx["tran_code"] in waiting and 'id="remote-countdown"' in waiting and "Hủy yêu cầu ký" in waiting
    assert "data-expires=" in waiting and "signing.js" in waiting
    request_id = int(re.search(r"/signing-requests/(\d+)", resp.headers["Location"]).group(1))
    state = client.get(f"/signing-requests/{request_id}/status").get_json()
    assert state["status"] == "pending" and state["tran_code"] == tx["tran_code"]
    cancel = client.post(f"/signing-requests/{request_id}/cancel", data={"csrf_token": token})
    assert cancel.status_code == 302
    after = client.get(f"/signing-requests/{request_id}").get_data(as_text=True)
    assert "Đã hủy yêu cầu ký." in after and "Hủy yêu cầu ký</button>" not in after


def test_csc_dialog_wrong_pin_and_provider_down_are_messages_not_errors(csc_app, csc_server):
    client = csc_app.test_client()
    doc_id, _h = submitted(client)
    login(client, HKH)
    page = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "Mã PIN dịch vụ ký số" in page and 'name="otp"' in page
    token = csrf_token(client, f"/documents/{doc_id}")
    wrong = client.post(f"/documents/{doc_id}/sign", data={"csrf_token": token, "secret": "1"})
    assert wrong.status_code == 303
    assert "Mã PIN hoặc mã OTP của dịch vụ ký số không đúng." in client.get(f"/documents/{doc_id}").get_data(as_text=True)
    csc_server.stop()
    down = client.post(f"/documents/{doc_id}/sign", data={"csrf_token": token, "secret": CSC_PIN})
    assert down.status_code == 303
    assert "Không kết nối được dịch vụ ký số từ xa" in client.get(f"/documents/{doc_id}").get_data(as_text=True)
    csc_server.start()
    ok = client.post(f"/documents/{doc_id}/sign", data={"csrf_token": token, "secret": CSC_PIN})
    request_id = int(re.search(r"/signing-requests/(\d+)", ok.headers["Location"]).group(1))
    assert worker_tick(csc_app, request_id) == "signed"
    assert "Đã ký" in client.get(ok.headers["Location"]).get_data(as_text=True)


def test_admin_configures_a_remote_account_and_the_secret_is_never_shown(async_app, async_server):
    client = async_app.test_client()
    login(client, "admin")
    with async_app.extensions["khd.sessions"]() as s:
        user_id = s.scalar(select(User.id).where(User.username == HKH))
    path = f"/admin/users/{user_id}/credential"
    page = client.get(path).get_data(as_text=True)
    assert "CSC API" in page and "xác nhận trên ứng dụng" in page
    token = csrf_token(client, path)
    resp = client.post(path, data={"csrf_token": token, "action": "async_confirm", "account": CITIZEN_ID,
                                   "url": async_server.url, "client_id": "khd-sp", "client_secret": "sp-secret"},
                       follow_redirects=True)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "chứng thư số: CN=Đặng Thị Hoa" in text
    assert "sp-secret" not in text and "đã lưu (mã hoá)" in text
    with async_app.extensions["khd.sessions"]() as s:
        cred = s.scalar(select(SigningCredential).where(SigningCredential.user_id == user_id,
                                                        SigningCredential.active.is_(True)))
        assert cred.kind == "async_confirm" and cred.client_secret_enc and "sp-secret" not in cred.client_secret_enc
    bad = client.post(path, data={"csrf_token": token, "action": "csc", "account": ""})
    assert bad.status_code == 422 and "Cần nhập mã tài khoản ký số" in bad.get_data(as_text=True)
