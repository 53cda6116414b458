"""Alembic migrations from empty to head (and back) on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import inspect

from khuyenhoc_docs import (
    migrate,
    models,  # noqa: F401
)
from khuyenhoc_docs.db import Base, make_engine


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()
    migrate.downgrade(url, "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(url)


def _no_drift(url: str) -> None:
    """The models and the migrations describe the same schema."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from khuyenhoc_docs.migrations.env_filters import include_object

    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_sqlite_empty_to_head_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    _roundtrip(url)
    _no_drift(url)


@pytest.mark.slow
def test_postgresql_empty_to_head_and_back(pg):
    url = pg.create_database()
    _roundtrip(url)
    _no_drift(url)
