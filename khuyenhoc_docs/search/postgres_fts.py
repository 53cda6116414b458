"""PostgreSQL full-text search implementation (production).

``search_entries.tsv`` is a generated ``to_tsvector('simple', folded)`` column with
a GIN index, so writes are a plain upsert. The query is ``to_tsquery('simple', …)``
built from the folded tokens, each quoted (and prefix-matched from two characters);
ranking is ``ts_rank``. See ``_tuned`` and ``_newest_matching`` for the two places where
the planner needs help to stay fast on large archives.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Executable,
    FromClause,
    Integer,
    Select,
    Text,
    TextClause,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from .base import NEWEST, SqlSearchIndex
from .filters import filter_conditions
from .model import SearchFilters
from .schema import search_entries
from .text import is_prefix

_tsv: ColumnClause[Any] = literal_column("search_entries.tsv")
# A literal regconfig: a bound parameter would arrive as text and to_tsquery(text, text)
# does not exist.
_simple: ColumnClause[Any] = literal_column("'simple'::regconfig")


def _upsert() -> TextClause:
    # Plain SQL on purpose: SQLAlchemy cannot cache the compiled form of the dialect's
    # insert().on_conflict_do_update() ("no key"); compiling it was ~30% of each write.
    names = [c.name for c in search_entries.c if c.name != "id"]
    updates = ", ".join(f"{n} = EXCLUDED.{n}" for n in names if n not in ("kind", "document_id"))
    return text(
        f"INSERT INTO search_entries ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "
        f"ON CONFLICT (kind, document_id) DO UPDATE SET {updates}"
    )


_UPSERT = _upsert()
_SEQSCAN_CURRENT = text("SELECT current_setting('enable_seqscan')")
_SEQSCAN_SET = text("SELECT set_config('enable_seqscan', :value, true)")
_RELTUPLES = text("SELECT reltuples FROM pg_class WHERE oid = 'search_entries'::regclass")
# The newest-first walk may read up to this many rows (each detoasts its tsvector).
_WALK_ROWS = 2_000
_DELETE = search_entries.delete().where(search_entries.c.kind == bindparam("kind"),
                                       search_entries.c.document_id == bindparam("document_id"))


def tsquery_text(terms: Sequence[str]) -> str:
    """``to_tsquery`` input: every term quoted, as a prefix (see ``is_prefix``), all required.

    ``terms`` come from ``text.tokenize`` (letters/digits only); the quoting and
    escaping keep any other character a literal regardless.
    """
    quoted = (
        "'" + term.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if is_prefix(term) else "")
        for term in terms
    )
    return " & ".join(quoted)


def _tsquery(terms: Sequence[str]) -> ColumnElement[Any]:
    return func.to_tsquery(_simple, bindparam("tsquery", tsquery_text(terms), type_=Text))


@dataclass
class PostgresSearchIndex(SqlSearchIndex):
    """``SearchIndex`` on PostgreSQL full-text search (``simple`` configuration)."""

    dialect: ClassVar[str] = "postgresql"
    # Filtered, the newest-first page sorts every match anyway (_newest_matching): counting them in
    # the same statement saves a second GIN and heap scan (100k records, year = 2019: ~60 ms).
    count_with_page: ClassVar[bool] = True
    # Scoring a listed match costs per row (ts_rank reads each tsvector): halves by position halve
    # it (100k records, a signer filter, 1,030 rows: ~52 -> ~30 ms). On SQLite a statement's cost
    # is its row id range and its IDF statistics, which halves of a list rarely halve.
    split_ranking: ClassVar[bool] = True

    def _match(
        self, terms: Sequence[str], filtered: bool = False,
    ) -> tuple[FromClause, ColumnElement[bool], ColumnElement[Any]]:
        query = _tsquery(terms)
        return search_entries, _tsv.op("@@")(query), func.ts_rank(_tsv, query)

    def _text_filters(self, filters: SearchFilters) -> list[ColumnElement[bool]]:
        # The GIN bitmap drives, filters are checked on its rows: the planner prices "tsv @@"
        # as cheap and would take a year, status or date index instead, then detoast the
        # tsvector of every row of that year (100k records: year = 2019, 9,974 rows, ~90 ms a
        # statement; by the GIN bitmap, reading no tsvector, ~5-40 ms).
        return filter_conditions(filters, unindexed=True)

    def _newest_matching(
        self, session: Session, terms: Sequence[str], conditions: list[ColumnElement[bool]], total: int | None,
        reach: int,
    ) -> Select[Any]:
        c = search_entries.c
        source, match, _ = self._match(terms)
        if total is None:
            # Counted beside, the planner expecting many matches (_expects_many): walk the newest
            # index as below, but through its newest _WALK_ROWS rows at most. An estimate can be far
            # off (common words that seldom meet), and an unbounded walk through a sparse match reads
            # every row's tsvector; a page the walk cannot fill is made again once the total is known.
            newest = select(c.id, c.issue_date, c.document_id, c.kind, _tsv.label("tsv")).order_by(*NEWEST)
            walked = newest.limit(_WALK_ROWS).subquery()
            return (select(walked.c.id).where(walked.c.tsv.op("@@")(_tsquery(terms)))
                    .order_by(walked.c.issue_date.desc().nulls_last(), walked.c.document_id.desc(),
                              walked.c.kind.desc()))
        if not conditions and reach * self._archive_size(session) <= _WALK_ROWS * total:
            # Dense matches and no filter ("khuyến học" in most records): walk the newest
            # index and test each row, which stops after ~reach × archive / total rows
            # (100k records, all matching: ~1 ms instead of ~100 ms of GIN scan + sort).
            # The copy "tsv || ''" keeps the planner off the GIN index for this statement.
            copy = _tsv.op("||")(literal_column("''::tsvector"))
            return select(c.id).where(copy.op("@@")(_tsquery(terms))).order_by(*NEWEST)
        # Otherwise sort the matches (GIN bitmap, no tsvector read) instead of walking the
        # newest index: the walk reads the tsvector of every row it passes, and when the
        # match or a filter correlates with the date ("2019", year=2019) it passes tens of
        # thousands (100k records: 520-830 ms walking vs ~100 ms sorting). "+ 0" makes
        # the sort keys unindexable, so the planner cannot take the walk.
        zero: ColumnClause[Any] = literal_column("0")
        return (
            select(c.id).select_from(source).where(*conditions, match)
            .order_by((c.issue_date + zero).desc().nulls_last(), (c.document_id + zero).desc(), c.kind.desc())
        )

    def _ranked_window(
        self, terms: Sequence[str], source: FromClause, where: ColumnElement[bool], score: ColumnElement[Any],
        filtered: bool, every: list[int] | None,
    ) -> Select[Any]:
        # Every match listed (_newest_and_total): score just these rows by id instead of running
        # the match and its filters again (100k records, a signer filter, 1,030 of 82,320 matches:
        # 229 / 269 -> 168 / 170 ms for the whole search; "sơ kết", issued in 2021, 179 / 181 -> 152 / 146 ms).
        if every is None:
            return super()._ranked_window(terms, source, where, score, filtered, every)
        listed = bindparam("every_ids", every, type_=ARRAY(Integer))
        return select(search_entries.c.id, score).where(search_entries.c.id == any_(listed)).order_by(score.desc(), *NEWEST)

    # Statements beside the page plan as the session's do (see _tuned).
    _beside_setup: ClassVar[tuple[Executable, ...]] = (text("SELECT set_config('enable_seqscan', 'off', true)"),)

    def _expects_many(self, session: Session, source: FromClause, match: ColumnElement[bool]) -> bool:
        # The planner's row estimate for the match (~1 ms to plan; the GIN statistics are coarse,
        # so this only chooses whether to build the newest-first page before the count ends).
        statement: Select[Any] = select(literal_column("1")).select_from(source).where(match)
        compiled = statement.compile(dialect=session.get_bind().dialect)
        plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params)
        return float(plan.scalar_one()[0]["Plan"]["Plan Rows"]) > self.rank_limit

    def _archive_size(self, session: Session) -> int:
        """The planner's estimate of the number of records (0 before the first ANALYZE)."""
        return max(0, int(session.connection().execute(_RELTUPLES).scalar_one() or 0))

    @contextmanager
    def _tuned(self, session: Session) -> Iterator[None]:
        # The planner prices "tsv @@ query" as a cheap filter and picks a sequential
        # scan as soon as a few percent of rows match, but every row then detoasts its
        # tsvector (~3 KB). The GIN bitmap scan needs no recheck for these queries, so
        # it never reads them: 20k records, 2.8k matches → 12 ms instead of 210 ms.
        # SET LOCAL semantics, restored afterwards: the caller's transaction is not changed.
        conn = session.connection()
        previous = conn.execute(_SEQSCAN_CURRENT).scalar_one()
        conn.execute(_SEQSCAN_SET, {"value": "off"})
        failed = False
        try:
            yield
        except BaseException:
            failed = True  # the transaction may be aborted: leave it to the caller's rollback
            raise
        finally:
            if not failed:
                conn.execute(_SEQSCAN_SET, {"value": previous})

    def _write(self, session: Session, values: dict[str, Any]) -> None:
        # One prebuilt statement on the session's connection: compiled once.
        session.connection().execute(_UPSERT, values)

    def _delete(self, session: Session, document_id: int, kind: str) -> None:
        session.connection().execute(_DELETE, {"document_id": document_id, "kind": kind})
