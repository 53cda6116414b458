"""DOCX→PDF benchmark: cold one-shot LibreOffice vs warm unoserver pools.

    .venv/bin/python bench/convert_bench.py [--n 20] [--json bench/out/convert_bench.json]

Converts the same realistic multi-page Vietnamese joint programme (python-docx, Times
New Roman, tables, signature block) `n` times per case and prints median / p95 latency
and throughput. Pools are started here on free ports in a temp dir and stopped at the
end; the ratio warm/cold compares medians measured in this same run.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from docx import Document  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.shared import Pt  # noqa: E402

from khuyenhoc_docs.conversion import (  # noqa: E402
    Converter,
    OneShotConverter,
    OneShotOptions,
    UnoserverConverter,
    UnoserverOptions,
)
from tests.services.converter import running_supervisor  # noqa: E402

SECTIONS = [
    ("I. MỤC ĐÍCH, YÊU CẦU", [
        "Phát huy vai trò của Hội Khuyến học tỉnh Bến Tre và Đoàn TNCS Hồ Chí Minh tỉnh Bến Tre "
        "trong việc xây dựng xã hội học tập, đẩy mạnh phong trào “Gia đình học tập”, "
        "“Dòng họ học tập”, “Cộng đồng học tập” và “Đơn vị học tập”.",
        "Nâng cao nhận thức của đoàn viên, thanh niên về học tập suốt đời; "
        "huy động nguồn lực xã hội hóa để hỗ trợ học sinh, sinh viên có hoàn cảnh khó khăn.",
    ]),
    ("II. NỘI DUNG PHỐI HỢP", [
        "Tuyên truyền, vận động đoàn viên, hội viên tích cực tham gia các mô hình học tập; "
        "phối hợp tổ chức Ngày hội khuyến học, khuyến tài ở cấp huyện, xã.",
        "Xây dựng và nhân rộng các mô hình “Tủ sách khuyến học”, “Góc học tập cho em”, "
        "“Thắp sáng ước mơ” tại các ấp, khu phố trên địa bàn tỉnh.",
        "Phối hợp vận động học bổng, tặng xe đạp, sách giáo khoa cho học sinh nghèo vượt khó; "
        "biểu dương, khen thưởng kịp thời các tập thể, cá nhân tiêu biểu.",
    ]),
    ("III. TỔ CHỨC THỰC HIỆN", [
        "Ban Thường vụ Tỉnh Đoàn chỉ đạo các cơ sở Đoàn phối hợp với Hội Khuyến học cùng cấp "
        "xây dựng kế hoạch cụ thể, định kỳ sơ kết 6 tháng, tổng kết hằng năm.",
        "Thường trực Hội Khuyến học tỉnh hướng dẫn chi hội, ban khuyến học phối hợp với chi đoàn "
        "triển khai; báo cáo kết quả về Thường trực hai bên trước ngày 15 tháng 12 hằng năm.",
    ]),
]
ACTIVITIES = [
    ("Quý I", "Ký kết và triển khai chương trình phối hợp đến cơ sở", "Văn phòng hai cơ quan"),
    ("Quý II", "Ngày hội “Gia đình học tập” cấp huyện", "Huyện Đoàn, Hội Khuyến học huyện"),
    ("Quý III", "Trao học bổng “Tiếp sức đến trường”", "Ban Thường vụ Tỉnh Đoàn"),
    ("Quý IV", "Tổng kết, biểu dương điển hình tiên tiến", "Thường trực Hội Khuyến học tỉnh"),
]


def build_programme(repeat: int = 3) -> bytes:
    """A joint programme of ~4-5 pages, shaped like the real templates."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(13)
    header = doc.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "HỘI KHUYẾN HỌC TỈNH BẾN TRE\nBAN CHẤP HÀNH TỈNH ĐOÀN BẾN TRE"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    header.cell(1, 0).text = "Số: 12/CTPH-HKH-TĐTN"
    header.cell(1, 1).text = "Bến Tre, ngày 26 tháng 3 năm 2025"
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run("CHƯƠNG TRÌNH PHỐI HỢP\nVề việc đẩy mạnh xây dựng xã hội học tập giai đoạn 2025 - 2030").bold = True
    for round_ in range(repeat):
        for heading, items in SECTIONS:
            doc.add_paragraph().add_run(heading if not round_ else f"{heading} (tiếp theo {round_})").bold = True
            for number, text in enumerate(items, 1):
                doc.add_paragraph(f"{number}. {text}").paragraph_format.first_line_indent = Pt(28)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Thời gian", "Nội dung", "Đơn vị thực hiện"), strict=False):
            cell.text = text
        for row in ACTIVITIES:
            for cell, text in zip(table.add_row().cells, row, strict=False):
                cell.text = text
    signatures = doc.add_table(rows=3, cols=2)
    for col, (org, role, name) in enumerate([
        ("TM. BAN THƯỜNG VỤ TỈNH ĐOÀN", "BÍ THƯ", "Nguyễn Thị Thu Hằng"),
        ("TM. HỘI KHUYẾN HỌC TỈNH", "CHỦ TỊCH", "Trần Văn Đức"),
    ]):
        signatures.cell(0, col).text = org
        signatures.cell(1, col).text = role + "\n\n\n\n"
        signatures.cell(2, col).text = name
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def measure(convert: Callable[[], bytes], n: int, threads: int = 1, warmup: int = 1) -> dict[str, float]:
    """Run `n` conversions over `threads` client threads; latencies in ms, docs/s."""
    for _ in range(warmup):
        convert()
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker() -> None:
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            start = time.perf_counter()
            convert()
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - started
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[18] if n > 1 else latencies[0]
    return {"median_ms": statistics.median(latencies), "p95_ms": p95, "docs_per_s": n / wall}


def pool_case(docx: bytes, instances: int, threads: int, n: int) -> tuple[dict[str, float], float]:
    started = time.perf_counter()
    with running_supervisor(instances) as supervisor:
        startup = time.perf_counter() - started
        converter: Converter = UnoserverConverter(
            UnoserverOptions(endpoints=supervisor.endpoints, fallback=None)
        )
        return measure(lambda: converter.convert(docx), n, threads, warmup=instances), startup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="conversions per case")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    docx = build_programme()
    with tempfile.TemporaryDirectory(prefix="convert-bench-") as tmp:
        oneshot = OneShotConverter(OneShotOptions(workdir=Path(tmp)))
        sample = oneshot.convert(docx)
        pdf = Path(tmp) / "sample.pdf"
        pdf.write_bytes(sample)
        pages = next(
            (line.split()[-1] for line in subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True).stdout.splitlines()
             if line.startswith("Pages:")), "?")  # fmt: skip
        print(f"document: {len(docx) / 1024:.0f} KiB DOCX -> {len(sample) / 1024:.0f} KiB PDF, {pages} pages; "
              f"n={args.n} per case", flush=True)
        rows: list[tuple[str, dict[str, float], str]] = []
        rows.append(("cold one-shot (1 thread)", measure(lambda: oneshot.convert(docx), args.n, warmup=0), ""))
        print("  cold done", flush=True)
        for instances, threads in ((1, 1), (1, 2), (2, 2)):
            result, startup = pool_case(docx, instances, threads, args.n)
            label = f"warm unoserver x{instances} ({threads} thread{'s' if threads > 1 else ''})"
            rows.append((label, result, f"pool start {startup:.1f} s"))
            print(f"  {label} done", flush=True)

    cold = rows[0][1]["median_ms"]
    width = max(len(label) for label, _, _ in rows)
    print(f"\n{'case':<{width}}  median ms   p95 ms   docs/s   median vs cold")
    print("-" * (width + 50))
    for label, result, note in rows:
        print(f"{label:<{width}}  {result['median_ms']:9.0f}  {result['p95_ms']:7.0f}  {result['docs_per_s']:7.2f}"
              f"   {result['median_ms'] / cold:8.2f}x  {note}")
    warm = rows[1][1]["median_ms"]
    print(f"\nwarm/cold median ratio (1 instance): {warm / cold:.3f}  (cold is {cold / warm:.1f}x slower)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({label: result for label, result, _ in rows}, indent=2))


if __name__ == "__main__":
    main()
