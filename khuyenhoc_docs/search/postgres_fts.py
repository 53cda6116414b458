"""PostgreSQL full-text search implementation (production).

``search_entries.tsv`` is a generated ``to_tsvector('simple', folded)`` column with
a GIN index, so writes are a plain upsert. The query is ``to_tsquery('simple', …)``
built from the folded tokens, each quoted and prefix-matched; ranking is ``ts_rank``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

from sqlalchemy import ColumnElement, FromClause, Text, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from .base import SqlSearchIndex
from .schema import search_entries

_tsv = literal_column("search_entries.tsv")
# A literal regconfig: a bound parameter would arrive as text and to_tsquery(text, text)
# does not exist.
_simple = literal_column("'simple'::regconfig")


def _upsert() -> Any:
    statement = pg_insert(search_entries)
    changes = {c.name: statement.excluded[c.name] for c in search_entries.c if c.name not in ("id", "document_id")}
    return statement.on_conflict_do_update(index_elements=["document_id"], set_=changes)


_UPSERT = _upsert()
_DELETE = search_entries.delete().where(search_entries.c.document_id == bindparam("document_id"))


def tsquery_text(terms: Sequence[str]) -> str:
    """``to_tsquery`` input: every term quoted as a prefix, all required.

    ``terms`` come from ``text.tokenize`` (letters/digits only); the quoting and
    escaping keep any other character a literal regardless.
    """
    quoted = ("'" + term.replace("\\", "\\\\").replace("'", "''") + "':*" for term in terms)
    return " & ".join(quoted)


def _tsquery(terms: Sequence[str]) -> ColumnElement[Any]:
    return func.to_tsquery(_simple, bindparam("tsquery", tsquery_text(terms), type_=Text))


@dataclass
class PostgresSearchIndex(SqlSearchIndex):
    """``SearchIndex`` on PostgreSQL full-text search (``simple`` configuration)."""

    dialect: ClassVar[str] = "postgresql"

    def _match(self, terms: Sequence[str]) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
        query = _tsquery(terms)
        return search_entries, _tsv.op("@@")(query), func.ts_rank(_tsv, query)

    def _scores(self, session: Session, terms: Sequence[str], ids: Sequence[int]) -> dict[int, float]:
        query = select(search_entries.c.id, func.ts_rank(_tsv, _tsquery(terms))).where(search_entries.c.id.in_(ids))
        return {row_id: float(score) for row_id, score in session.execute(query)}

    def _write(self, session: Session, values: dict[str, Any]) -> None:
        # One prebuilt statement on the session's connection: compiled once.
        session.connection().execute(_UPSERT, values)

    def _delete(self, session: Session, document_id: int) -> None:
        session.connection().execute(_DELETE, {"document_id": document_id})
