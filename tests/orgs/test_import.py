"""CSV import of organisations and people: every error kind, idempotence, BOM, preview, CLI, API."""
from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from khuyenhoc_docs.models import AuditEvent, Organisation, User
from khuyenhoc_docs.organisations import abbreviation_error
from khuyenhoc_docs.orgimport import plan_organisations
from khuyenhoc_docs.userimport import plan_users
from tests.conftest import api_token, csrf_token, login
from tests.orgs.conftest import VL_HKH, VL_TD, org_named

VINH_LONG = Path(__file__).resolve().parents[2] / "examples" / "vinh-long-2025-organisations.csv"
ORG_HEAD = "name,abbreviation,level,parent,family,counterpart,code\n"
USER_HEAD = "username,full_name,position,organisation,role,email\n"


def _count(app, model) -> int:
    with app.extensions["khd.sessions"]() as s:
        return s.scalar(select(func.count()).select_from(model))


def _cli(app, tmp_path, kind: str, text: str | bytes, *extra: str):
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return app.test_cli_runner().invoke(args=[kind, "import", str(path), *extra])


def test_vinh_long_file_imports_once_and_reimports_as_no_change(app, tmp_path):
    before = _count(app, Organisation)
    first = _cli(app, tmp_path, "orgs", VINH_LONG.read_bytes())
    assert first.exit_code == 0, first.output
    assert "imported: 250 mới, 0 thay đổi, 0 không đổi" in first.output
    assert _count(app, Organisation) == before + 250
    with app.extensions["khd.sessions"]() as s:
        hkh = org_named(s, VL_HKH)
        units = [o for o in hkh.children]
        assert len(units) == 124 and {u.level.code for u in units} == {"grassroots"}
        assert units[0].counterpart_id is not None and hkh.counterpart_id is not None
        from khuyenhoc_docs.orgtree import counterpart
        assert counterpart(s, units[0]).family == "doan"
        td = org_named(s, VL_TD)
        assert counterpart(s, td).id == hkh.id  # found from the other side
    again = _cli(app, tmp_path, "orgs", b"\xef\xbb\xbf" + VINH_LONG.read_bytes())  # Excel's BOM
    assert again.exit_code == 0, again.output
    assert "imported: 0 mới, 0 thay đổi, 250 không đổi" in again.output
    assert _count(app, Organisation) == before + 250


# Test data: codes in the mã định danh format, made up for this test only.
CODED = ORG_HEAD + (
    "Hội Khuyến học tỉnh Thử,HKH,province,,Hội,Tỉnh đoàn Thử,000.00.99.H01\n"
    "Tỉnh đoàn Thử,TĐ,province,,Đoàn,,000.00.99.H02\n"
    "Đoàn xã giữ chỗ 1,ĐTN,grassroots,000.00.99.H02,Đoàn,,000.00.99.H03\n"
)


def test_reimport_with_a_renamed_unit_updates_it_in_place(app, tmp_path):
    assert _cli(app, tmp_path, "orgs", CODED).exit_code == 0
    text = CODED.replace("Đoàn xã giữ chỗ 1", "Đoàn xã Thử Nghiệm")
    before = _count(app, Organisation)
    dry = _cli(app, tmp_path, "orgs", text, "--dry-run")
    assert dry.exit_code == 0 and "update Đoàn xã Thử Nghiệm" in dry.output and "1 thay đổi" in dry.output
    done = _cli(app, tmp_path, "orgs", text)
    assert "0 mới, 1 thay đổi, 2 không đổi" in done.output
    assert _count(app, Organisation) == before
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(Organisation.name).where(Organisation.code == "000.00.99.H03")) == "Đoàn xã Thử Nghiệm"


def test_the_shipped_example_marks_its_placeholders_and_invents_no_codes():
    rows = [line for line in VINH_LONG.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")][1:]
    assert len(rows) == 250
    communes = rows[2:]
    assert all("(tên giữ chỗ)" in r.split(",")[0] for r in communes)
    assert all(r.endswith(",") for r in rows)  # no code: real mã định danh are not known here
    assert "PLACEHOLDERS" in VINH_LONG.read_text(encoding="utf-8") and "1687/NQ-UBTVQH15" in VINH_LONG.read_text(
        encoding="utf-8")


BAD_ORGS = ORG_HEAD + (
    "Hội Khuyến học xã A,HKH,grassroots,Không Có Tổ Chức Này,Hội,,\n"  # line 2: unknown parent
    "Hội Khuyến học xã B,HKH,grassroots,Hội Khuyến học tỉnh Bến Tre,Hội,,000.00.98.H01\n"  # 3: fine
    "Hội Khuyến học xã B,HKH,grassroots,Hội Khuyến học tỉnh Bến Tre,Hội,,\n"  # 4: duplicate of 3
    "Vòng Một,HKH,grassroots,Vòng Hai,Hội,,\n"  # 5: cycle
    "Vòng Hai,HKH,grassroots,Vòng Một,Hội,,\n"  # 6: cycle
    "Hội Khuyến học xã C,H K!,grassroots,Hội Khuyến học tỉnh Bến Tre,Hội,,\n"  # 7: bad abbreviation
    "Hội Khuyến học xã D,HKH,thôn,Hội Khuyến học tỉnh Bến Tre,Hội,,\n"  # 8: unknown level
    "Hội Khuyến học xã E,HKH,grassroots,Hội Khuyến học tỉnh Bến Tre,Hội,,000.00.98.H01\n"  # 9: duplicate code
    "Hội Khuyến học xã F,HKH,grassroots,Hội Khuyến học tỉnh Bến Tre,Bang hội,,\n"  # 10: unknown family
    "Hội Khuyến học xã G,HKH,grassroots,Hội Khuyến học tỉnh Bến Tre,Hội,,HKH-G\n"  # 11: not a mã định danh
)


def test_every_error_kind_is_listed_with_its_line_and_nothing_is_written(app, tmp_path):
    before, audits = _count(app, Organisation), _count(app, AuditEvent)
    result = _cli(app, tmp_path, "orgs", BAD_ORGS)
    assert result.exit_code == 1
    out = result.output
    for line, fragment in ((2, "không tìm thấy tổ chức “Không Có Tổ Chức Này”"), (4, "trùng tên “Hội Khuyến học xã B”"),
                           (5, "vòng lặp"), (6, "vòng lặp"), (7, "chữ viết tắt “H K!”"), (8, "cấp “thôn” không tồn tại"),
                           (9, "mã “000.00.98.H01” trùng với dòng 3"), (10, "loại tổ chức “Bang hội”"),
                           (11, "mã định danh (code) “HKH-G” phải có dạng 000.00.00.G22")):
        assert re.search(rf"Dòng {line}: .*{re.escape(fragment)}", out), (line, out)
    assert "Dòng 3:" not in out and "nothing imported" in out
    assert _count(app, Organisation) == before and _count(app, AuditEvent) == audits


def test_reparenting_an_existing_unit_under_its_own_descendant_is_a_cycle(app):
    with app.extensions["khd.sessions"]() as s:
        code = s.scalar(select(Organisation.code).where(Organisation.name == "Hội Khuyến học tỉnh Bến Tre"))
        assert code  # the demo's made-up mã định danh
        csv = ORG_HEAD + f"Hội Khuyến học tỉnh Bến Tre,HKH,province,Hội Khuyến học xã Tam Phước,Hội,,{code}\n"
        plan = plan_organisations(s, csv.encode())
        assert [str(e) for e in plan.errors] == ["Dòng 2: cấp trên của “Hội Khuyến học tỉnh Bến Tre” tạo thành vòng lặp."]
        s.rollback()


def test_header_and_encoding_errors(app):
    with app.extensions["khd.sessions"]() as s:
        assert "Tiêu đề cột phải là" in str(plan_organisations(s, b"name,abbr\nx,y\n").errors[0])
        assert "UTF-8" in str(plan_organisations(s, "name".encode("utf-16")).errors[0])
        assert "trống" in str(plan_organisations(s, b"").errors[0])
        short = plan_organisations(s, (ORG_HEAD + "a,b\n").encode())
        assert str(short.errors[0]).startswith("Dòng 2: Cần 7 cột")


@pytest.mark.parametrize("value,ok", [("HKH", True), ("TĐ", True), ("ĐTN-VL", True), ("ThĐ", True), ("X2", True),
                                      ("", False), ("H K", False), ("HKH/TĐ", False), ("-HKH", False),
                                      ("A--B", False), ("中文", False), ("X" * 41, False)])
def test_abbreviation_rule(value, ok):
    assert (abbreviation_error(value) is None) is ok


def test_people_import_errors_then_create_then_idempotent(app, tmp_path):
    bad = USER_HEAD + (
        "bithu.x,Nguyễn Văn A,BÍ THƯ,Huyện đoàn Châu Thành,thủ quỹ,a@x.vn\n"  # unknown role
        "bithu.x,Nguyễn Văn B,,Huyện đoàn Châu Thành,chair,\n"  # duplicate username
        "vt.y,Trần C,,Tổ chức Ma,clerk,\n"  # unknown organisation
        "vt z,Trần D,,Huyện đoàn Châu Thành,clerk,khong-phai-email\n"  # bad username and email
    )
    before = _count(app, User)
    result = _cli(app, tmp_path, "users", bad)
    assert result.exit_code == 1
    for fragment in ("Dòng 2: vai trò không hợp lệ: thủ quỹ", "Dòng 3: tên đăng nhập “bithu.x” trùng với dòng 2",
                     "Dòng 4: không tìm thấy tổ chức “Tổ chức Ma”", "Dòng 5: tên đăng nhập “vt z”",
                     "Dòng 5: email “khong-phai-email”"):
        assert fragment in result.output
    assert _count(app, User) == before
    good = USER_HEAD + ("bithu.ct,Nguyễn Văn An,BÍ THƯ,Huyện đoàn Châu Thành,chair,an@x.vn\n"
                        "vanthu.ct,Lê Thị Bé,Văn thư,Huyện đoàn Châu Thành,văn thư; lưu trữ,\n")
    first = _cli(app, tmp_path, "users", "\ufeff" + good)
    assert first.exit_code == 0, first.output
    assert "initial password bithu.ct:" in first.output and "2 mới" in first.output
    with app.extensions["khd.sessions"]() as s:
        u = s.scalar(select(User).where(User.username == "vanthu.ct"))
        assert u.roles == {"clerk", "archivist"} and u.organisation.name == "Huyện đoàn Châu Thành"
    again = _cli(app, tmp_path, "users", good)
    assert "0 mới, 0 thay đổi, 2 không đổi" in again.output and "initial password" not in again.output
    changed = _cli(app, tmp_path, "users", good.replace("văn thư; lưu trữ", "clerk"))
    assert "1 thay đổi" in changed.output
    with app.extensions["khd.sessions"]() as s:
        assert s.scalar(select(User).where(User.username == "vanthu.ct")).roles == {"clerk"}
    assert _count(app, User) == before + 2


def test_admin_previews_then_imports_and_audit_records_it(app, client):
    login(client, "admin")
    before = _count(app, Organisation)
    token = csrf_token(client, "/admin/import/")
    resp = client.post("/admin/import/organisations", data={
        "csrf_token": token, "file": (VINH_LONG.open("rb"), "vinh-long.csv")}, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "250 mới, 0 thay đổi, 0 không đổi" in html and "Tạo mới" in html
    assert _count(app, Organisation) == before  # a preview writes nothing
    payload = re.search(r'name="payload" value="([^"]+)"', html).group(1)
    assert base64.b64decode(payload) == VINH_LONG.read_bytes()
    done = client.post("/admin/import/organisations", data={"csrf_token": token, "payload": payload})
    assert done.status_code == 200 and "Đã nhập tổ chức" in done.get_data(as_text=True)
    assert _count(app, Organisation) == before + 250
    with app.extensions["khd.sessions"]() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "organisations_import"))
        assert event.details["created"] == 250 and event.actor_name == "admin"
    again = client.post("/admin/import/organisations", data={
        "csrf_token": token, "file": (VINH_LONG.open("rb"), "vinh-long.csv")}, content_type="multipart/form-data")
    html = again.get_data(as_text=True)
    assert "0 mới, 0 thay đổi, 250 không đổi" in html and "250 dòng không đổi" in html
    assert "Tạo mới" not in html and "<td>Không đổi</td>" not in html  # unchanged rows are counted, not listed
    bad = client.post("/admin/import/organisations", data={
        "csrf_token": token, "file": (__import__("io").BytesIO(BAD_ORGS.encode()), "x.csv")},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and "Dòng 2:" in bad.get_data(as_text=True)
    assert 'name="payload"' not in bad.get_data(as_text=True)
    people = client.post("/admin/import/users", data={
        "csrf_token": token, "file": (__import__("io").BytesIO(
            (USER_HEAD + f"vt.vl,Phạm Văn Lưu,,{VL_HKH},clerk,\n").encode()), "u.csv")},
        content_type="multipart/form-data")
    assert people.status_code == 200 and "1 mới" in people.get_data(as_text=True)


def test_non_admin_cannot_import(app, client):
    login(client, "vanthu")
    assert client.get("/admin/import/").status_code == 403


def test_api_lists_the_tree(app, client):
    headers = api_token(client, "vanthu")
    items = client.get("/api/v1/organisations", headers=headers).get_json()["items"]
    assert set(items[0]) == {"id", "name", "abbreviation", "level", "parent_id", "family", "code", "dissolved_on",
                             "successor_id"}
    by_name = {i["name"]: i for i in items}
    hkh = by_name["Hội Khuyến học tỉnh Bến Tre"]
    assert hkh["parent_id"] is None and hkh["level"] == "province" and hkh["family"] == "khuyen_hoc"
    assert by_name["Hội Khuyến học huyện Ba Tri"]["parent_id"] == hkh["id"]
    assert client.get("/api/v1/organisations").status_code == 401


def test_plan_users_needs_existing_orgs(app):
    with app.extensions["khd.sessions"]() as s:
        plan = plan_users(s, (USER_HEAD + "a.b,Tên,,Hội Khuyến học tỉnh Bến Tre,,\n").encode())
        assert "vai trò không hợp lệ: trống" in str(plan.errors[0])
