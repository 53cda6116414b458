"""SQLite: every word the full-text index holds, so a prefix term that extends no other word is
matched as that word.

A prefix term ("thuong"*) makes FTS5 read and merge the posting lists of every word it
starts before it returns a single match, whatever the LIMIT: at 100,000 records ~10-35 ms
for a newest-first page of a broad query, and its count ~1.4x the count of the same words.
Vietnamese syllables rarely extend one another beyond three letters, so most such terms start
just one word, themselves. The MATCH expression is built inside each statement from
``search_words``: a term stays a prefix only if the smallest indexed word after it starts
with it. "thuong"* and "thuong" then match exactly the same rows (and score the same), and the
expression is read in the statement's own snapshot, so a word written meanwhile is never
missed.

``search_words`` may keep words whose last record is gone (a prefix kept where the word
would do: only slower); it must never lack one, so every write adds its words in the same
transaction as the FTS5 insert, and ``rebuild`` and the migration refill it from FTS5's own
vocabulary.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, ColumnElement, MetaData, String, Table, case, func, literal, select, text
from sqlalchemy.engine import Connection

from .text import is_prefix

WORDS_TABLE = "search_words"
_VOCAB = "temp.search_vocab"

search_words = Table(WORDS_TABLE, MetaData(), Column("word", String, primary_key=True))
_w = search_words.c.word
# One statement per record (a JSON list; sorted, so the B-tree is walked in order): an
# executemany of its ~100-300 words cost ~0.9 ms of the ~1.8 ms an index write takes.
_ADD = text(f"INSERT OR IGNORE INTO {WORDS_TABLE} (word) SELECT value FROM json_each(:words)")

CREATE = [f"CREATE TABLE IF NOT EXISTS {WORDS_TABLE} (word TEXT NOT NULL PRIMARY KEY) WITHOUT ROWID"]
# From FTS5's own list of what it indexed (fts5vocab; ~1.6 s at 100,000 records: it reads
# every posting list, which is why searches do not ask it).
REFILL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCAB} USING fts5vocab(main, search_fts, row)",
    f"DELETE FROM {WORDS_TABLE}",
    f"INSERT INTO {WORDS_TABLE} (word) SELECT term FROM {_VOCAB}",
    f"DROP TABLE {_VOCAB}",
]
DROP = [f"DROP TABLE IF EXISTS {WORDS_TABLE}"]


def add_words(conn: Connection, folded: str) -> None:
    """Record the words of an indexed text (``folded``: words joined by single spaces, exactly
    the tokens FTS5's ascii tokenizer makes of it)."""
    words = sorted(set(folded.split()))
    if words:
        conn.execute(_ADD, {"words": json.dumps(words, ensure_ascii=False)})


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_expression(terms: Sequence[str]) -> ColumnElement[Any]:
    """The FTS5 MATCH expression of ``terms`` (every term required; see ``text.is_prefix``), with
    each prefix term narrowed to its word when ``search_words`` holds no longer word it starts."""
    parts: list[ColumnElement[Any]] = []
    for term in terms:
        part: ColumnElement[Any] = literal(_quoted(term), String)
        if is_prefix(term):
            # The smallest word after the term, cut to the term's length: the term itself when
            # some longer word starts with it (SQLite finds it on the primary key).
            following = select(func.substr(func.min(_w), 1, len(term))).where(_w > term).scalar_subquery()
            part = part.concat(case((following == literal(term, String), "*"), else_=""))
        parts.append(part)
    expression = parts[0]
    for part in parts[1:]:
        expression = expression.concat(" AND ").concat(part)
    return expression
