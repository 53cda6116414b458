"""SQLite: the table of indexed words (search/sqlite_words.py) never lacks a word the full-text
index holds, and a prefix term is matched as its word only while no longer word starts with it."""
from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from khuyenhoc_docs.search import schema
from khuyenhoc_docs.search.base import clear_cache
from khuyenhoc_docs.search.sqlite_words import match_expression

from .conftest import add, make_entry

pytestmark = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


def fts_vocabulary(session: Session) -> set[str]:
    conn = session.connection()
    conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.v USING fts5vocab(main, search_fts, row)")
    return {row[0] for row in conn.exec_driver_sql("SELECT term FROM temp.v")}


def kept_words(session: Session) -> set[str]:
    return set(session.execute(text("SELECT word FROM search_words")).scalars())


def expression(session: Session, query: str) -> str:
    return str(session.execute(select(match_expression(query.split()))).scalar_one())


def test_every_indexed_word_is_kept_through_writes_updates_and_removals(engine: Engine, session: Session, index):
    add(session, index, make_entry(1, body="Khuyến học khuyến tài"), make_entry(2, body="Dòng họ học tập, 2019"))
    add(session, index, make_entry(1, body="Gia đình hiếu học"))  # replaces document 1's text
    index.remove(session, 2)
    session.commit()
    vocabulary = fts_vocabulary(session)
    assert {"gia", "dinh", "hieu", "hoc", "chuong"} <= vocabulary
    assert vocabulary <= kept_words(session)  # removed words may stay (a prefix kept: only slower)
    assert "dong" in kept_words(session) - vocabulary
    for statement in schema.words_statements("sqlite"):  # what the migration and rebuild do
        session.execute(text(statement))
    assert kept_words(session) == fts_vocabulary(session)


def test_a_prefix_is_narrowed_to_its_word_until_a_longer_word_is_indexed(engine: Engine, session: Session, index):
    add(session, index, make_entry(1, body="Khuyến học, học tập"), make_entry(2, body="hoc sinh"))
    session.commit()
    # "khuyen" starts no other word; "hoc" no other either; "ho" starts "hoc"; "o" is a word (one letter)
    assert expression(session, "khuyen hoc ho o") == '"khuyen" AND "hoc" AND "ho"* AND "o"'
    assert expression(session, "khuy") == '"khuy"*' and expression(session, "zzz") == '"zzz"'
    assert [h.document_id for h in index.search(session, "khuyen").hits] == [1]
    add(session, index, make_entry(3, body="Khuyếnxyz"))  # a longer word: "khuyen" is a prefix again
    session.commit()
    clear_cache()
    assert expression(session, "khuyen") == '"khuyen"*'
    assert sorted(h.document_id for h in index.search(session, "khuyen").hits) == [1, 3]
    assert [h.document_id for h in index.search(session, "khuyenx").hits] == [3]

