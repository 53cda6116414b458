"""Phase 2 of a search: the page's rows read by primary key, with their snippets."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .model import SearchHit
from .schema import search_entries
from .text import snippet_html


def page_hits(
    session: Session, ids: list[int], scores: dict[int, float], terms: list[str], snippet_words: int,
) -> tuple[SearchHit, ...]:
    """The hits of the entries ``ids``, in that order, scored by ``scores`` (0 when absent)."""
    if not ids:
        return ()
    c = search_entries.c
    rows = session.execute(
        select(c.id, c.kind, c.document_id, c.doc_number, c.title, c.body).where(c.id.in_(ids))
    ).all()
    by_id = {row.id: row for row in rows}
    return tuple(
        SearchHit(
            document_id=row.document_id,
            doc_number=row.doc_number,
            title=row.title,
            snippet_html=snippet_html(row.body, terms, snippet_words),
            score=scores.get(row.id, 0.0),
            kind=row.kind,
        )
        for row in (by_id[i] for i in ids if i in by_id)
    )
