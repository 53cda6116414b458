"""Model text of a commune, ward or special-zone programme implementing the level above.

Since 1 July 2025 communes (xã), wards (phường) and special zones (đặc khu) sit directly below the
province, so the wording names the unit by its own kind and the bodies above it by their real names.
"""
from __future__ import annotations

import re

from .fields import ParentProgramme, Party, ProgrammeFields, Responsibility
from .reference import reference_fields

_THEME = "phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập"
_PREFIX = re.compile(r"^(Hội Khuyến học|Đoàn TNCS Hồ Chí Minh|Huyện đoàn|Thành đoàn|Đoàn)\s+", re.IGNORECASE)


def locality(org_name: str) -> str:
    """"Hội Khuyến học xã Tam Phước" → "xã Tam Phước"; "Đoàn phường 5" → "phường 5"."""
    return _PREFIX.sub("", org_name.strip()) or org_name.strip()


def party_committee(place: str) -> str:
    """The local Party committee a commune-level programme informs ("Thường trực Đảng ủy xã …")."""
    return f"Thường trực Đảng ủy {place}"


def grassroots_fields(place: str, parent: ParentProgramme, *, period: str, report_to: str,
                      report_deadline: str, upper_doan: str, upper_hoi: str,
                      party_a: Party, party_b: Party, org_abbrs: tuple[str, ...], date_place: str) -> ProgrammeFields:
    """Fields of the programme of ``place`` ("xã Tam Phước", "phường 5", "đặc khu Côn Đảo")."""
    ref = reference_fields()
    deadline = report_deadline or "15/11"
    return ProgrammeFields(
        doc_type="CHƯƠNG TRÌNH",
        summary=(f"Phối hợp hoạt động khuyến học, khuyến tài, xây dựng xã hội học tập giữa Hội Khuyến học và "
                 f"Đoàn TNCS Hồ Chí Minh {place} giai đoạn {period}").strip(),
        period=period,
        place=date_place,
        parent=parent,
        preamble=(f"Ban Chấp hành Đoàn {place} phối hợp Hội Khuyến học {place} xây dựng chương trình {_THEME} "
                  f"giai đoạn {period}, cụ thể như sau:"),
        purposes=ref.purposes,
        requirements=ref.requirements,
        contents=tuple(c.replace("cơ quan Tỉnh đoàn", f"Đoàn {place}") for c in ref.contents),
        responsibilities=(
            Responsibility(heading=f"Đoàn {place}", items=(
                "Chủ trì xây dựng kế hoạch hằng năm; chỉ đạo các chi đoàn trực thuộc phối hợp với chi hội khuyến "
                "học cùng địa bàn thực hiện chương trình phối hợp này.",
            )),
            Responsibility(heading=f"Hội Khuyến học {place}", items=(
                "Phối hợp xây dựng kế hoạch; chỉ đạo các chi hội, ban khuyến học thực hiện; cung cấp tài liệu về "
                "khuyến học, khuyến tài, xây dựng xã hội học tập.",
            )),
            Responsibility(heading="Chế độ báo cáo", items=(
                f"Hằng năm, hai bên đánh giá kết quả thực hiện và gửi báo cáo về {report_to} "
                f"**chậm nhất vào ngày {deadline} hằng năm.**",
            )),
        ),
        closing=f"Trên đây là chương trình {_THEME} giữa Hội Khuyến học và Đoàn TNCS Hồ Chí Minh {place} "
                f"giai đoạn {period}.".replace("  ", " "),
        party_a=party_a,
        party_b=party_b,
        lead_left_in_header=False,
        lead_left_in_signatures=False,
        recipients=(upper_doan, upper_hoi, party_committee(place), "Các chi đoàn, chi hội trực thuộc"),
        archive="Lưu: VT.",
        report_deadline=deadline,
        report_to=report_to,
        type_abbr="CTPH",
        org_abbrs=org_abbrs,
    )
