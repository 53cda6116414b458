"""The triggers' document counters (migration i16l_document_counts) always equal an exact count of
the documents by (lead, partner, status): backfilled from existing rows, then kept through inserts,
updates of status and organisations, deletes, bulk statements, rolled back transactions and
concurrent writers, on SQLite and PostgreSQL (issue 16: the list's total is summed from them)."""
from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import Engine, delete, insert, select, text, update

from khuyenhoc_docs import migrate
from khuyenhoc_docs.db import make_engine
from khuyenhoc_docs.models import STATUSES, Document, Organisation, OrgLevel, User

BEFORE = "me_search_newest_kind"  # the revision before the counters


def _setup(url: str, orgs: int = 6) -> tuple[Engine, list[int], int]:
    """Organisations and one user at the revision before the counters."""
    migrate.upgrade(url, BEFORE)
    engine = make_engine(url)
    with engine.begin() as conn:
        level = conn.execute(insert(OrgLevel).values(code="tinh", name="Tỉnh", rank=0).returning(OrgLevel.id)).scalar_one()
        ids = [conn.execute(insert(Organisation).values(level_id=level, family="hkh" if i % 2 else "doan",
                                                        name=f"Đơn vị {i}", header_name=f"ĐƠN VỊ {i}",
                                                        abbreviation=f"DV{i}").returning(Organisation.id)).scalar_one()
               for i in range(orgs)]
        user = conn.execute(insert(User).values(username="u", full_name="U", password_hash="x",
                                                organisation_id=ids[0]).returning(User.id)).scalar_one()
    return engine, ids, user


def _add(conn, rng: random.Random, orgs: list[int], user: int, count: int) -> None:
    conn.execute(insert(Document), [{"kind": "programme_province", "title": f"Văn bản {rng.random()}",
                                     "status": rng.choice(STATUSES), "fields": {}, "lead_org_id": rng.choice(orgs),
                                     "partner_org_id": rng.choice(orgs), "created_by_id": user}
                                    for _ in range(count)])


def _assert_counts_exact(engine: Engine) -> int:
    """Counters summed by key equal the exact count; returns the counters' row count."""
    with engine.connect() as conn:
        exact = {tuple(r[:3]): r[3] for r in conn.execute(text(
            "SELECT lead_org_id, partner_org_id, status, count(*) FROM documents "
            "GROUP BY lead_org_id, partner_org_id, status"))}
        # PostgreSQL may hold a key in several rows (one per transaction that changed it at once)
        counted = {tuple(r[:3]): r[3] for r in conn.execute(text(
            "SELECT lead_org_id, partner_org_id, status, sum(n) FROM document_counts "
            "GROUP BY lead_org_id, partner_org_id, status HAVING sum(n) <> 0"))}
        rows = conn.execute(text("SELECT count(*) FROM document_counts")).scalar_one()
    assert counted == exact
    return rows


def _exercise(url: str) -> None:
    rng = random.Random(16)
    engine, orgs, user = _setup(url)
    with engine.begin() as conn:
        _add(conn, rng, orgs, user, 40)  # written before the migration: the backfill counts them
    migrate.upgrade(url)
    _assert_counts_exact(engine)
    for _round in range(6):
        with engine.begin() as conn:
            _add(conn, rng, orgs, user, 25)
            ids = list(conn.scalars(select(Document.id)))
            for doc_id in rng.sample(ids, 15):  # one row at a time, as the workflow does
                change = rng.choice(["status", "lead", "partner", "both", "same", "title"])
                values: dict = {"title": "sửa"} if change == "title" else {}
                if change in ("status", "both"):
                    values["status"] = rng.choice(STATUSES)
                if change in ("lead", "both"):
                    values["lead_org_id"] = rng.choice(orgs)
                if change == "partner":
                    values["partner_org_id"] = rng.choice(orgs)
                if change == "same":  # columns named in SET without a change: nothing moves
                    row = conn.execute(select(Document.status, Document.lead_org_id).where(Document.id == doc_id)).one()
                    values = {"status": row.status, "lead_org_id": row.lead_org_id}
                conn.execute(update(Document).where(Document.id == doc_id).values(**values))
            # bulk statements over many rows
            conn.execute(update(Document).where(Document.id.in_(rng.sample(ids, 10))).values(status=rng.choice(STATUSES)))
            conn.execute(delete(Document).where(Document.id.in_(rng.sample(ids, 8))))
        _assert_counts_exact(engine)
        # a transaction rolled back leaves no trace in the counters
        with engine.connect() as conn:
            _add(conn, rng, orgs, user, 5)
            conn.execute(update(Document).values(status="issued"))
            conn.rollback()
        _assert_counts_exact(engine)
    _assert_list_totals_exact(engine, orgs, user)
    engine.dispose()


def _assert_list_totals_exact(engine: Engine, orgs: list[int], user: int) -> None:
    """The list's prebuilt total and page statements, every kind, against a count of the documents
    the same access clause admits (on this engine: parameters, LIMIT/OFFSET, the counters' sum)."""
    from sqlalchemy import func

    from khuyenhoc_docs.access import VISIBLE_DOCUMENTS
    from khuyenhoc_docs.workflow.documents import _list_statements

    docs = Document.__table__.c
    with engine.begin() as conn:  # a scope of three: orgs[1] and the two units below it
        conn.execute(update(Organisation).where(Organisation.id.in_(orgs[2:4])).values(parent_id=orgs[1]))
    with engine.connect() as conn:
        for scope in (orgs[0], orgs[1], 0):  # 0: no such organisation, an empty scope
            for restricted in (True, False):
                for status in (None, *STATUSES):
                    for like in (None, "%bản 0.1%"):
                        params: dict = {"org_id": scope, "me_id": user, "limit": 5, "offset": 2}
                        exact = select(func.count()).select_from(Document.__table__)
                        if restricted:
                            exact = exact.where(VISIBLE_DOCUMENTS)
                        if status is not None:
                            params["status"] = status
                            exact = exact.where(docs.status == status)
                        if like is not None:
                            params["like"] = like
                            exact = exact.where(docs.title.ilike(like))
                        count, listed = _list_statements(restricted, status is not None, like is not None, True)
                        expected = conn.execute(exact, params).scalar_one()
                        assert conn.execute(count, params).scalar_one() == expected, (scope, restricted, status, like)
                        assert len(conn.execute(listed, params).all()) == max(0, min(5, expected - 2))


def _concurrent(url: str, threads: int = 4, rounds: int = 15) -> None:
    """Writers on several connections at once changing the same pairs' documents."""
    engine, orgs, user = _setup(url, orgs=2)
    migrate.upgrade(url)
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(rounds):
                with engine.begin() as conn:
                    _add(conn, rng, orgs, user, 2)
                    mine = list(conn.scalars(select(Document.id).where(Document.title.like("Văn bản%"))
                                             .order_by(Document.id.desc()).limit(2)))
                    conn.execute(update(Document).where(Document.id.in_(mine)).values(status=rng.choice(STATUSES)))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert not errors, errors
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == threads * rounds * 2
    rows = _assert_counts_exact(engine)
    # 2 organisations × 7 statuses: a key has at most one row per writer at the same moment
    assert rows <= 2 * 2 * len(STATUSES) * threads, rows
    engine.dispose()


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = 'documents'")))
        return set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'documents'::regclass "
                                     "AND NOT tgisinternal")))


def test_sqlite_counters_equal_the_exact_count(tmp_path):
    _exercise(f"sqlite:///{tmp_path / 'c.sqlite3'}")


def test_sqlite_counters_with_concurrent_writers(tmp_path):
    _concurrent(f"sqlite:///{tmp_path / 'w.sqlite3'}")


def test_sqlite_triggers_exist_at_head_and_go_with_a_downgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 't.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    assert _triggers(engine) == {"documents_count_insert", "documents_count_delete", "documents_count_update"}
    migrate.downgrade(url, BEFORE)
    assert _triggers(engine) == set()
    engine.dispose()


@pytest.mark.slow
def test_postgresql_counters_equal_the_exact_count(pg):
    _exercise(pg.create_database())


@pytest.mark.slow
def test_postgresql_counters_with_concurrent_writers(pg):
    _concurrent(pg.create_database())


@pytest.mark.slow
def test_postgresql_triggers_exist_at_head_and_go_with_a_downgrade(pg):
    url = pg.create_database()
    migrate.upgrade(url)
    engine = make_engine(url)
    assert _triggers(engine) == {"documents_count_insert_delete", "documents_count_update"}
    migrate.downgrade(url, BEFORE)
    assert _triggers(engine) == set()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'document_counts_%'")).scalar_one() == 0
    engine.dispose()
