"""Admin pages: organisations and users, with Vietnamese validation and nothing half-written."""
from sqlalchemy import func, select

from khuyenhoc_docs.models import Organisation, OrgLevel, User
from tests.conftest import csrf_token, login


def _count(app, model):
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_admin_creates_user_with_roles(app, client):
    login(client, "admin")
    with app.extensions["khd.sessions"]() as s:
        org_id = s.scalar(select(Organisation.id).where(Organisation.name == "Huyện đoàn Châu Thành"))
    resp = client.post("/admin/users", data={
        "csrf_token": csrf_token(client, "/admin/users"), "username": "bithu.ct", "full_name": "Nguyễn Văn An",
        "password": "mat-khau-dai", "organisation_id": org_id, "roles": ["chair"], "position": "BÍ THƯ",
    })
    assert resp.status_code == 302
    with app.extensions["khd.sessions"]() as s:
        user = s.scalar(select(User).where(User.username == "bithu.ct"))
        assert user.roles == {"chair"} and user.organisation.name == "Huyện đoàn Châu Thành"


def test_duplicate_username_and_bad_fields_write_nothing(app, client):
    login(client, "admin")
    before = _count(app, User)
    resp = client.post("/admin/users", data={
        "csrf_token": csrf_token(client, "/admin/users"), "username": "vanthu", "full_name": "",
        "password": "short", "organisation_id": "999999", "roles": ["superuser"],
    })
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    for msg in ("Tên đăng nhập đã tồn tại.", "Họ và tên là bắt buộc.", "Mật khẩu phải có từ 8 đến 256 ký tự.",
                "Tổ chức không tồn tại.", "Vai trò không hợp lệ: superuser."):
        assert msg in html
    assert _count(app, User) == before


def test_admin_adds_organisation_to_tree_and_rejects_bad_level(app, client):
    login(client, "admin")
    with app.extensions["khd.sessions"]() as s:
        parent = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Ba Tri"))
        level = s.scalar(select(OrgLevel).where(OrgLevel.code == "grassroots"))
        parent_id, level_id = parent.id, level.id
    token = csrf_token(client, "/admin/organisations")
    ok = client.post("/admin/organisations", data={
        "csrf_token": token, "name": "Đoàn xã An Ngãi Trung", "level_id": level_id, "family": "doan",
        "abbreviation": "ĐTN", "parent_id": parent_id, "area": "xã An Ngãi Trung, Ba Tri",
    })
    assert ok.status_code == 302
    before = _count(app, Organisation)
    bad = client.post("/admin/organisations", data={
        "csrf_token": token, "name": "X" * 300, "level_id": "424242", "family": "mafia", "abbreviation": "",
    })
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Cấp tổ chức không tồn tại." in html and "Loại tổ chức không hợp lệ." in html
    assert _count(app, Organisation) == before


def test_admin_gives_an_organisation_its_code_once_and_in_the_right_form(app, client):
    login(client, "admin")
    with app.extensions["khd.sessions"]() as s:
        parent = s.scalar(select(Organisation).where(Organisation.name == "Huyện đoàn Ba Tri"))
        level = s.scalar(select(OrgLevel).where(OrgLevel.code == "grassroots"))
        taken = s.scalar(select(Organisation.code).where(Organisation.code != "").limit(1))
        base = {"level_id": level.id, "family": "doan", "abbreviation": "ĐTN", "parent_id": parent.id}
    token = csrf_token(client, "/admin/organisations")
    before = _count(app, Organisation)
    for code, message in (("31.H05", "Mã định danh phải có dạng 000.00.00.G22"),
                          (taken, "Mã định danh này đã thuộc một tổ chức khác.")):
        bad = client.post("/admin/organisations", data={"csrf_token": token, "name": "Đoàn xã Tân Xuân",
                                                        "code": code, **base})
        assert bad.status_code == 422 and message in bad.get_data(as_text=True), code
    assert _count(app, Organisation) == before
    ok = client.post("/admin/organisations", data={"csrf_token": token, "name": "Đoàn xã Tân Xuân",
                                                   "code": "000.01.31.H05", **base})
    assert ok.status_code == 302
    assert "000.01.31.H05" in client.get("/admin/organisations").get_data(as_text=True)
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(Organisation.code).where(Organisation.name == "Đoàn xã Tân Xuân")) == "000.01.31.H05"
