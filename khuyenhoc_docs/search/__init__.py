"""Full-text search over the archive: one interface, SQLite FTS5 or PostgreSQL FTS.

Domain core (no Flask, no configuration reading)::

    index = search_index_for(session)
    index.index_document(session, SearchEntry(...))   # caller commits
    page = index.search(session, "khuyen hoc", SearchFilters(year=2019), page=1)

The schema is created by the migration through :mod:`khuyenhoc_docs.search.schema`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import reexports

# Imported at first use: importing the package imports none of its submodules (lazy.py says why).
__getattr__ = reexports(__name__, {
    "model": ("DOCUMENT", "INCOMING", "SearchEntry", "SearchFilters", "SearchHit", "SearchPage"),
    "base": ("SearchIndex", "search_index_for"),
    "text": ("SearchQueryInvalid", "fold", "tokenize"),
})

if TYPE_CHECKING:
    from .base import SearchIndex, search_index_for
    from .model import DOCUMENT, INCOMING, SearchEntry, SearchFilters, SearchHit, SearchPage
    from .text import SearchQueryInvalid, fold, tokenize

__all__ = [
    "DOCUMENT",
    "INCOMING",
    "SearchEntry",
    "SearchFilters",
    "SearchHit",
    "SearchIndex",
    "SearchPage",
    "SearchQueryInvalid",
    "fold",
    "search_index_for",
    "tokenize",
]
