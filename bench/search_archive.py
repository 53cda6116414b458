"""A kept search-bench archive, for profiling search without re-indexing 100k records each time.

    .venv/bin/python bench/search_archive.py build --dir DIR [--n 100000] [--engines sqlite,postgresql]
    .venv/bin/python bench/search_archive.py run --dir DIR [--repeat 3] [--pages 1,2,5] [--dump PATH]

``build`` indexes the records of ``search_bench.py`` (same seed, same records) into DIR/bench.sqlite3
and a PostgreSQL cluster in DIR/pg (stopped afterwards, kept). ``run`` starts that cluster, times
each bench query's first run (``clear_cache()`` before every call) ``--repeat`` times, interleaving
the engines, prints wall and CPU milliseconds, and with ``--dump`` writes every page's hits (ids,
scores, snippets, totals) as JSON, so two versions of the code can be compared for identical
results. DIR is never removed: delete it by hand.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench.search_bench import QUERIES, build_archive, engine_floor_ms, p95  # noqa: E402
from khuyenhoc_docs.db import make_engine  # noqa: E402
from khuyenhoc_docs.search import search_index_for  # noqa: E402
from khuyenhoc_docs.search.base import clear_cache  # noqa: E402
from tests.services.postgres import PG_BIN, PostgresServer, _as_postgres, _free_port  # noqa: E402


class KeptPostgres(PostgresServer):
    """A cluster in a fixed directory that survives ``stop()``."""

    def __init__(self, root: Path) -> None:
        self.port = _free_port()
        self.root = root
        self.datadir = root / "data"
        self.started = False

    def start(self) -> KeptPostgres:
        if (self.datadir / "PG_VERSION").exists():
            subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-l",
                                         str(self.root / "log"), "-o",
                                         f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                                         "-c fsync=off -c synchronous_commit=off", "start"]),
                           check=True, capture_output=True)
            self.started = True
            return self
        self.root.mkdir(parents=True, exist_ok=True)
        super().start()
        return self

    def stop(self) -> None:
        if self.started:
            subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "stop"]),
                           capture_output=True)
            self.started = False


def build(args: argparse.Namespace) -> None:
    args.dir.mkdir(parents=True, exist_ok=True)
    if "sqlite" in args.engines:
        engine = make_engine(f"sqlite:///{args.dir / 'bench.sqlite3'}")
        build_archive(engine, args.n, args.seed)
        engine.dispose()
    if "postgresql" in args.engines:
        if os.geteuid() == 0:
            shutil.chown(args.dir, "postgres", "postgres")
        server = KeptPostgres(args.dir / "pg").start()
        try:
            subprocess.run(_as_postgres([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(server.port),
                                         "-U", "postgres", "bench"]), check=True, capture_output=True)
            engine = make_engine(server.url("bench"))
            build_archive(engine, args.n, args.seed)
            engine.dispose()
        finally:
            server.stop()


def _page_dump(page) -> dict:  # type: ignore[no-untyped-def]
    return {"total": page.total, "ranked": page.ranked,
            "hits": [[h.kind, h.document_id, h.doc_number, h.title, h.snippet_html, h.score] for h in page.hits]}


def run(args: argparse.Namespace) -> None:
    engines: dict[str, Engine] = {}
    server = None
    if "sqlite" in args.engines:
        engines["sqlite"] = make_engine(f"sqlite:///{args.dir / 'bench.sqlite3'}")
    if "postgresql" in args.engines:
        server = KeptPostgres(args.dir / "pg").start()
        engines["postgresql"] = make_engine(server.url("bench"))
    pages = [int(p) for p in args.pages.split(",")]
    wall: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    dump: dict[str, dict] = {}
    try:
        sessions = {name: Session(engine) for name, engine in engines.items()}
        indexes = {name: search_index_for(engine) for name, engine in engines.items()}
        for name, session in sessions.items():  # connect, load the schema: not part of any query
            indexes[name].search(session, "khởi động")
        for _ in range(args.repeat):
            for i, (query, filters) in enumerate(QUERIES):
                for name, session in sessions.items():
                    clear_cache()
                    w, c = time.perf_counter(), time.process_time()
                    page = indexes[name].search(session, query, filters)
                    wall.setdefault((name, i), []).append((time.perf_counter() - w) * 1000)
                    cpu.setdefault((name, i), []).append((time.process_time() - c) * 1000)
                    if args.dump and _ == 0:
                        dump[f"{name}|{i}|1"] = _page_dump(page)
                        for p in pages:
                            if p != 1:
                                clear_cache()
                                dump[f"{name}|{i}|{p}"] = _page_dump(indexes[name].search(session, query, filters, page=p))
        floors = {(name, i): engine_floor_ms(indexes[name], sessions[name], query)
                  for name in engines for i, (query, filters) in enumerate(QUERIES) if filters is None}
        for name in engines:
            print(f"{name}: first-run ms (median of {args.repeat}; wall / client CPU; "
                  "the engine's count of an unfiltered match alone)")
            meds = []
            for i, (query, _filters) in enumerate(QUERIES):
                m = statistics.median(wall[(name, i)])
                meds.append(m)
                floor = f"count {floors[(name, i)]:6.1f}" if (name, i) in floors else "  [filtered]"
                print(f"  {query!r:<34} {m:8.1f} / {statistics.median(cpu[(name, i)]):6.1f}   {floor}"
                      f"   runs {' '.join(f'{t:.1f}' for t in wall[(name, i)])}")
            own = [v for (n, _i), v in floors.items() if n == name]
            print(f"  median {statistics.median(meds):.1f} ms, p95 {p95(meds):.1f} ms, max {max(meds):.1f} ms; "
                  f"engine's count alone: median {statistics.median(own):.1f} ms, p95 {p95(own):.1f} ms")
        for s in sessions.values():
            s.close()
    finally:
        for engine in engines.values():
            engine.dispose()
        if server is not None:
            server.stop()
    if args.dump:
        args.dump.write_text(json.dumps(dump, ensure_ascii=False, indent=0, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["build", "run"])
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default="1,2,5")
    parser.add_argument("--dump", type=Path, default=None)
    args = parser.parse_args()
    build(args) if args.command == "build" else run(args)


if __name__ == "__main__":
    main()
