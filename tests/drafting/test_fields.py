"""ProgrammeFields: JSON round-trip and Vietnamese validation messages."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from khuyenhoc_docs.drafting.fields import MAX_ITEMS, FieldsError, ProgrammeFields
from khuyenhoc_docs.drafting.reference import demo_district_fields, reference_fields


def test_reference_fields_are_valid() -> None:
    assert reference_fields().validate() == {}


def test_district_demo_is_valid_with_parent_and_report() -> None:
    fields = demo_district_fields("huyện Châu Thành")
    assert fields.validate(require_parent=True, require_report=True) == {}
    assert fields.parent is not None and fields.parent.number == "05/CTPH-HKH-TĐ"
    assert fields.place == "Châu Thành"
    assert demo_district_fields("thành phố Bến Tre").party_a.org_name_upper_for_header == "BCH ĐOÀN THÀNH PHỐ BẾN TRE"


def test_json_round_trip() -> None:
    fields = reference_fields()
    data = json.loads(json.dumps(fields.to_dict(), ensure_ascii=False))
    assert data["parent"]["date"] == "2017-09-19"
    assert ProgrammeFields.from_dict(data) == fields
    district = demo_district_fields()
    assert ProgrammeFields.from_dict(json.loads(json.dumps(district.to_dict()))) == district


def test_parent_citation_reads_like_the_reference() -> None:
    assert reference_fields().parent.citation() == (
        "chương trình phối hợp số 40/CTPH-HKVN-ĐTNCSHCM, ngày 19/9/2017 giữa Hội Khuyến học Việt Nam và "
        "Trung ương Đoàn TNCS Hồ Chí Minh về việc phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội "
        "học tập giai đoạn 2017 – 2020")


def test_missing_required_fields_give_vietnamese_messages_per_field() -> None:
    data = reference_fields().to_dict()
    del data["summary"]
    data["party_b"]["signer_name"] = ""
    data["purposes"] = []
    fields, errors = ProgrammeFields.parse(data)
    assert fields is not None
    assert set(errors) == {"summary", "party_b.signer_name", "purposes"}
    assert errors["summary"] == ["Trích yếu: bắt buộc nhập."]
    assert errors["party_b.signer_name"] == ["Bên phối hợp – Họ tên người ký: bắt buộc nhập."]
    assert errors["purposes"] == ["Mục đích: cần ít nhất một mục."]


def test_100_kb_field_is_too_long() -> None:
    fields = replace(reference_fields(), preamble="a" * 100_000)
    errors = fields.validate()
    assert list(errors) == ["preamble"]
    assert errors["preamble"] == ["Phần mở đầu: quá dài: tối đa 2.000 ký tự (hiện có 100.000)."]


def test_list_item_and_list_length_caps() -> None:
    fields = replace(reference_fields(), contents=("x" * 5_001,), recipients=tuple(f"Nơi {i}" for i in range(51)))
    errors = fields.validate()
    assert "quá dài" in errors["contents[0]"][0] and errors["contents[0]"][0].startswith("Nội dung phối hợp mục 1")
    assert errors["recipients"] == [f"Nơi nhận: tối đa {MAX_ITEMS} mục (hiện có 51)."]
    data = reference_fields().to_dict()
    data["purposes"] = ["x"] * 51
    with pytest.raises(FieldsError) as exc:
        ProgrammeFields.from_dict(data)
    assert exc.value.errors == {"purposes": ["Mục đích: tối đa 50 mục (hiện có 51)."]}


@pytest.mark.parametrize("raw", ["2017-09-19", "19/9/2017", "19/09/2017"])
def test_parent_date_formats_accepted(raw: str) -> None:
    data = reference_fields().to_dict()
    data["parent"]["date"] = raw
    assert ProgrammeFields.from_dict(data).parent.date == date(2017, 9, 19)


@pytest.mark.parametrize("raw", ["31/02/2018", "2017-13-01", "hôm qua", 20170919])
def test_bad_parent_date_is_refused(raw: object) -> None:
    data = reference_fields().to_dict()
    data["parent"]["date"] = raw
    fields, errors = ProgrammeFields.parse(data)
    assert fields is None
    assert errors == {"parent.date": ["Văn bản cấp trên – Ngày: ngày không hợp lệ, ghi theo dạng ngày/tháng/năm "
                                      "(ví dụ 19/9/2017)."]}


@pytest.mark.parametrize(("deadline", "ok"), [("15/11", True), ("29/2", True), ("32/11", False), ("15-11", False),
                                              ("15/13", False), ("", True)])
def test_report_deadline_format(deadline: str, ok: bool) -> None:
    errors = replace(reference_fields(), report_deadline=deadline).validate()
    assert ("report_deadline" not in errors) is ok


def test_shape_errors() -> None:
    data = reference_fields().to_dict()
    data["purposes"] = "không phải danh sách"
    data["closing"] = 42
    data["lead_left_in_header"] = "yes"
    data["hacker"] = 1
    with pytest.raises(FieldsError) as exc:
        ProgrammeFields.from_dict(data)
    errors = exc.value.errors
    assert errors["purposes"] == ["Mục đích: phải là một danh sách."]
    assert errors["closing"] == ["Câu kết: phải là văn bản."]
    assert errors["lead_left_in_header"][0].endswith("phải là đúng/sai (true/false).")
    assert errors["hacker"] == ["Trường không được hỗ trợ: hacker."]
    with pytest.raises(FieldsError):
        ProgrammeFields.from_dict([])  # type: ignore[arg-type]


def test_case_markup_and_control_characters() -> None:
    fields = reference_fields()
    bad = replace(fields, party_a=replace(fields.party_a, position="Phó Bí thư"), closing="**đậm",
                  summary="a\x00b")
    errors = bad.validate()
    assert errors["party_a.position"] == ["Bên chủ trì – Chức vụ người ký: phải viết IN HOA."]
    assert errors["closing"] == ["Câu kết: dấu ** (in đậm) chưa được đóng."]
    assert errors["summary"] == ["Trích yếu: chứa ký tự điều khiển không hợp lệ."]


def test_parent_and_report_required_when_asked() -> None:
    fields = replace(reference_fields(), parent=None, report_to="", report_deadline="")
    assert fields.validate() == {}
    errors = fields.validate(require_parent=True, require_report=True)
    assert set(errors) == {"parent", "report_to", "report_deadline"}
    assert errors["parent"][0].startswith("Văn bản cấp trên: bắt buộc nhập")


def test_responsibilities_validation() -> None:
    data = reference_fields().to_dict()
    data["responsibilities"] = [{"heading": "", "items": []}]
    _, errors = ProgrammeFields.parse(data)
    assert errors == {
        "responsibilities[0].heading": ["Trách nhiệm thực hiện mục 1 – Tên cấp: bắt buộc nhập."],
        "responsibilities[0].items": ["Trách nhiệm thực hiện mục 1 – Nhiệm vụ: cần ít nhất một mục."],
    }


def test_layout_order_is_configurable() -> None:
    fields = reference_fields()
    left, right = fields.signature_parties()
    assert (left.signer_name, right.signer_name) == ("Đặng Thị Hoa", "Lâm Như Quỳnh")
    flipped = replace(fields, lead_left_in_signatures=True)
    assert flipped.signature_parties()[0].signer_name == "Lâm Như Quỳnh"
    assert fields.header_parties()[0].org_name_upper_for_header == "HỘI KHUYẾN HỌC TỈNH BẾN TRE"
    assert replace(fields, lead_left_in_header=True).header_parties()[0].org_name == "Tỉnh đoàn Bến Tre"


def test_fields_are_immutable_and_hashable() -> None:
    fields = ProgrammeFields(**{**reference_fields().__dict__, "purposes": ["a", "b"]})
    assert fields.purposes == ("a", "b")
    hash(fields)
    with pytest.raises(AttributeError):
        fields.summary = "x"  # type: ignore[misc]
