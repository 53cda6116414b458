"""Filters combined with words keep their exact meaning however the engine runs them (issue 16:
PostgreSQL checks them on the full-text index's rows, SQLite bounds the match by row id for dates and years)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from khuyenhoc_docs.search import INCOMING, SearchFilters, SearchIndex

from .conftest import add, make_entry

START = date(2019, 12, 30)
DAYS = 80  # dated records 1..80 on consecutive days, from 2019-12-30 to 2020-03-18


def _rows() -> list[tuple[str, int, date | None, int, str, str]]:
    """(kind, document id, issue date, year, status, level) of every entry."""
    rows: list[tuple[str, int, date | None, int, str, str]] = []
    for i in range(1, DAYS + 1):
        day = START + timedelta(days=i - 1)
        rows.append(("document", i, day, day.year, "issued" if i % 3 else "draft", "huyen" if i % 2 else "xa"))
    rows += [("document", 100 + i, None, 2020, "issued", "tinh") for i in range(1, 4)]
    # An incoming document sharing a date and an id with a record: both kinds stay in range.
    rows.append((INCOMING, 5, START + timedelta(days=4), 2020, "issued", "tinh"))
    return rows


@pytest.fixture
def dated(session: Session, index: SearchIndex) -> None:
    add(session, index, *(make_entry(doc_id, kind=kind, body="Hội Khuyến học tổng kết năm", issue_date=day,
                                     year=year, status=status, level_code=level)
                          for kind, doc_id, day, year, status, level in _rows()))


def expected(f: SearchFilters) -> set[tuple[str, int]]:
    return {
        (kind, doc_id) for kind, doc_id, day, year, status, level in _rows()
        if (f.date_from is None or (day is not None and day >= f.date_from))
        and (f.date_to is None or (day is not None and day <= f.date_to))
        and f.year in (None, year) and f.status in (None, status) and f.level_code in (None, level)
    }


@pytest.mark.usefixtures("dated")
@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(date_from=date(2020, 1, 1), date_to=date(2020, 1, 1)),  # one day
        SearchFilters(date_from=date(2019, 12, 31), date_to=date(2020, 1, 31)),  # short range
        SearchFilters(date_from=date(2019, 12, 30), date_to=date(2020, 3, 18)),  # long range: every dated record
        SearchFilters(date_from=date(2020, 1, 2), date_to=date(2020, 3, 10)),  # long range, both ends inside
        SearchFilters(date_from=date(2020, 3, 18)),  # the last day only
        SearchFilters(date_to=date(2019, 12, 30)),  # the first day only: undated records are out
        SearchFilters(date_to=date(2019, 12, 29)),  # none
        SearchFilters(year=2020, status="issued"),
        SearchFilters(year=2019, level_code="xa"),
        SearchFilters(date_from=date(2019, 1, 1), date_to=date(2021, 1, 1), status="draft", level_code="huyen"),
    ],
)
def test_text_search_with_filters_finds_exactly_the_filtered_records(index, session, filters) -> None:
    page = index.search(session, "khuyen hoc", filters, per_page=100)
    want = expected(filters)
    assert {(h.kind, h.document_id) for h in page.hits} == want
    assert page.total == len(want)


@pytest.mark.usefixtures("dated")
@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(year=2020),
        SearchFilters(date_from=date(2019, 12, 31), date_to=date(2020, 3, 1), status="issued"),
        SearchFilters(level_code="xa"),
    ],
)
def test_filtered_pages_beyond_the_rank_limit_have_the_total_and_the_newest_order(index, session, filters) -> None:
    """Beyond the rank limit the page and the total may come from one pass: every page still has
    the exact total, and the pages together are every match, newest first, once."""
    capped = type(index)(rank_limit=3)
    rows = {(kind, doc_id): (day, doc_id, kind) for kind, doc_id, day, *_ in _rows()}
    want = sorted(expected(filters), key=lambda key: (rows[key][0] is not None, rows[key][0] or date.min,
                                                       rows[key][1], rows[key][2]), reverse=True)
    assert len(want) > 3
    seen: list[tuple[str, int]] = []
    for page_number in range(1, len(want) // 4 + 3):
        page = capped.search(session, "khuyen hoc", filters, page=page_number, per_page=4)
        assert page.total == len(want) and not page.ranked
        seen += [(h.kind, h.document_id) for h in page.hits]
    assert seen == want


def test_a_dated_entry_is_filed_under_its_own_year() -> None:
    """The year of a dated entry is its date's (what the SQLite row id bounds rely on); an undated
    entry may still carry a year."""
    with pytest.raises(ValueError, match="year"):
        make_entry(1, issue_date=date(2020, 1, 1), year=2019)
    assert make_entry(1, issue_date=None, year=2019).year == 2019
    assert make_entry(1, issue_date=date(2020, 12, 31), year=2020).year == 2020
