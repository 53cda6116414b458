"""Fixtures: every contract test runs on SQLite (temp file) and PostgreSQL.

PostgreSQL comes from the session-wide ``pg`` cluster (tests/conftest.py): one fresh
database per test module, emptied before each test. SQLite gets a fresh file per test.
Both schemas are made by ``schema.create`` exactly as the migration will.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.search import SearchEntry, SearchIndex, schema, search_index_for

ENGINES = ["sqlite", "postgresql"]


def create_schema(engine: Engine) -> None:
    """Run schema.create the way Alembic's ``op.execute`` does (strings through ``text()``)."""
    with engine.begin() as conn:
        schema.create(lambda sql: conn.execute(text(sql)), engine.dialect.name)


@pytest.fixture(scope="module")
def pg_engine(pg) -> Iterator[Engine]:
    """A fresh PostgreSQL database for this test module, with the search schema."""
    engine = make_engine(pg.create_database())
    create_schema(engine)
    yield engine
    engine.dispose()


def sqlite_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    create_schema(engine)
    return engine


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine with an empty search schema (SQLite or PostgreSQL)."""
    if request.param == "sqlite":
        result = sqlite_engine(tmp_path / "search.sqlite3")
        yield result
        result.dispose()
    else:
        result = request.getfixturevalue("pg_engine")
        with result.begin() as conn:
            conn.execute(text("DELETE FROM search_entries"))
        yield result


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as s:
        yield s


@pytest.fixture
def index(engine: Engine) -> SearchIndex:
    return search_index_for(engine)


def make_entry(document_id: int, **overrides: Any) -> SearchEntry:
    """A realistic entry; tests override only what they look at."""
    values: dict[str, Any] = {
        "document_id": document_id,
        "doc_number": f"{document_id}/CTPH-HKH-ĐTN",
        "title": "Chương trình phối hợp",
        "body": "Nội dung văn bản.",
        "year": 2019,
        "level_code": "tinh",
        "organisation_ids": (1,),
        "signer_names": ("Trần Thị Bình",),
        "status": "issued",
        "issue_date": date(2019, 5, 1),
    }
    values.update(overrides)
    if "issue_date" in overrides and "year" not in overrides:  # a dated entry's year is its date's
        values["year"] = overrides["issue_date"].year if overrides["issue_date"] is not None else None
    return SearchEntry(**values)


def add(session: Session, index: SearchIndex, *entries: SearchEntry) -> None:
    for entry in entries:
        index.index_document(session, entry)
    session.commit()


_VOCABULARY = ("khuyến học khuyến tài gia đình dòng họ cộng đồng học tập xã hội thanh niên đoàn viên "
               "hội viên học bổng vượt khó tỉnh huyện xã phường ấp Bến Tre Trà Vinh Vĩnh Long năm "
               "chương trình phối hợp kế hoạch báo cáo sơ kết tổng kết tuyên dương")


def long_entry(document_id: int, **overrides: Any) -> SearchEntry:
    """An entry with ~3 KB of varied text, like a programme: it compresses to ~1.5 KB, small
    enough that PostgreSQL would by default keep part of it in the row."""
    import random

    rng = random.Random(document_id)
    vocabulary = _VOCABULARY.split()
    body = " ".join(rng.choice(vocabulary) + str(rng.randint(0, 99)) for _ in range(350))
    return make_entry(document_id, **{"body": body, "title": f"Chương trình phối hợp số {document_id}", **overrides})


def live_heap_pages(engine: Engine) -> int:
    """PostgreSQL: pages holding the live rows of search_entries (what a bitmap scan over all reads)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(DISTINCT (ctid::text::point)[0]) FROM search_entries")).scalar_one()
