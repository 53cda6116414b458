"""The SearchIndex contract, run on SQLite FTS5 and PostgreSQL alike (see conftest)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_docs.search import SearchFilters, SearchIndex, SearchQueryInvalid
from khuyenhoc_docs.search.schema import search_entries

from .conftest import add, make_entry


def ids(index: SearchIndex, session: Session, query: str, filters: SearchFilters | None = None) -> list[int]:
    return [hit.document_id for hit in index.search(session, query, filters, per_page=100).hits]


@pytest.fixture
def corpus(session: Session, index: SearchIndex) -> None:
    add(
        session,
        index,
        make_entry(1, title="Chương trình phối hợp khuyến học, khuyến tài",
                   body="Hội Khuyến học và Đoàn TNCS Hồ Chí Minh tỉnh Bến Tre.",
                   doc_number="40/CTPH-HKVN-ĐTNCSHCM", year=2018, level_code="tinh",
                   organisation_ids=(3, 7), signer_names=("Nguyễn Văn An", "Lê Thị Hoa"),
                   status="issued", issue_date=date(2018, 3, 15)),
        make_entry(2, title="Gia dinh hoc tap", body="Xay dung gia dinh hoc tap, dong ho hoc tap.",
                   doc_number="12/KH-HKH", year=2019, level_code="huyen", organisation_ids=(7,),
                   signer_names=("Tran Van Binh",), status="draft", issue_date=date(2019, 6, 1)),
        make_entry(3, title="Kế hoạch xây dựng xã hội học tập",
                   body="Phong trào Gia đình học tập, Dòng họ học tập, Cộng đồng học tập.",
                   doc_number="140/KH-ĐTN", year=2020, level_code="xa", organisation_ids=(13,),
                   signer_names=("Phạm Đức Dũng",), status="signed", issue_date=date(2020, 11, 20)),
        make_entry(4, title="Thông báo", body="Lịch họp Ban Thường vụ.", doc_number=None, year=None,
                   organisation_ids=(), signer_names=(), status="draft", issue_date=None),
    )


# -- diacritics and matching ---------------------------------------------------------

@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("khuyen hoc", [1]),
        ("khuyến học", [1]),
        ("KHUYẾN HỌC", [1]),
        ("Gia dinh hoc tap", [2, 3]),
        ("Gia đình học tập", [2, 3]),
        ("đoàn", [1]),
        ("DOAN tncs", [1]),
        ("Dòng họ", [2, 3]),
    ],
)
def test_diacritics_do_not_matter_either_way(index, session, query, expected) -> None:
    assert sorted(ids(index, session, query)) == expected


@pytest.mark.usefixtures("corpus")
def test_prefix_matching(index, session) -> None:
    assert ids(index, session, "khuy") == [1]
    assert sorted(ids(index, session, "hoc ta")) == [1, 2, 3]  # "tài" too
    assert sorted(ids(index, session, "xay dun")) == [2, 3]
    assert ids(index, session, "thuong vu") == [4]
    assert ids(index, session, "thuong v") == []  # one character: a whole word, not a prefix
    assert ids(index, session, "huyen") == []  # "khuyến" contains it, but not at a word start


def test_one_character_terms_match_whole_words_only(index, session) -> None:
    add(session, index, make_entry(1, body="Thực hiện Chỉ thị 2 của Tỉnh ủy", doc_number=None),
        make_entry(2, body="Thực hiện Chỉ thị 24 năm 2019", doc_number=None),
        make_entry(3, body="Sống ở đây", doc_number=None))
    assert ids(index, session, "chi thi 2") == [1]
    assert sorted(ids(index, session, "chi thi 24")) == [2]
    assert sorted(ids(index, session, "chi thi 20")) == [2]  # two characters: a prefix again
    assert ids(index, session, "ở") == [3]
    assert ids(index, session, "đ") == []  # not a prefix of "đây"
    snippet = index.search(session, "chi thi 2").hits[0].snippet_html
    assert "<mark>2</mark>" in snippet and "<mark>Chỉ</mark>" in snippet


@pytest.mark.usefixtures("corpus")
def test_all_terms_are_required(index, session) -> None:
    assert ids(index, session, "khuyen tai") == [1]
    assert ids(index, session, "khuyen dong") == []


@pytest.mark.usefixtures("corpus")
def test_title_and_number_are_searchable(index, session) -> None:
    assert ids(index, session, "thong bao") == [4]
    assert ids(index, session, "ĐTNCSHCM") == [1]


def test_more_relevant_records_rank_first(index, session) -> None:
    filler = " ".join(f"mục{i}" for i in range(30))
    add(session, index,
        make_entry(1, title="Văn bản A", body=f"khuyến tài {filler}", issue_date=date(2021, 1, 1)),
        make_entry(2, title="Văn bản B", body=f"khuyến tài khuyến tài khuyến tài {filler}",
                   issue_date=date(2018, 1, 1)),
        *(make_entry(10 + i, body=f"không liên quan {i}") for i in range(5)))
    page = index.search(session, "khuyen tai")
    assert [h.document_id for h in page.hits] == [2, 1]
    assert page.hits[0].score > page.hits[1].score > 0


def test_beyond_the_rank_limit_pages_are_newest_first_and_unranked(index, session) -> None:
    filler = " ".join(f"mục{i}" for i in range(30))
    add(session, index,
        make_entry(1, body=f"khuyến tài {filler}", issue_date=date(2021, 1, 1)),
        make_entry(2, body=f"khuyến tài khuyến tài khuyến tài {filler}", issue_date=date(2018, 1, 1)),
        make_entry(3, body=f"khuyến tài {filler}", issue_date=None),
        *(make_entry(10 + i, body=f"không liên quan {i}") for i in range(5)))
    capped = type(index)(rank_limit=2)
    page = capped.search(session, "khuyen tai", per_page=2)
    assert [h.document_id for h in page.hits] == [1, 2] and page.total == 3
    assert not page.ranked and all(h.score == 0.0 for h in page.hits)
    assert [h.document_id for h in capped.search(session, "khuyen tai", page=2, per_page=2).hits] == [3]
    ranked = index.search(session, "khuyen tai")
    assert ranked.ranked and [h.document_id for h in ranked.hits][0] == 2
    assert capped.search(session, "khong lien quan 0").ranked  # one match: within the limit


# -- filters ---------------------------------------------------------------------------

@pytest.mark.usefixtures("corpus")
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(doc_number="40/CTPH"), [1]),
        (SearchFilters(doc_number="40/ctph-hkvn-đtncshcm"), [1]),
        (SearchFilters(doc_number="KH-DTN"), [3]),
        (SearchFilters(doc_number="40"), [1]),  # not "140/KH-ĐTN": matches from a word start
        (SearchFilters(doc_number="  "), [1, 2, 3, 4]),  # empty form field = any
        (SearchFilters(year=2019), [2]),
        (SearchFilters(level_code="xa"), [3]),
        (SearchFilters(organisation_ids=frozenset({7})), [1, 2]),
        (SearchFilters(organisation_ids=frozenset({3, 13})), [1, 3]),
        (SearchFilters(organisation_ids=frozenset({1})), []),  # "1" is not ",13,"
        (SearchFilters(organisation_ids=frozenset()), []),
        (SearchFilters(signer="nguyen van"), [1]),
        (SearchFilters(signer="Thị Hoa"), [1]),
        (SearchFilters(signer="duc dung"), [3]),
        (SearchFilters(signer="Trần Văn Bình"), [2]),
        (SearchFilters(signer="an le"), []),  # substring of one name, not across names
        (SearchFilters(status="draft"), [2, 4]),
        (SearchFilters(date_from=date(2019, 1, 1)), [2, 3]),
        (SearchFilters(date_to=date(2019, 6, 1)), [1, 2]),
        (SearchFilters(date_from=date(2018, 3, 16), date_to=date(2019, 6, 1)), [2]),
        (SearchFilters(year=2018, status="issued", level_code="tinh"), [1]),
        (SearchFilters(year=2018, status="draft"), []),
    ],
)
def test_filter_only_listing(index, session, filters, expected) -> None:
    page = index.search(session, "", filters, per_page=100)
    assert sorted(h.document_id for h in page.hits) == expected
    assert page.total == len(expected)


@pytest.mark.usefixtures("corpus")
def test_filters_combine_with_text(index, session) -> None:
    assert ids(index, session, "hoc tap", SearchFilters(status="signed")) == [3]
    assert ids(index, session, "hoc tap", SearchFilters(organisation_ids=frozenset({7}))) == [2]
    assert ids(index, session, "hoc tap", SearchFilters(signer="pham", year=2020)) == [3]
    assert ids(index, session, "hoc tap", SearchFilters(date_to=date(2019, 12, 31))) == [2]


@pytest.mark.usefixtures("corpus")
def test_listing_is_newest_first_with_undated_last(index, session) -> None:
    assert ids(index, session, "") == [3, 2, 1, 4]
    listing = index.search(session, "")
    assert not listing.ranked and all(hit.score == 0.0 for hit in listing.hits)


# -- pagination ------------------------------------------------------------------------

def test_pagination_and_total(index, session) -> None:
    add(session, index, *(make_entry(i, body=f"Báo cáo khuyến học số {i}", issue_date=date(2019, 1, 1 + i % 28))
                          for i in range(1, 46)),
        make_entry(100, body="Không liên quan"))
    pages = [index.search(session, "khuyen", page=p, per_page=20) for p in (1, 2, 3, 4)]
    assert [len(p.hits) for p in pages] == [20, 20, 5, 0]
    assert {p.total for p in pages} == {45}
    assert pages[0].pages == 3 and pages[0].has_next and not pages[2].has_next
    seen = [h.document_id for p in pages for h in p.hits]
    assert sorted(seen) == list(range(1, 46))  # no duplicates or gaps across pages
    listing = [h.document_id for p in (1, 2, 3) for h in index.search(session, "", page=p, per_page=20).hits]
    assert len(listing) == len(set(listing)) == 46


@pytest.mark.parametrize(("page", "per_page"), [(0, 20), (-1, 20), (1, 0), (1, 101), (10**30, 20), (True, 20)])
def test_bad_paging_is_a_clear_error(index, session, page, per_page) -> None:
    with pytest.raises(SearchQueryInvalid):
        index.search(session, "khuyen", page=page, per_page=per_page)


# -- writes ----------------------------------------------------------------------------

def test_upsert_replaces_the_old_text_and_fields(index, session) -> None:
    add(session, index, make_entry(1, title="Bản nháp", body="nội dung cũ alpha", status="draft"))
    add(session, index, make_entry(1, title="Bản chính thức", body="nội dung mới beta", status="issued"))
    assert ids(index, session, "alpha") == []
    assert ids(index, session, "beta") == [1]
    assert ids(index, session, "", SearchFilters(status="draft")) == []
    assert session.execute(select(func.count()).select_from(search_entries)).scalar_one() == 1
    hit = index.search(session, "beta").hits[0]
    assert hit.title == "Bản chính thức"


def test_upsert_many_times_keeps_the_index_consistent(index, session) -> None:
    for round_ in range(5):
        add(session, index, *(make_entry(i, body=f"vòng{round_} tài liệu {i}") for i in range(1, 6)))
    assert ids(index, session, "vong4") and ids(index, session, "vong3") == []
    assert index.search(session, "tai lieu").total == 5


def test_remove(index, session) -> None:
    add(session, index, make_entry(1, body="khuyến học"), make_entry(2, body="khuyến tài"))
    index.remove(session, 1)
    index.remove(session, 999)  # never indexed: no error
    session.commit()
    assert ids(index, session, "khuyen") == [2]
    assert ids(index, session, "") == [2]


def test_nothing_is_written_until_the_caller_commits(index, session, engine) -> None:
    index.index_document(session, make_entry(1, body="khuyến học"))
    session.rollback()
    assert ids(index, session, "khuyen") == []


def test_stored_text_survives_nul_and_surrogates(index, session) -> None:
    add(session, index, make_entry(1, title="A\x00B", body="khuyến\x00 học \ud800 xong", doc_number="1/\x00KH"))
    hit = index.search(session, "khuyen").hits[0]
    assert hit.title == "A B" and "\x00" not in hit.snippet_html and "\ufffd" in hit.snippet_html
    assert ids(index, session, "khuyến\x00học") == [1]  # NUL separates words in text and query alike


# -- snippets --------------------------------------------------------------------------

def test_snippet_marks_original_words_and_escapes_html(index, session) -> None:
    add(session, index, make_entry(1, body='<script>alert("x")</script> Hội Khuyến học tỉnh <b>Bến Tre</b>'))
    hit = index.search(session, "khuyen ben").hits[0]
    assert "<mark>Khuyến</mark>" in hit.snippet_html
    assert "<mark>Bến</mark>" in hit.snippet_html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in hit.snippet_html
    assert "<script>" not in hit.snippet_html and "<b>" not in hit.snippet_html


def test_snippet_is_around_the_first_match(index, session) -> None:
    body = " ".join(f"đoạn{i}" for i in range(500)) + " Gia đình học tập " + " ".join(f"cuối{i}" for i in range(50))
    add(session, index, make_entry(1, body=body))
    snippet = index.search(session, "gia dinh").hits[0].snippet_html
    assert "<mark>Gia</mark> <mark>đình</mark>" in snippet
    assert snippet.startswith("… ") and "đoạn0 " not in snippet
