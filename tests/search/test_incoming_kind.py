"""Incoming documents share the index with records (kind "incoming"), on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from khuyenhoc_docs.search import INCOMING, SearchEntry, SearchFilters, SearchIndex, SearchQueryInvalid
from khuyenhoc_docs.search.schema import search_entries

from .conftest import add, make_entry


def kinds(index: SearchIndex, session: Session, query: str, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
    return [(h.kind, h.document_id) for h in index.search(session, query, filters, per_page=100).hits]


def incoming(document_id: int, **overrides) -> SearchEntry:
    values = {"kind": INCOMING, "doc_number": "2491/STC-BCTC", "title": "Về việc hỗ trợ quỹ khuyến học",
              "body": "Văn bản đến số 3/2026 từ Sở Tài chính", "organisation_ids": (3,),
              "signer_names": ("Võ Văn Tài",), "status": "received", "issue_date": date(2026, 10, 30),
              "year": 2026}
    values.update(overrides)
    return make_entry(document_id, **values)


@pytest.fixture
def mixed(session: Session, index: SearchIndex) -> None:
    add(session, index,
        make_entry(1, title="Chương trình phối hợp khuyến học", body="Hội Khuyến học và Tỉnh đoàn.",
                   organisation_ids=(3, 7), issue_date=date(2026, 3, 1), year=2026),
        make_entry(2, title="Kế hoạch", body="Gia đình học tập.", organisation_ids=(7,),
                   issue_date=date(2026, 4, 1), year=2026),
        incoming(1),  # the same number as record 1: another id space
        incoming(2, organisation_ids=(9,), title="Giấy mời họp", body="Văn bản đến số 1/2026 từ Sở Nội vụ",
                 doc_number="15/GM-SNV", signer_names=("Lê Thị Hoa",)))


@pytest.mark.usefixtures("mixed")
def test_a_record_and_an_incoming_document_with_the_same_id_are_two_entries(index, session) -> None:
    assert session.execute(select(func.count()).select_from(search_entries)).scalar_one() == 4
    assert sorted(kinds(index, session, "khuyen hoc")) == [("document", 1), ("incoming", 1)]


@pytest.mark.usefixtures("mixed")
def test_incoming_entries_match_without_diacritics_by_sender_number_and_signer(index, session) -> None:
    assert kinds(index, session, "so tai chinh") == [("incoming", 1)]
    assert kinds(index, session, "Sở Tài chính") == [("incoming", 1)]
    assert kinds(index, session, "", SearchFilters(doc_number="2491/stc")) == [("incoming", 1)]
    assert kinds(index, session, "", SearchFilters(signer="vo van tai")) == [("incoming", 1)]


@pytest.mark.usefixtures("mixed")
def test_incoming_scope_is_its_own(index, session) -> None:
    # A clerk of organisation 3: its records and its incoming register
    both = SearchFilters(organisation_ids=frozenset({3}))
    assert sorted(kinds(index, session, "", both)) == [("document", 1), ("incoming", 1)]
    # A chair of organisation 3 searches records only
    records_only = SearchFilters(organisation_ids=frozenset({3}), incoming_organisation_ids=frozenset())
    assert kinds(index, session, "", records_only) == [("document", 1)]
    assert kinds(index, session, "khuyen hoc", records_only) == [("document", 1)]
    # Different scopes for each kind
    split = SearchFilters(organisation_ids=frozenset({7}), incoming_organisation_ids=frozenset({9}))
    assert sorted(kinds(index, session, "", split)) == [("document", 1), ("document", 2), ("incoming", 2)]
    assert index.search(session, "", split).total == 3
    # Admins (every record) without the incoming register of organisation 3
    admin_split = SearchFilters(organisation_ids=None, incoming_organisation_ids=frozenset({9}))
    assert sorted(kinds(index, session, "", admin_split)) == [("document", 1), ("document", 2), ("incoming", 2)]


@pytest.mark.usefixtures("mixed")
def test_kind_filter_and_invalid_kind(index, session) -> None:
    assert sorted(kinds(index, session, "", SearchFilters(kind="incoming"))) == [("incoming", 1), ("incoming", 2)]
    assert sorted(kinds(index, session, "", SearchFilters(kind="document"))) == [("document", 1), ("document", 2)]
    with pytest.raises(SearchQueryInvalid):
        SearchFilters(kind="other")
    with pytest.raises(ValueError):
        make_entry(5, kind="other")


@pytest.mark.usefixtures("mixed")
def test_upsert_and_remove_touch_one_kind_only(index, session) -> None:
    add(session, index, incoming(1, title="Về việc khen thưởng", body="Văn bản đến số 3/2026 từ Sở Tài chính",
                                 status="recalled"))
    assert kinds(index, session, "khuyen hoc") == [("document", 1)]
    assert kinds(index, session, "khen thuong") == [("incoming", 1)]
    assert kinds(index, session, "", SearchFilters(status="recalled")) == [("incoming", 1)]
    index.remove(session, 1, kind=INCOMING)
    session.commit()
    assert kinds(index, session, "khen thuong") == [] and kinds(index, session, "khuyen hoc") == [("document", 1)]
    index.remove(session, 2)
    session.commit()
    assert sorted(kinds(index, session, "")) == [("document", 1), ("incoming", 2)]


def test_records_keep_their_order_when_incoming_entries_join(index, session) -> None:
    records = [make_entry(i, body="khuyến học", issue_date=date(2026, 1, i)) for i in range(1, 6)]
    add(session, index, *records)
    before = kinds(index, session, "")
    add(session, index, incoming(3, body="khuyến học", issue_date=date(2026, 1, 3)))
    after = [hit for hit in kinds(index, session, "") if hit[0] == "document"]
    assert before == after == [("document", i) for i in (5, 4, 3, 2, 1)]


def test_records_and_incoming_documents_sharing_a_date_and_an_id_page_in_one_order(index, session) -> None:
    # Records 1..6 and incoming documents 1..6, each pair with the same date and id: one page at a
    # time must give every entry exactly once, in the same order as one big page (kind breaks the tie).
    same_day = date(2026, 5, 5)
    add(session, index, *(make_entry(i, title="Khuyến học", issue_date=same_day, year=2026) for i in range(1, 7)),
        *(incoming(i, title="Khuyến học", issue_date=same_day) for i in range(1, 7)))
    for query in ("", "khuyen hoc"):
        whole = kinds(index, session, query)
        paged = [(h.kind, h.document_id) for p in range(1, 13)
                 for h in index.search(session, query, page=p, per_page=1).hits]
        assert len(whole) == 12 and paged == whole, (query, paged)
        if not query:  # newest first: the higher id first, then incoming before the record
            assert whole[:2] == [("incoming", 6), ("document", 6)]
