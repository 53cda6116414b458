"""The engines run the search the fast way (query plans), and leave no settings behind."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from khuyenhoc_docs.search import SearchFilters, search_index_for
from khuyenhoc_docs.search.base import clear_cache
from khuyenhoc_docs.search.postgres_fts import PostgresSearchIndex
from khuyenhoc_docs.search.schema import NEWEST_INDEX
from khuyenhoc_docs.search.sqlite_fts import SqliteSearchIndex
from tests.sql_capture import sent_statements

from .conftest import add, make_entry

QUERIES = [
    ("khuyen hoc", None),
    ("khuyen hoc", SearchFilters(year=2019)),
    ("hoc tap", SearchFilters(year=2019, status="issued", date_from=date(2019, 1, 1))),
]


@pytest.fixture
def filled(engine: Engine, session: Session) -> Engine:
    index = search_index_for(engine)
    add(session, index, *(make_entry(i, body=f"Hội Khuyến học, học tập số {i}", year=2015 + i % 10,
                                     issue_date=date(2015 + i % 10, 1 + i % 12, 1)) for i in range(1, 301)))
    if engine.dialect.name == "postgresql":  # autovacuum would; SQLite apps rarely ANALYZE
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return engine


def add_ranked_corpus(session: Session, index) -> None:
    """120 records whose bodies rank differently for "khuyen hoc", over three years and two statuses."""
    bodies = ["khuyến học", "khuyến học khuyến học vì học tập", "học tập suốt đời, khuyến học", "khuyến tài"]
    add(session, index, *(make_entry(i, body=bodies[i % 4] + " " + "lời " * (i % 5), year=2018 + i % 3,
                                     status=("issued", "draft")[i % 2], issue_date=date(2018 + i % 3, 1 + i % 12, 1 + i % 7))
                          for i in range(1, 121)))


def captured(engine: Engine, run, *markers: str) -> list[tuple[str, object]]:
    """The full-text statements ``run()`` sends (or those containing one of ``markers``), with their parameters."""
    wanted = markers or ("MATCH", "@@")
    # Not the planner's guess of how many match (PostgresSearchIndex._expects_many): no scan runs.
    return [(st, params) for st, params in sent_statements(engine, run)
            if any(marker in st for marker in wanted) and not st.startswith("EXPLAIN")]


def fts_plan(session: Session, statement: str, params) -> list[str]:
    """The plan of a SQLite full-text statement without its word lookups (the MATCH expression's
    scalar subqueries on search_words, sqlite_words.py), which are checked to be just that."""
    rows = [tuple(row) for row in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)]
    lookups = {row[0] for row in rows if row[3].startswith("SCALAR SUBQUERY")}
    inside = {row[0] for row in rows if row[1] in lookups}
    assert all(rows_[3].startswith("SEARCH search_words USING PRIMARY KEY (word>?)")
               for rows_ in rows if rows_[0] in inside), rows
    return [row[3] for row in rows if row[0] not in lookups | inside]


def match_runs_once(plan: list[tuple]) -> bool:
    """True if every FTS5 scan in a SQLite plan runs once: as the outermost loop, a list subquery
    or a subquery in FROM (a co-routine) — never as an inner loop, where the MATCH would re-run
    for each row."""
    by_id = {row[0]: row for row in plan}
    top_loops = [row for row in plan if row[1] == 0 and row[3].startswith(("SCAN", "SEARCH"))]
    for row in plan:
        if not row[3].startswith("SCAN search_fts"):
            continue
        parent = by_id.get(row[1])
        if not (row is top_loops[0] or (parent is not None and parent[1] == 0
                                        and parent[3].startswith(("LIST SUBQUERY", "CO-ROUTINE")))):
            return False
    return True


def test_match_runs_once_detects_a_per_row_match() -> None:
    good = [(4, 0, 0, "SCAN search_fts VIRTUAL TABLE INDEX 0:M1"), (9, 0, 0, "SEARCH e USING INTEGER PRIMARY KEY")]
    listed = [(3, 0, 0, "SEARCH e USING INDEX ix_year (year=?)"), (8, 0, 0, "LIST SUBQUERY 1"),
              (10, 8, 0, "SCAN search_fts VIRTUAL TABLE INDEX 0:M1")]
    bad = [(3, 0, 0, "SEARCH e USING INDEX ix_year (year=?)"), (9, 0, 0, "SCAN search_fts VIRTUAL TABLE INDEX 0:M1")]
    capped = [(2, 0, 0, "CO-ROUTINE anon_1"), (10, 2, 0, "SCAN search_fts VIRTUAL TABLE INDEX 0:M1"),
              (60, 0, 0, "SCAN anon_1")]
    assert match_runs_once(good) and match_runs_once(listed) and match_runs_once(capped)
    assert not match_runs_once(bad)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("query", "filters"), QUERIES)
def test_sqlite_runs_each_match_once(filled: Engine, session: Session, query, filters) -> None:
    index = search_index_for(filled)
    statements = captured(filled, lambda: index.search(session, query, filters))
    assert statements
    for statement, params in statements:
        plan = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        assert match_runs_once([tuple(row) for row in plan]), plan


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_newest_first_pages_read_the_matches_backwards(filled: Engine, session: Session) -> None:
    broad = SqliteSearchIndex(rank_limit=10)  # 300 matches: too many to rank
    statements = captured(filled, lambda: broad.search(session, "khuyen hoc"))
    page_query = [st for st in statements if "ORDER BY" in st[0]]
    assert len(page_query) == 1
    statement, params = page_query[0]
    plan = fts_plan(session, statement, params)
    # row ids are the newest-first order: FTS5 yields the page itself, no list and no sort
    assert len(plan) == 1 and plan[0].startswith("SCAN search_fts VIRTUAL TABLE"), plan
    found = [h.document_id for h in broad.search(session, "khuyen hoc").hits]
    assert found[0] == 299  # 2024-12-01, the newest, highest id among equals
    assert found == [h.document_id for h in broad.search(session, "").hits]  # every record matches


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgres_newest_first_pages_do_not_scan_the_table(filled: Engine, session: Session) -> None:
    """Matches with a filter are sorted (the walk could pass thousands of rows of other years);
    dense matches without one walk the newest index and stop at the end of the page."""
    broad = PostgresSearchIndex(rank_limit=10)
    for filters, walks in ((SearchFilters(year=2019), False), (None, True)):
        statements = captured(filled, lambda f=filters: broad.search(session, "khuyen hoc", f))
        ordered = [st for st in statements if "ORDER BY" in st[0]]
        assert len(ordered) == 1
        with broad._tuned(session):
            for statement, params in statements:
                plan = "\n".join(r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + statement, params))
                assert "Seq Scan" not in plan, plan
            plan = "\n".join(r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + ordered[0][0],
                                                                                  ordered[0][1]))
            assert (NEWEST_INDEX in plan) is walks and ("Sort" in plan) is not walks, plan
            if walks:
                assert "ix_search_entries_tsv" not in plan, plan
    found = [h.document_id for h in broad.search(session, "khuyen hoc").hits]
    assert found[0] == 299 and found == [h.document_id for h in broad.search(session, "").hits]
    year = [h.document_id for h in broad.search(session, "khuyen hoc", SearchFilters(year=2019)).hits]
    assert year == [h.document_id for h in broad.search(session, "", SearchFilters(year=2019)).hits]


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("query", "filters"), QUERIES)
def test_postgres_never_scans_every_tsvector(filled: Engine, session: Session, query, filters) -> None:
    index = search_index_for(filled)
    statements = captured(filled, lambda: index.search(session, query, filters))
    assert statements
    with index._tuned(session):
        for statement, params in statements:
            plan = "\n".join(r[0] for r in session.connection().exec_driver_sql("EXPLAIN " + statement, params))
            assert "Seq Scan" not in plan, plan
            if filters is None:  # nothing else to narrow it down: the match itself uses GIN
                assert "ix_search_entries_tsv" in plan, plan


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("before", ["on", "off"])
def test_postgres_search_leaves_the_planner_settings_as_they_were(engine: Engine, session: Session, before) -> None:
    index = search_index_for(engine)
    add(session, index, make_entry(1, body="khuyến học"))
    session.execute(text("SELECT set_config('enable_seqscan', :v, true)"), {"v": before})
    assert index.search(session, "khuyen").total == 1
    assert session.execute(text("SELECT current_setting('enable_seqscan')")).scalar_one() == before
    session.rollback()
    assert session.execute(text("SELECT current_setting('enable_seqscan')")).scalar_one() == "on"


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("filters", [SearchFilters(signer="tran thi", status="issued"),
                                     SearchFilters(organisation_ids=frozenset({1}), level_code="tinh")])
def test_sqlite_filtered_newest_pages_never_read_the_wide_row(filled: Engine, session: Session, filters) -> None:
    """A listing walks the newest-first index and checks the filters in it (a COVERING scan); a
    search reads the matches backwards from FTS5 and checks each in the narrow filter index."""
    broad = SqliteSearchIndex(rank_limit=10)
    for query in ("khuyen hoc", ""):
        ordered = [st for st in captured(filled, lambda q=query: broad.search(session, q, filters), "ORDER BY")]
        assert len(ordered) == 1 and broad.search(session, query, filters).total
        statement, params = ordered[0]
        plan = fts_plan(session, statement, params)
        if query:
            assert plan[0].startswith("SCAN search_fts VIRTUAL TABLE"), plan
            assert any(step.startswith("SEARCH search_entries USING COVERING INDEX") for step in plan), plan
            assert not any("TEMP B-TREE" in step for step in plan), plan
        else:
            assert any(step.startswith(f"SCAN search_entries USING COVERING INDEX {NEWEST_INDEX}") for step in plan), plan


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_row_ids_keep_the_newest_first_order(session: Session) -> None:
    """Undated entries, shared dates and ids, both kinds, a date changed by an update: the pages read
    backwards from FTS5 are the listing's pages, in the listing's order."""
    index = search_index_for(session)
    dates = [None, date(2019, 5, 1), date(2019, 5, 1), date(1, 1, 1), date(9999, 12, 31), date(2024, 1, 2)]
    entries = [make_entry(i, issue_date=dates[i % len(dates)], body="khuyến học", kind=kind)
               for i in range(1, 41) for kind in ("document", "incoming") if kind == "document" or i % 3 == 0]
    add(session, index, *entries)
    add(session, index, make_entry(7, issue_date=date(2030, 1, 1), body="khuyến học"),
        make_entry(8, issue_date=None, body="khuyến học"))
    broad = SqliteSearchIndex(rank_limit=1)
    for per_page in (1, 7, 100):
        for page in range(1, 60 // per_page + 2):
            listed = index.search(session, "", page=page, per_page=per_page)
            found = broad.search(session, "khuyen hoc", page=page, per_page=per_page)
            assert found.total == listed.total == len(entries)
            assert [(h.kind, h.document_id) for h in found.hits] == [(h.kind, h.document_id) for h in listed.hits]
    assert [h.document_id for h in broad.search(session, "khuyen hoc", per_page=8).hits][-2:] == [4, 7]  # 9999, 2030
    for filters in (SearchFilters(year=2019), SearchFilters(kind="incoming"), SearchFilters(date_from=date(2019, 1, 1)),
                    SearchFilters(organisation_ids=frozenset({1}), incoming_organisation_ids=frozenset())):
        for page in (1, 2, 3):
            listed = index.search(session, "", filters, page=page, per_page=4)
            found = broad.search(session, "khuyen hoc", filters, page=page, per_page=4)
            assert [(h.kind, h.document_id) for h in found.hits] == [(h.kind, h.document_id) for h in listed.hits]
            assert found.total == listed.total and found.hits


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_ranked_pages_score_the_fts_table_alone_in_the_joins_order(session: Session) -> None:
    """A ranked page is scored on FTS5 alone (a filtered one only over the matches its first
    statement listed), in the order the join of both tables gives: bm25, then newest first."""
    index = search_index_for(session)
    add_ranked_corpus(session, index)
    reference = ("SELECT e.document_id FROM search_fts CROSS JOIN search_entries e ON e.id = search_fts.rowid "
                 "WHERE search_fts MATCH :q {where} ORDER BY -bm25(search_fts) DESC, e.issue_date DESC, "
                 "e.document_id DESC, e.kind DESC")
    for filters, where in ((None, ""), (SearchFilters(year=2019), "AND e.year = 2019"),
                           (SearchFilters(year=2020, status="issued"), "AND e.year = 2020 AND e.status = 'issued'")):
        expected = list(session.execute(text(reference.format(where=where)), {"q": '"khuyen"* AND "hoc"*'}).scalars())
        pages = [index.search(session, "khuyen hoc", filters, page=p, per_page=10) for p in (1, 2, 3)]
        assert [h.document_id for page in pages for h in page.hits] == expected[:30]  # later pages: total kept
        assert 10 < len(expected) <= 30 if filters else len(expected) > 30
        for p in range(1, min(3, (len(expected) + 9) // 10) + 1):  # the pages that have hits
            clear_cache()
            first = captured(session.get_bind(), lambda f=filters, p=p: index.search(session, "khuyen hoc", f, page=p,
                                                                                   per_page=10), "bm25")
            assert first and all("search_entries" not in statement for statement, _ in first)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_year_filter_bounds_the_match_by_row_id(filled: Engine, session: Session) -> None:
    """A year filter is a row id bound inside FTS5 (the newer years' matches are never read), and
    the older years' are refused on the row id alone; the records found are exactly the year's."""
    index = search_index_for(filled)
    statements = captured(filled, lambda: index.search(session, "khuyen hoc", SearchFilters(year=2019), per_page=100))
    assert statements
    for statement, params in statements:
        plan = fts_plan(session, statement, params)
        fts = [step for step in plan if step.startswith("SCAN search_fts VIRTUAL TABLE")]
        assert fts and all("<" in step.rpartition(":")[2] for step in fts), plan
    clear_cache()
    found = index.search(session, "khuyen hoc", SearchFilters(year=2019), per_page=100)
    assert sorted(h.document_id for h in found.hits) == [i for i in range(1, 301) if 2015 + i % 10 == 2019]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@pytest.mark.parametrize("rank_limit", [10, 1000])  # the newest-first pass and count; the ranked page
def test_sqlite_scope_alone_is_answered_by_fts5_without_the_entries(filled: Engine, session: Session,
                                                                      rank_limit: int) -> None:
    """An access scope is checked on the match's row id: a search filtered by scope (and dates)
    alone never looks an entry up to filter it; the page's rows are read by id at the end."""
    index = SqliteSearchIndex(rank_limit=rank_limit)
    add(session, index, make_entry(301, body="Hội Khuyến học", organisation_ids=(5, 6)),
        make_entry(302, body="Hội Khuyến học", organisation_ids=(6,)))
    scoped = SearchFilters(organisation_ids=frozenset({5}), date_from=date(2015, 1, 1))
    statements = captured(filled, lambda: index.search(session, "khuyen hoc", scoped, per_page=100))
    assert statements
    for statement, params in statements:
        plan = fts_plan(session, statement, params)
        assert not any("search_entries" in step or step.startswith("SEARCH e ") for step in plan), plan
    clear_cache()
    page = index.search(session, "khuyen hoc", scoped, per_page=100)
    assert [h.document_id for h in page.hits] == [301] and page.total == 1


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgres_filtered_ranked_pages_run_the_match_once(session: Session) -> None:
    """A filtered ranked page scores the matches its first statement listed, by id, instead of
    running the match and its filters again, in ts_rank's order, then newest first."""
    index = search_index_for(session)
    add_ranked_corpus(session, index)
    reference = ("SELECT document_id FROM search_entries WHERE tsv @@ to_tsquery('simple', :q) {where} "
                 "ORDER BY ts_rank(tsv, to_tsquery('simple', :q)) DESC, issue_date DESC NULLS LAST, "
                 "document_id DESC, kind DESC")
    for filters, where in ((SearchFilters(year=2019), "AND year = 2019"),
                           (SearchFilters(year=2020, status="issued"), "AND year = 2020 AND status = 'issued'")):
        expected = list(session.execute(text(reference.format(where=where)), {"q": "'khuyen':* & 'hoc':*"}).scalars())
        assert 10 < len(expected) <= 30
        clear_cache()
        statements = captured(session.get_bind(), lambda f=filters: index.search(session, "khuyen hoc", f, per_page=10))
        assert len(statements) == 1, [s for s, _ in statements]
        pages = [index.search(session, "khuyen hoc", filters, page=p, per_page=10) for p in (1, 2, 3)]
        assert all(page.ranked and page.total == len(expected) for page in pages)
        assert [h.document_id for page in pages for h in page.hits] == expected
