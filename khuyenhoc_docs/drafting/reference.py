"""The reference document (Bến Tre province programme 2018–2020) as fields, plus a district demo.

The values are the reference text verbatim, sentence by sentence; tests compare the rendered
document against /work/shared/reference/ctph-ben-tre-2018-2020.txt. The reference text has no
header block, so the header names, number and date below are the ones the project brief uses.
Vietnamese here is document content (the reference programme), not messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from .fields import ParentProgramme, Party, ProgrammeFields, Responsibility

#: Number and date the tests and demos give the reference programme.
REFERENCE_NUMBER = "05/CTPH-HKH-TĐ"
REFERENCE_DATE = date(2018, 3, 5)

_THEME = "phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập"


def _hoi_province() -> Party:
    return Party(
        org_name="Hội Khuyến học tỉnh Bến Tre",
        org_name_upper_for_header="HỘI KHUYẾN HỌC TỈNH BẾN TRE",
        authority_prefix="TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC",
        position="CHỦ TỊCH",
        signer_name="Đặng Thị Hoa",
    )


def _doan_province() -> Party:
    return Party(
        org_name="Tỉnh đoàn Bến Tre",
        org_name_upper_for_header="BCH ĐOÀN TỈNH BẾN TRE",
        authority_prefix="TM. BAN THƯỜNG VỤ TỈNH ĐOÀN",
        position="PHÓ BÍ THƯ",
        signer_name="Lâm Như Quỳnh",
    )


def reference_fields() -> ProgrammeFields:
    """The Bến Tre 2018–2020 province programme, exactly as the reference text reads."""
    return ProgrammeFields(
        doc_type="CHƯƠNG TRÌNH",
        summary=(
            "Phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập Giữa Hội Khuyến học "
            "và Đoàn TNCS Hồ Chí Minh tỉnh Bến Tre giai đoạn 2018 – 2020"
        ),
        period="2018 – 2020",
        place="Bến Tre",
        parent=ParentProgramme(
            number="40/CTPH-HKVN-ĐTNCSHCM",
            date=date(2017, 9, 19),
            parties="Hội Khuyến học Việt Nam và Trung ương Đoàn TNCS Hồ Chí Minh",
            subject=f"{_THEME} giai đoạn 2017 – 2020",
        ),
        preamble=(
            "Ban Thường vụ Tỉnh đoàn phối hợp Hội khuyến học tỉnh Bến Tre xây dựng chương trình "
            f"{_THEME} giai đoạn 2018 – 2020, cụ thể như sau:"
        ),
        purposes=(
            "Tăng cường sự phối hợp giữa Hội Khuyến học và Đoàn thanh niên trong việc thực hiện công tác "
            "khuyến học, khuyến tài, xây dựng xã hội học tập góp phần hoàn thành các chỉ tiêu của Quyết định "
            "89/QĐ-TTg “Xây dựng xã hội học tập giai đoạn 2012 – 2020”.",
            "Phát huy vai trò nòng cốt của Hội Khuyến học trong liên kết, phối hợp, thúc đẩy các tổ chức, "
            "lực lượng xã hội đẩy mạnh khuyến học, khuyến tài, xây dựng xã hội học tập theo Chỉ thị 11-CT/TW "
            "của Bộ Chính trị về tăng cường sự lãnh đạo của Đảng đối với công tác khuyến học, khuyến tài, xây "
            "dựng xã hội học tập.",
        ),
        requirements=(
            "Gắn việc triển khai tổ chức các phong trào và các cuộc vận động lớn của Đoàn giai đoạn 2018 – "
            "2020 với các hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập. Phong trào phải được "
            "triển khai sâu rộng thiết thực và hiệu quả, tránh hình thức.",
            "Chủ động triển khai các nhiệm vụ theo chương trình phối hợp hoạt động hàng năm, tổ chức sơ kết, "
            "tổng kết kịp thời, đề ra phương hướng nhiệm vụ phù hợp với yêu cầu thực tiễn.",
        ),
        contents=(
            "Đoàn TNCS Hồ Chí Minh tích cực tổ chức các hoạt động tuyên truyền về khuyến học, khuyến tài, xây "
            "dựng xã hội học tập trên các phương tiện truyền thông của Đoàn Thanh niên (báo, đài, website,...). "
            "Hội Khuyến học có trách nhiệm cung cấp tài liệu về khuyến học, khuyến tài, xây dựng xã hội học tập "
            "để Đoàn làm tốt nhiệm vụ truyền thông.\n"
            "Hội khuyến học tổ chức, lồng ghép các hoạt động tuyên truyền về học tập suốt đời, xây dựng xã hội "
            "học tập trong thanh thiếu nhi và các hoạt động của Đoàn Thanh niên tổ chức thông qua mạng lưới Hội "
            "các cấp.",
            "Đoàn Thanh niên vận động đoàn viên, thanh niên tích cực tham gia xây dựng các mô hình “Gia đình học "
            "tập”, “Dòng họ học tập”, “Cộng đồng học tập” tại nơi mình cư trú và công tác, góp phần phát triển "
            "hội viên Hội khuyến học và các tổ chức Hội khuyến học cơ sở. Xây dựng cơ quan Tỉnh đoàn trở thành "
            "đơn vị học tập; thành lập Ban Khuyến học trong các cơ quan, đơn vị trực thuộc hệ thống Đoàn các cấp.",
            "Đoàn Thanh niên các cấp nâng cao chất lượng hoạt động các quỹ khuyến học, khuyến tài; quan tâm công "
            "tác củng cố, xây dựng quỹ khuyến học, khuyến tài, vận động các nguồn lực, học bổng, học phẩm nhằm "
            "động viên khuyến khích thanh thiếu nhi học tập suốt đời, góp phần xây dựng xã hội học tập, tạo nguồn "
            "nhân lực cao cho đất nước.",
            "Đoàn Thanh niên gắn việc trao các giải thưởng, danh hiệu trong thanh thiếu nhi trên các lĩnh vực hàng "
            "năm với việc phát hiện, tôn vinh gương điển hình tiêu biểu trong học tập, làm kinh tế giỏi tự học "
            "thành tài. Phát hiện những thanh niên tự học thành tài đề nghị Hội Khuyến học xem xét, tôn vinh "
            "“Nhân tài khuyến học” trao thưởng hàng năm.",
            "Nâng cao chất lượng các hoạt động khuyến học, khuyến tài, tạo môi trường khuyến khích cán bộ cơ quan "
            "và con em cán bộ cơ quan Tỉnh đoàn không ngừng học tập, nâng cao trình độ chuyên môn nghiệp vụ.",
        ),
        responsibilities=(
            Responsibility(heading="Cấp tỉnh", items=(
                "Xây dựng chương trình phối hợp cấp tỉnh, triển khai chỉ đạo các đơn vị trực thuộc thực hiện "
                "chương trình phối hợp này.",
                "Giao cho Ban Phong trào – Hội khuyến học tỉnh và Ban Thanh thiếu nhi trường học Tỉnh đoàn làm "
                "thường trực giúp hai cơ quan trong việc xây dựng, đôn đốc, triển khai việc thực hiện chương "
                "trình phối hợp.",
                "Định kỳ hàng năm, căn cứ vào nhiệm vụ hai cơ quan xây dựng kế hoạch thực hiện, tổ chức đánh giá "
                "kết quả thực hiện và đề ra phương hướng nhiệm vụ cho năm tiếp theo và triển khai trong toàn hệ "
                "thống.",
            )),
            Responsibility(heading="Cấp Huyện, Thành đoàn", items=(
                "Xây dựng chương trình phối hợp, ký kết thực hiện cấp huyện, thành phố hàng năm. Chỉ đạo cấp cơ "
                "sở xây dựng chương trình phối hợp và ký kết tại cơ sở.",
                "Hàng năm, xây dựng báo cáo thực hiện chương trình phối hợp giữa hai ngành, gửi về Ban Thường vụ "
                "Tỉnh đoàn qua Ban Thanh thiếu nhi trường học **chậm nhất vào ngày 15/11 hàng năm.**",
            )),
        ),
        closing=(
            "Trên đây là chương trình phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập Giữa "
            "Hội khuyến học và Đoàn TNCS Hồ Chí Minh tỉnh Bến Tre giai đoạn 2018 – 2020."
        ),
        # The preamble makes Tỉnh đoàn the drafting (lead) party; the reference signs Hội Khuyến
        # học on the left, and the brief's symbol "CTPH-HKH-TĐ" lists it first, so it leads the
        # header too.
        party_a=_doan_province(),
        party_b=_hoi_province(),
        lead_left_in_header=False,
        lead_left_in_signatures=False,
        recipients=(
            "Ban TNTH TW", "Ban Phong trào Hội khuyến học Việt Nam", "Thường trực Tỉnh ủy", "VP Tỉnh ủy",
            "Ban dân vận Tỉnh ủy", "Hội Khuyến học tỉnh", "Ban Thường vụ Tỉnh đoàn", "Ban TTNTN Tỉnh đoàn",
            "Ban Thường vụ các Huyện, Thành đoàn",
        ),
        archive="Lưu VT.",
        report_deadline="15/11",
        report_to="Ban Thường vụ Tỉnh đoàn qua Ban Thanh thiếu nhi trường học",
        type_abbr="CTPH",
        org_abbrs=("HKH", "TĐ"),
    )


def reference_parent() -> ParentProgramme:
    """The province programme as a district programme cites it."""
    return ParentProgramme(
        number=REFERENCE_NUMBER,
        date=REFERENCE_DATE,
        parties="Hội Khuyến học tỉnh Bến Tre và Tỉnh đoàn Bến Tre",
        subject=f"{_THEME} giai đoạn 2018 – 2020",
    )


def demo_district_fields(district_name: str = "huyện Châu Thành",
                         parent: ParentProgramme | None = None) -> ProgrammeFields:
    """The demo district programme: the model text with demo signers (tests, demo data only)."""
    base = unit_programme_fields(district_name, parent)
    return replace(base, party_a=replace(base.party_a, signer_name="Nguyễn Văn An"),
                   party_b=replace(base.party_b, signer_name="Trần Thị Bình"))


def unit_programme_fields(district_name: str, parent: ParentProgramme | None = None,
                          period: str = "2018 – 2020") -> ProgrammeFields:
    """The model text of a district/city programme implementing the province one, for ``period``.

    Signer names are left empty: the clerk (or the cascade, from the chairs' accounts) fills them.
    """
    parent = parent or reference_parent()
    unit = district_name.strip()
    upper = unit.upper()
    # The place line uses the bare name: "Châu Thành, ngày …".
    place = unit.split(" ", 1)[1] if unit.split(" ", 1)[0].lower() == "huyện" else unit.removeprefix("thành phố ")
    is_city = unit.lower().startswith("thành phố")
    doan_short = "Thành đoàn" if is_city else "Huyện đoàn"
    ref = reference_fields()
    return ProgrammeFields(
        doc_type="CHƯƠNG TRÌNH",
        summary=(
            f"Phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập giữa Hội Khuyến học và "
            f"Đoàn TNCS Hồ Chí Minh {unit} giai đoạn {period}"
        ),
        period=period,
        place=place,
        parent=parent,
        preamble=(
            f"Ban Thường vụ {doan_short} phối hợp Hội Khuyến học {unit} xây dựng chương trình {_THEME} "
            f"giai đoạn {period}, cụ thể như sau:"
        ),
        purposes=ref.purposes,
        requirements=ref.requirements,
        contents=tuple(c.replace("cơ quan Tỉnh đoàn", f"cơ quan {doan_short}") for c in ref.contents),
        responsibilities=(
            Responsibility(heading="Cấp huyện, thành phố", items=(
                "Xây dựng chương trình phối hợp cấp huyện, thành phố; triển khai chỉ đạo các cơ sở Đoàn và Hội "
                "khuyến học cơ sở thực hiện chương trình phối hợp này.",
                "Định kỳ hàng năm, căn cứ vào nhiệm vụ hai đơn vị xây dựng kế hoạch thực hiện, tổ chức đánh giá "
                "kết quả thực hiện và đề ra phương hướng nhiệm vụ cho năm tiếp theo.",
            )),
            Responsibility(heading="Cấp cơ sở", items=(
                "Xây dựng chương trình phối hợp, ký kết thực hiện tại cơ sở hàng năm.",
                f"Hàng năm, báo cáo kết quả thực hiện chương trình phối hợp về Ban Thường vụ {doan_short} "
                "**chậm nhất vào ngày 31/10 hàng năm.**",
            )),
        ),
        closing=(
            f"Trên đây là chương trình {_THEME} giữa Hội Khuyến học và Đoàn TNCS Hồ Chí Minh {unit} "
            f"giai đoạn {period}."
        ),
        party_a=Party(
            org_name=f"{doan_short} {place}", org_name_upper_for_header=f"BCH ĐOÀN {upper}",
            parent_org_name="TỈNH ĐOÀN BẾN TRE", authority_prefix=f"TM. BAN THƯỜNG VỤ {doan_short.upper()}",
            position="BÍ THƯ", signer_name="",
        ),
        party_b=Party(
            org_name=f"Hội Khuyến học {unit}", org_name_upper_for_header=f"HỘI KHUYẾN HỌC {upper}",
            parent_org_name="HỘI KHUYẾN HỌC TỈNH BẾN TRE", authority_prefix="TM. BAN THƯỜNG VỤ HỘI KHUYẾN HỌC",
            position="CHỦ TỊCH", signer_name="",
        ),
        lead_left_in_header=False,
        lead_left_in_signatures=False,
        recipients=("Ban Thường vụ Tỉnh đoàn", "Hội Khuyến học tỉnh", f"Thường trực {'Thành' if is_city else 'Huyện'} ủy",
                    f"Hội Khuyến học {unit}", "Các cơ sở Đoàn trực thuộc"),
        archive="Lưu: VT.",
        report_deadline="15/11",
        report_to="Ban Thường vụ Tỉnh đoàn và Hội Khuyến học tỉnh Bến Tre",
        type_abbr="CTPH",
        org_abbrs=("HKH", "HĐ" if not is_city else "TĐ"),
    )
