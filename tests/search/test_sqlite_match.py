"""SQLite: the MATCH expression a search shares among its statements."""
from __future__ import annotations


def test_a_search_builds_its_match_expression_once_and_clear_cache_forgets_it() -> None:
    from khuyenhoc_docs.search.base import clear_cache
    from khuyenhoc_docs.search.sqlite_fts import _matches

    first = _matches(["khuyen", "hoc"])
    assert _matches(("khuyen", "hoc")) is first  # shared by the count, page and ranking statements
    assert _matches(["hoc", "khuyen"]) is not first
    clear_cache()
    assert _matches(["khuyen", "hoc"]) is not first  # benchmarks of a first run build it again
