"""A broad match is counted on a second connection while the page is built (search/beside.py):
the same totals and pages as counting on the session, and never a count that misses what the
session itself wrote."""
from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.search import SearchFilters, beside
from khuyenhoc_docs.search.base import clear_cache
from khuyenhoc_docs.search.sqlite_fts import SqliteSearchIndex

from .conftest import add, make_entry, sqlite_engine


@pytest.fixture
def archive(tmp_path: Path) -> Engine:
    """40 records matching "khuyen hoc" over four years, committed, on a SQLite file."""
    engine = sqlite_engine(tmp_path / "beside.sqlite3")
    with Session(engine) as session:
        add(session, SqliteSearchIndex(), *(
            make_entry(i, body=f"Hội Khuyến học số {i}", issue_date=date(2017 + i % 4, 1 + i % 12, 1 + i % 27))
            for i in range(1, 41)))
    yield engine
    engine.dispose()


def counting_threads(engine: Engine, run) -> tuple[object, list[str]]:
    """``run()``'s result and the threads that sent a ``count(*)`` statement."""
    threads: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith("SELECT count(*)") and "LIMIT" not in statement:
            threads.append(threading.current_thread().name)

    event.listen(engine, "before_cursor_execute", record)
    try:
        return run(), threads
    finally:
        event.remove(engine, "before_cursor_execute", record)


def pages(index: SqliteSearchIndex, session: Session, filters: SearchFilters | None) -> list[tuple]:
    out = []
    for number in (1, 2, 3, 9):
        clear_cache()
        page = index.search(session, "khuyen hoc", filters, page=number, per_page=8)
        out.append((page.total, page.ranked, [(h.kind, h.document_id, h.score, h.snippet_html) for h in page.hits]))
    return out


@pytest.mark.parametrize(("filters", "total"), [(None, 40), (SearchFilters(year=2019), 10),
                                               (SearchFilters(level_code="tinh", status="issued"), 40)])
def test_a_broad_count_runs_beside_the_page_with_the_same_results(archive: Engine, filters, total: int) -> None:
    index = SqliteSearchIndex(rank_limit=5)
    with Session(archive) as session:
        got, threads = counting_threads(archive, lambda: pages(index, session, filters))
    with archive.connect() as conn, Session(bind=conn) as bound:  # one connection: counted on it
        assert beside.engine_for(bound) is None
        want, serial = counting_threads(archive, lambda: pages(index, bound, filters))
    assert got == want
    assert got[0][0] == total and not got[0][1] and len(got[0][2]) == 8 and got[-1][2] == []
    assert threads and all(name.startswith("search-count") for name in threads)
    assert serial and not any(name.startswith("search-count") for name in serial)


def test_a_match_within_the_rank_limit_is_counted_once_and_ranked(archive: Engine) -> None:
    index = SqliteSearchIndex(rank_limit=100)
    with Session(archive) as session:
        clear_cache()
        page, threads = counting_threads(archive, lambda: index.search(session, "khuyen hoc"))
    assert page.total == 40 and page.ranked and threads == []


def test_what_the_session_wrote_is_counted_though_no_other_connection_sees_it(archive: Engine) -> None:
    index = SqliteSearchIndex(rank_limit=5)
    with Session(archive) as session:
        for i in range(41, 46):
            index.index_document(session, make_entry(i, body="khuyến học mới", issue_date=date(2024, 1, i - 40)))
        clear_cache()
        page, threads = counting_threads(archive, lambda: index.search(session, "khuyen hoc", per_page=3))
        assert page.total == 45 and [h.document_id for h in page.hits] == [45, 44, 43]
        assert threads and threads[-1] == threading.current_thread().name  # counted again on the session
        clear_cache()
        year = index.search(session, "khuyen hoc", SearchFilters(year=2024), per_page=2)
        assert year.total == 5
        session.rollback()
    with Session(archive) as session:
        clear_cache()
        assert index.search(session, "khuyen hoc").total == 40


def test_only_engines_handing_out_separate_connections_count_beside(tmp_path: Path) -> None:
    memory = make_engine("sqlite://")
    file_engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        assert beside.engine_for(Session(memory)) is None
        assert beside.engine_for(Session(file_engine)) is file_engine
        with file_engine.connect() as conn:
            assert beside.engine_for(Session(bind=conn)) is None
    finally:
        memory.dispose()
        file_engine.dispose()
