"""Search benchmark: SQLite FTS5 and PostgreSQL FTS vs a naive LIKE scan.

    .venv/bin/python bench/search_bench.py [--n 100000] [--runs 5] [--like-runs 2] [--json PATH]

Generates N realistic Vietnamese records (sentences of the Bến Tre joint programme
in /work/shared/reference, varied with provinces, districts, communes, people,
years and numbers, plus generated activity sentences), indexes them through
``SearchIndex.index_document`` on SQLite (temp file) and on PostgreSQL (its own
throwaway ``PostgresServer``), then times ~20 realistic queries end to end
(``search()``: count + page of 20 + snippets; each query's first run, with nothing kept, apart from
the repeated runs, which the index may answer from results kept under its generation) beside a naive
``title LIKE '%word%' OR body LIKE '%word%'`` scan per word over the same rows,
with the same filters, count + page of 20. Rerunnable: everything lives in
temp dirs that are removed at the end. Same seed → same records on both engines.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, and_, func, or_, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from khuyenhoc_docs.db import make_engine  # noqa: E402
from khuyenhoc_docs.search import (  # noqa: E402
    SearchEntry,
    SearchFilters,
    SearchIndex,
    schema,  # noqa: E402
    search_index_for,
)
from khuyenhoc_docs.search.base import SqlSearchIndex, clear_cache  # noqa: E402
from khuyenhoc_docs.search.filters import filter_conditions  # noqa: E402
from khuyenhoc_docs.search.text import tokenize  # noqa: E402
from tests.services.postgres import PostgresServer  # noqa: E402

REFERENCE = next(
    (p for p in (Path(__file__).resolve().parents[2] / "shared/reference/ctph-ben-tre-2018-2020.txt",
                 Path("/work/shared/reference/ctph-ben-tre-2018-2020.txt")) if p.exists()),
    Path("../shared/reference/ctph-ben-tre-2018-2020.txt"),
)  # shared/ sits beside the checkout (CI: a copy beside the clone)
PROVINCES = ["Bến Tre", "Trà Vinh", "Vĩnh Long", "Tiền Giang", "Long An", "Đồng Tháp", "An Giang",
             "Cần Thơ", "Sóc Trăng", "Bạc Liêu", "Cà Mau", "Kiên Giang", "Hậu Giang", "Đắk Lắk"]
DISTRICTS = ["Ba Tri", "Bình Đại", "Châu Thành", "Chợ Lách", "Giồng Trôm", "Mỏ Cày Bắc", "Mỏ Cày Nam",
             "Thạnh Phú", "Càng Long", "Cầu Kè", "Tiểu Cần", "Trà Ôn", "Long Hồ", "Cái Bè", "Gò Công"]
COMMUNES = ["An Hiệp", "Phú Túc", "Tân Thạch", "Hữu Định", "Sơn Đông", "Mỹ Thạnh An", "Phước Long",
            "Đa Phước Hội", "Thành Thới", "Hương Mỹ", "Long Hòa", "Vĩnh Thành", "Định Trung", "Lương Quới"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Lâm", "Dương", "Trương"]
MIDDLE = ["Văn", "Thị", "Minh", "Hoàng", "Ngọc", "Thanh", "Đức", "Như", "Kim", "Quốc"]
GIVEN = ["An", "Bình", "Hoa", "Quỳnh", "Dũng", "Hùng", "Lan", "Tâm", "Phúc", "Thảo", "Nghĩa", "Trí", "Vy"]
ACTIVITIES = [
    "{org} {place} trao {k} suất học bổng cho học sinh nghèo vượt khó năm {y}.",
    "Tổ chức hội thi tìm hiểu về xây dựng xã hội học tập tại {place} với {k} đoàn viên tham gia.",
    "Công nhận {k} danh hiệu Gia đình học tập, Dòng họ học tập tại {place} năm {y}.",
    "Quỹ khuyến học {place} vận động được {k} triệu đồng trong năm {y}.",
    "Đồng chí {person} trình bày báo cáo sơ kết chương trình phối hợp giai đoạn {y} – {y2}.",
    "Thành lập {k} Ban Khuyến học trong các chi đoàn trực thuộc {place}.",
    "Phối hợp mở {k} lớp tin học, ngoại ngữ cho thanh niên công nhân tại {place}.",
    "Tuyên dương {k} gương thanh niên tự học thành tài, làm kinh tế giỏi ở {place}.",
]
TITLES = [
    "Chương trình phối hợp hoạt động khuyến học, khuyến tài {place} giai đoạn {y} – {y2}",
    "Kế hoạch thực hiện chương trình phối hợp xây dựng xã hội học tập năm {y} tại {place}",
    "Báo cáo sơ kết công tác khuyến học, khuyến tài {place} năm {y}",
    "Thông báo kết quả trao học bổng khuyến học {place} năm {y}",
    "Quyết định khen thưởng gương tự học thành tài {place} năm {y}",
]
LEVELS = ["trung_uong", "tinh", "huyen", "xa"]
STATUSES = ["draft", "awaiting_signatures", "signed", "issued", "issued", "issued"]
KINDS = ["CTPH-HKH-ĐTN", "KH-HKH", "BC-ĐTN", "TB-HKH", "QĐ-HKH"]

# ~20 realistic queries: (label, query, filters)
QUERIES: list[tuple[str, SearchFilters | None]] = [
    ("khuyen hoc", None),
    ("khuyến học khuyến tài", None),
    ("gia dinh hoc tap", None),
    ("Dòng họ học tập", None),
    ("xã hội học tập", SearchFilters(year=2019)),
    ("doan thanh nien", None),
    ("học bổng học sinh nghèo", None),
    ("Ban Thường vụ Tỉnh đoàn", None),
    ("tuyen truyen", SearchFilters(level_code="huyen")),
    ("sơ kết", SearchFilters(status="issued", year=2021)),
    ("Mỏ Cày Bắc", None),
    ("chau thanh", SearchFilters(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))),
    ("quỹ khuyến học triệu đồng", None),
    ("tin học ngoại ngữ", SearchFilters(organisation_ids=frozenset(range(1, 40)))),
    ("hoc tap suot doi", None),
    ("Lâm Như Quỳnh", None),
    ("Đa Phước Hội", None),
    ("chỉ thị 11", None),
    ("phat hien ton vinh nhan tai", None),
    ("thanh lap ban khuyen hoc", SearchFilters(signer="nguyen van")),
]


def sentence_pool() -> list[str]:
    text_ = REFERENCE.read_text(encoding="utf-8").replace("**", "")
    parts = re.split(r"(?<=[.;:])\s+|\n+", text_)
    return [p.strip() for p in parts if len(p.split()) >= 4]


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def records(n: int, seed: int) -> Iterator[SearchEntry]:
    """N deterministic records (same seed → same records)."""
    rng = random.Random(seed)
    pool = sentence_pool()
    for doc_id in range(1, n + 1):
        year = rng.randint(2015, 2024)
        province, district = rng.choice(PROVINCES), rng.choice(DISTRICTS)
        place = rng.choice([f"tỉnh {province}", f"huyện {district}", f"xã {rng.choice(COMMUNES)}"])
        fmt = {"place": place, "y": year, "y2": year + rng.randint(1, 3), "k": rng.randint(2, 500),
               "org": rng.choice(["Hội Khuyến học", "Đoàn Thanh niên", "Tỉnh đoàn", "Huyện đoàn"])}
        sentences = []
        for _ in range(rng.randint(20, 45)):
            if rng.random() < 0.3:
                sentences.append(rng.choice(ACTIVITIES).format(person=person(rng), **fmt))
            else:
                s = rng.choice(pool).replace("Bến Tre", province).replace("2018 – 2020", f"{year} – {year + 2}")
                sentences.append(s)
        signers = tuple(person(rng) for _ in range(rng.randint(1, 2)))
        issue = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        yield SearchEntry(
            document_id=doc_id,
            doc_number=f"{rng.randint(1, 400)}/{rng.choice(KINDS)}",
            title=rng.choice(TITLES).format(**fmt),
            body=" ".join(sentences) + "\n" + "\n".join(signers),
            year=year,
            level_code=rng.choice(LEVELS),
            organisation_ids=tuple(sorted(rng.sample(range(1, 400), rng.randint(1, 3)))),
            signer_names=signers,
            status=rng.choice(STATUSES),
            issue_date=issue if rng.random() > 0.05 else None,
        )


def load(engine: Engine, n: int, seed: int, batch: int = 1000) -> float:
    """Index N records through the public API; returns seconds."""
    index = search_index_for(engine)
    start = time.perf_counter()
    with Session(engine) as session:
        for i, entry in enumerate(records(n, seed), 1):
            index.index_document(session, entry)
            if i % batch == 0:
                session.commit()
            if i % 20_000 == 0:
                print(f"  … {i} records, {time.perf_counter() - start:.0f} s", flush=True)
        session.commit()
    return time.perf_counter() - start


def like_search(session: Session, query: str, filters: SearchFilters | None) -> int:
    """What a straightforward implementation does: LIKE '%word%' per word on title or body.

    Plain LIKE on both engines (ILIKE on PostgreSQL is several times slower); SQLite's LIKE
    ignores ASCII case only, PostgreSQL's none. Neither ignores diacritics: the hit
    counts show what that costs ("khuyen hoc" finds nothing).
    """
    t = schema.search_entries.c
    words_ = [or_(t.title.like(f"%{w}%"), t.body.like(f"%{w}%")) for w in query.split()]
    where = and_(*words_, *filter_conditions(filters or SearchFilters()))
    total = session.execute(select(func.count()).select_from(schema.search_entries).where(where)).scalar_one()
    session.execute(select(t.document_id, t.title, t.body).where(where)
                    .order_by(t.issue_date.desc().nulls_last(), t.document_id.desc()).limit(20)).all()
    return total


def timed(fn: Callable[[], int], runs: int, warmup: bool = True) -> tuple[list[float], int, float]:
    """Milliseconds of ``runs`` calls (after one warm-up call), fn's result, and the warm-up's milliseconds."""
    start = time.perf_counter()
    result = fn() if warmup else 0
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result, first


def engine_floor_ms(index: SearchIndex, session: Session, query: str, runs: int = 3) -> float:
    """The least an exact ``total`` costs on this engine: its own count of the query's match (no
    filters, page, rank or snippets; the statement ``search()`` runs for an unfiltered total, with
    its planner settings), fastest of ``runs``. Any search that reports an exact total of an
    unfiltered query through this index does at least this much work."""
    if not isinstance(index, SqlSearchIndex):
        raise TypeError(f"no engine count for {type(index).__name__}")
    statement = index._count_matching(tokenize(query), [])  # noqa: SLF001 (the bench measures the engine under it)
    times = []
    for _ in range(runs):
        with index._tuned(session):  # noqa: SLF001
            start = time.perf_counter()
            session.execute(statement).scalar_one()
            times.append((time.perf_counter() - start) * 1000)
    session.rollback()
    return min(times)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def build_archive(engine: Engine, n: int, seed: int) -> float:
    """Create the search schema on ``engine``, index ``n`` records, analyse; seconds spent indexing."""
    with engine.begin() as conn:
        schema.create(lambda sql: conn.execute(text(sql)), engine.dialect.name)
    seconds = load(engine, n, seed)
    print(f"{engine.dialect.name}: indexed {n} records in {seconds:.1f} s ({n / seconds:.0f} records/s)", flush=True)
    if engine.dialect.name == "postgresql":
        # Autovacuum would do this in production: merge the GIN pending list, refresh statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE search_entries"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return seconds


def bench_engine(name: str, engine: Engine, args: argparse.Namespace) -> dict:
    seconds = build_archive(engine, args.n, args.seed)
    index = search_index_for(engine)
    clear_cache()  # the first run of each query finds nothing kept
    per_query = []
    with Session(engine) as session:
        for query, filters in QUERIES:
            fts_times, fts_total, fts_first = timed(lambda q=query, f=filters: index.search(session, q, f).total, args.runs)
            # No warm-up for the scans: the full-text runs just read the same table.
            like_times, like_total, _ = timed(lambda q=query, f=filters: like_search(session, q, f), args.like_runs, False)
            floor = None if filters is not None else engine_floor_ms(index, session, query)
            per_query.append({"query": query, "filters": filters is not None, "fts_first_ms": fts_first,
                              "fts_ms": fts_times, "fts_total": fts_total, "floor_ms": floor,
                              "like_ms": like_times, "like_total": like_total})
            print(f"  {query!r:<34} fts first {fts_first:8.1f} ms, then {statistics.median(fts_times):8.1f} ms"
                  f" ({fts_total:>6} hits)"
                  + (f"   engine's count {floor:7.1f} ms" if floor is not None else "   (filtered)")
                  + f"   like {statistics.median(like_times):8.1f} ms ({like_total:>6} hits)", flush=True)
    return {"engine": name, "index_seconds": seconds, "queries": per_query}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (full-text)")
    parser.add_argument("--like-runs", type=int, default=2, help="timed runs per query (LIKE scan, >= 1)")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        if "sqlite" in args.engines:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
            results.append(bench_engine("sqlite", engine, args))
            engine.dispose()
        if "postgresql" in args.engines:
            server = PostgresServer().start()
            try:
                engine = make_engine(server.create_database())
                results.append(bench_engine("postgresql", engine, args))
                engine.dispose()
            finally:
                server.stop()

    print(f"\nN = {args.n} records, {len(QUERIES)} queries; full-text = search() end to end "
          f"(count + page of 20 + snippets), {args.runs} runs/query after a first run; LIKE = naive scan, "
          f"{args.like_runs} runs/query")
    print(f"{'engine':<11} {'method':<22} {'median ms':>10} {'p95 ms':>10} {'index rec/s':>12}")
    print("-" * 69)
    for r in results:
        fts = [t for q in r["queries"] for t in q["fts_ms"]]
        like = [t for q in r["queries"] for t in q["like_ms"]]
        method = "FTS5 bm25" if r["engine"] == "sqlite" else "tsvector/GIN ts_rank"
        rate = args.n / r["index_seconds"]
        first = [q["fts_first_ms"] for q in r["queries"]]
        floors = [q["floor_ms"] for q in r["queries"] if q["floor_ms"] is not None]
        print(f"{r['engine']:<11} {method:<22} {statistics.median(fts):>10.1f} {p95(fts):>10.1f} {rate:>12.0f}")
        print(f"{r['engine']:<11} {'  first runs':<22} {statistics.median(first):>10.1f} {p95(first):>10.1f} {'':>12}")
        print(f"{r['engine']:<11} {'  engine count only':<22} {statistics.median(floors):>10.1f} {p95(floors):>10.1f} "
              f"{'':>12}  (unfiltered queries: the engine's exact count of the match alone)")
        print(f"{r['engine']:<11} {'LIKE %…% scan':<22} {statistics.median(like):>10.1f} {p95(like):>10.1f} {'':>12}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"n": args.n, "results": results}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
