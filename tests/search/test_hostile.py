"""Hostile input never reaches an engine as syntax: results or SearchQueryInvalid, nothing else."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khuyenhoc_docs.search import SearchFilters, SearchQueryInvalid

from .conftest import add, make_entry

HOSTILE = [
    '"', "'", '"khuyến', "khuyến'", "AND OR NOT", "khuyen AND", "OR hoc", "NOT", "NEAR(", "NEAR(khuyen hoc, 2)",
    "*", "khuyen*", "*hoc", "col:val", "title:khuyen", "folded:hoc", "((((", "))", "hoc)", "^hoc", "+hoc -tai",
    "khuyen & hoc | !tai", "hoc:*", "'hoc':* & x", "<->", "x <2> y", "\\", "%_", "100%", "a_b", "\x00",
    "khuyến\x00học", "\ud800", "hoc \udfff", "😀", "khuyến 😀 học", "{}", "[]", "--", "; DROP TABLE search_entries;",
    "ﷺ", "中文", "١٢٣", "x" * 500, "x" * 501, "x" * 10_000, "hoc " * 124, " ".join(["a"] * 250),
]


@pytest.fixture
def small_corpus(session, index) -> None:
    add(session, index,
        make_entry(1, body="Hội Khuyến học và Đoàn TNCS; 100% thanh niên; col:val a_b", doc_number="40/CTPH"),
        make_entry(2, body="Gia đình học tập (NEAR) AND OR NOT", issue_date=date(2020, 1, 1)))


def run_or_invalid(index, session, query: str, filters: SearchFilters | None = None):
    """The search result, or None when it raised SearchQueryInvalid (with a message)."""
    try:
        return index.search(session, query, filters)
    except SearchQueryInvalid as exc:
        assert exc.message and exc.status in (400, 422)
        return None


@pytest.mark.usefixtures("small_corpus")
@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q[:24]))
def test_hostile_query_gives_results_or_a_clear_error(index, session, query) -> None:
    page = run_or_invalid(index, session, query)
    if page is not None:
        assert page.total == len(page.hits) <= 2
    session.rollback()
    # The session is still usable afterwards (no aborted transaction on PostgreSQL).
    assert index.search(session, "khuyen").total == 1


@pytest.mark.usefixtures("small_corpus")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"khuyến', [1]),
        ("khuyen AND", []),  # "and" is a required word, and only record 2 contains it
        ("khuyen NOT", []),  # likewise: NOT does not exclude anything
        ("NEAR(", [2]),
        ("col:val", [1]),
        ("100%", [1]),
        ("a_b", [1]),
        ("khuyến\x00học", [1]),
        ("khuyến 😀 học", [1]),
    ],
)
def test_operators_and_punctuation_are_plain_text(index, session, query, expected) -> None:
    assert [h.document_id for h in index.search(session, query).hits] == expected


@pytest.mark.usefixtures("small_corpus")
@pytest.mark.parametrize("query", ['"', "((((", "*", "😀", "\x00", "\ud800", "%_", "x" * 501, "x" * 10_000])
def test_queries_without_words_or_too_long_are_invalid(index, session, query) -> None:
    with pytest.raises(SearchQueryInvalid):
        index.search(session, query)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SearchFilters(doc_number="\x00"),
        lambda: SearchFilters(signer="a\ud800"),
        lambda: SearchFilters(status="x" * 201),
        lambda: SearchFilters(level_code=3),
        lambda: SearchFilters(doc_number="///"),
        lambda: SearchFilters(year=10**30),
        lambda: SearchFilters(year=True),
        lambda: SearchFilters(organisation_ids=frozenset({2**40})),
        lambda: SearchFilters(organisation_ids=frozenset({-1})),
        lambda: SearchFilters(date_from=date(2020, 1, 2), date_to=date(2020, 1, 1)),
        lambda: SearchFilters(date_from="2020-01-01"),
    ],
)
def test_bad_filters_are_a_clear_error(make) -> None:
    with pytest.raises(SearchQueryInvalid):
        make()


@pytest.mark.usefixtures("small_corpus")
@pytest.mark.parametrize("value", ["%", "_", "%_%", "\\", "' OR 1=1 --", "9%", "q_", "a_b"])
def test_like_wildcards_in_filters_are_literal(index, session, value) -> None:
    for filters in (SearchFilters(status=value), SearchFilters(level_code=value)):
        assert index.search(session, "", filters).total == 0
    for name in ("signer", "doc_number"):
        try:
            filters = SearchFilters(**{name: value})
        except SearchQueryInvalid:
            continue  # no letter or digit at all: a clear error is fine too
        assert index.search(session, "", filters).total == 0


# Any text at all, surrogates included, plus engine syntax glued together.
ANY_CHAR = st.characters(codec=None, exclude_categories=())
SYNTAX = st.sampled_from(['"', "'", "*", ":", "(", ")", "AND", "OR", "NOT", "NEAR", "^", "-", "+", "&", "|",
                          "!", "<->", "\\", "%", "_", "\x00", "khuyến", "học", "đ", " "])
QUERIES = st.one_of(
    st.text(ANY_CHAR, max_size=600),
    st.lists(st.one_of(SYNTAX, st.text(ANY_CHAR, max_size=5)), max_size=40).map("".join),
)


@pytest.mark.usefixtures("small_corpus")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=QUERIES, signer=st.none() | st.text(ANY_CHAR, max_size=30),
       doc_number=st.none() | st.text(ANY_CHAR, max_size=30), page=st.integers(1, 3))
def test_random_text_never_raises_anything_but_search_query_invalid(
    index, session, query, signer, doc_number, page
) -> None:
    try:
        filters = SearchFilters(signer=signer, doc_number=doc_number)
        result = index.search(session, query, filters, page=page, per_page=1)
    except SearchQueryInvalid:
        return
    finally:
        session.rollback()
    assert result.total <= 2
