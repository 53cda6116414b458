"""A broad match is counted on a second connection while the page is built (search/beside.py):
the same totals and pages as counting on the session, and never a count that misses what the
session itself wrote."""
from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.search import SearchFilters, SearchIndex, base, beside, search_index_for
from khuyenhoc_docs.search.base import clear_cache
from khuyenhoc_docs.search.postgres_fts import PostgresSearchIndex

from .conftest import add, make_entry


@pytest.fixture
def archive(engine: Engine) -> Engine:
    """40 records matching "khuyen hoc" over four years, committed (SQLite file, PostgreSQL)."""
    with Session(engine) as session:
        add(session, search_index_for(engine), *(
            make_entry(i, body=f"Hội Khuyến học số {i}", issue_date=date(2017 + i % 4, 1 + i % 12, 1 + i % 27))
            for i in range(1, 41)))
    if engine.dialect.name == "postgresql":  # the planner's estimate decides whether to count beside
        with engine.begin() as conn:
            conn.execute(text("ANALYZE search_entries"))
    return engine


def counting_threads(engine: Engine, run, log: list[tuple[str, str]] | None = None) -> tuple[object, list[str]]:
    """``run()``'s result and the threads that sent a ``count(*)`` statement (``log``: every
    statement with its thread)."""
    threads: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if log is not None:
            log.append((threading.current_thread().name, statement))
        if statement.startswith("SELECT count(*)") and "LIMIT" not in statement and "OVER" not in statement:
            threads.append(threading.current_thread().name)

    event.listen(engine, "before_cursor_execute", record)
    try:
        return run(), threads
    finally:
        event.remove(engine, "before_cursor_execute", record)


def broad_limit(engine: Engine) -> int:
    """A rank limit under which this archive's match counts as broad. PostgreSQL guesses from the
    planner's estimate, which for 40 records is a row or two: only a limit of 0 is below it."""
    return 5 if engine.dialect.name == "sqlite" else 0


def pages(index: SearchIndex, session: Session, filters: SearchFilters | None) -> list[tuple]:
    out = []
    for number in (1, 2, 3, 9):
        clear_cache()
        page = index.search(session, "khuyen hoc", filters, page=number, per_page=8)
        out.append((page.total, page.ranked, [(h.kind, h.document_id, h.score, h.snippet_html) for h in page.hits]))
    return out


@pytest.mark.parametrize(("filters", "total"), [(None, 40), (SearchFilters(year=2019), 10),
                                               (SearchFilters(level_code="tinh", status="issued"), 40)])
def test_a_broad_count_runs_beside_the_page_with_the_same_results(archive: Engine, filters, total: int) -> None:
    index = type(search_index_for(archive))(rank_limit=broad_limit(archive))
    with Session(archive) as session:
        got, threads = counting_threads(archive, lambda: pages(index, session, filters))
    with archive.connect() as conn, Session(bind=conn) as bound:  # one connection: counted on it
        assert beside.engine_for(bound) is None
        want, serial = counting_threads(archive, lambda: pages(index, bound, filters))
    assert got == want
    assert got[0][0] == total and not got[0][1] and len(got[0][2]) == 8 and got[-1][2] == []
    # PostgreSQL counts a filtered match in the page's own statement (count(*) OVER ()).
    if archive.dialect.name == "sqlite" or filters is None:
        assert threads and all(name.startswith("search-count") for name in threads)
    assert not any(name.startswith("search-count") for name in serial)


def test_a_match_within_the_rank_limit_is_counted_once_and_ranked(archive: Engine) -> None:
    index = type(search_index_for(archive))(rank_limit=100)
    with Session(archive) as session:
        clear_cache()
        page, threads = counting_threads(archive, lambda: index.search(session, "khuyen hoc"))
    assert page.total == 40 and page.ranked
    assert not any(name.startswith("search-count") for name in threads)


def test_fewer_matches_than_the_planner_expected_are_ranked_after_all(archive: Engine, monkeypatch) -> None:
    """A wrong guess (PostgreSQL's estimate) costs time, never the order: the page is ranked."""
    index = type(search_index_for(archive))(rank_limit=100)
    with archive.connect() as conn, Session(bind=conn) as bound:
        clear_cache()
        want = index.search(bound, "khuyen hoc", per_page=7)
    monkeypatch.setattr(index, "_expects_many", lambda *args: True)
    monkeypatch.setattr(index, "_capped_count", lambda *args: None)
    with Session(archive) as session:
        clear_cache()
        got, threads = counting_threads(archive, lambda: index.search(session, "khuyen hoc", per_page=7))
    assert got == want and got.ranked and got.total == 40
    assert any(name.startswith("search-count") for name in threads)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgres_counts_beside_with_the_sessions_planner_settings(archive: Engine) -> None:
    index = PostgresSearchIndex(rank_limit=broad_limit(archive))
    log: list[tuple[str, str]] = []
    with Session(archive) as session:
        clear_cache()
        page, threads = counting_threads(archive, lambda: index.search(session, "khuyen hoc"), log)
    assert page.total == 40 and threads and threads[0].startswith("search-count")
    helper = [statement for name, statement in log if name == threads[0]]
    settings = [i for i, st in enumerate(helper) if "set_config('enable_seqscan', 'off', true)" in st]
    counts = [i for i, st in enumerate(helper) if st.startswith("SELECT count(*)")]
    assert settings and counts and settings[0] < counts[0]


def test_what_the_session_wrote_is_counted_though_no_other_connection_sees_it(archive: Engine) -> None:
    index = type(search_index_for(archive))(rank_limit=broad_limit(archive))
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


@pytest.fixture
def ranked_archive(engine: Engine) -> Engine:
    """60 records ranking differently for "khuyen hoc" (ties among them), over three years."""
    bodies = ["khuyến học", "khuyến học khuyến học vì học tập", "học tập suốt đời, khuyến học", "khuyến học"]
    with Session(engine) as session:
        add(session, search_index_for(engine), *(
            make_entry(i, body=bodies[i % 4] + " lời" * (i % 3), issue_date=date(2018 + i % 3, 1 + i % 12, 1 + i % 9))
            for i in range(1, 61)))
    return engine


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("filters", [SearchFilters(year=2019), SearchFilters(status="issued")])
def test_a_listed_ranked_match_is_scored_in_two_halves_with_the_same_page(ranked_archive: Engine, filters,
                                                                          monkeypatch) -> None:
    """PostgreSQL scores the listed matches of a filtered search half on a second connection."""
    index = PostgresSearchIndex(rank_limit=100)
    want = []
    with ranked_archive.connect() as conn, Session(bind=conn) as bound:
        for number in (1, 2, 3):
            clear_cache()
            want.append(index.search(bound, "khuyen hoc", filters, page=number, per_page=7))
    monkeypatch.setattr(base, "SPLIT_RANKED_ROWS", 4)
    log: list[tuple[str, str]] = []
    got = []
    with Session(ranked_archive) as session:
        for number in (1, 2, 3):
            clear_cache()
            got.append(counting_threads(ranked_archive, lambda n=number: index.search(
                session, "khuyen hoc", filters, page=n, per_page=7), log)[0])
    assert got == want and all(page.ranked for page in got) and got[0].total > 14
    assert len({h.score for page in got for h in page.hits}) > 1  # differently ranked, and ties among them
    assert any(name.startswith("search-count") and "ts_rank" in statement for name, statement in log)


def test_the_setting_keeps_searches_to_the_session(tmp_path: Path) -> None:
    from khuyenhoc_docs.config import load_settings
    from tests.conftest import make_app

    assert load_settings({"KHD_SEARCH_PARALLEL": "false"}).search_parallel is False
    assert load_settings({}).search_parallel is True
    kept = make_app(tmp_path / "kept", search_parallel=False)
    with kept.extensions["khd.sessions"]() as session:
        assert beside.engine_for(session) is None
    default = make_app(tmp_path / "default")
    with default.extensions["khd.sessions"]() as session:
        assert beside.engine_for(session) is default.extensions["khd.engine"]


def test_a_second_connection_that_fails_leaves_the_search_to_the_session(archive: Engine, monkeypatch) -> None:
    """A real failure on the second connection (its database unreachable): the search answers
    from the session, with the same results."""
    index = type(search_index_for(archive))(rank_limit=broad_limit(archive))
    with archive.connect() as conn, Session(bind=conn) as bound:
        clear_cache()
        want = index.search(bound, "khuyen hoc", per_page=5)
    if archive.dialect.name == "sqlite":
        broken = make_engine(f"sqlite:///{Path(archive.url.database).parent / 'missing' / 'x.sqlite3'}")
    else:
        broken = make_engine(archive.url.set(port=1).render_as_string(hide_password=False))
    real_rows = beside.rows
    monkeypatch.setattr(beside, "rows", lambda engine, *args: real_rows(broken, *args))
    with Session(archive) as session:
        clear_cache()
        got, threads = counting_threads(archive, lambda: index.search(session, "khuyen hoc", per_page=5))
    assert got == want and got.total == 40
    assert threads and threads[-1] == threading.current_thread().name
    broken.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_page_walked_before_the_total_is_known_is_made_again_when_the_walk_comes_up_short(
        archive: Engine, monkeypatch) -> None:
    """PostgreSQL walks at most _WALK_ROWS of the newest rows while the count runs (the planner's
    guess may be far off); a page that walk cannot fill is made again once the total is known."""
    from khuyenhoc_docs.search import postgres_fts

    index = PostgresSearchIndex(rank_limit=0)
    with archive.connect() as conn, Session(bind=conn) as bound:
        clear_cache()
        want = [index.search(bound, "khuyen hoc", page=n, per_page=5) for n in (1, 3)]
    monkeypatch.setattr(postgres_fts, "_WALK_ROWS", 3)
    with Session(archive) as session:
        clear_cache()
        got, threads = counting_threads(archive, lambda: [index.search(session, "khuyen hoc", page=n, per_page=5)
                                                          for n in (1, 3)])
    assert got == want and [len(page.hits) for page in got] == [5, 5]
    assert any(name.startswith("search-count") for name in threads)
