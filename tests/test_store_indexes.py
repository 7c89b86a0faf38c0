"""The store's schema at start: every table of every MetaData the app uses is made (so a PostgreSQL
owner's setup step makes them all), and an index of an earlier release is swapped for its successor:
the full index on ``removed_by`` (SQLite's planner used it for ``removed_by IS NULL``, walking every
branch's live rows) becomes a partial one, and "this branch's live rows of these periods" uses
(branch, period). Runs on PostgreSQL too (TEST_DATABASE_URL)."""

from __future__ import annotations

import sqlalchemy as sa

from data.store import Store, all_metadata
from data.tables import OLD_INDEXES, TABLES


def indexes(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        inspector = sa.inspect(conn)
        return {i["name"] for t in TABLES.values() for i in inspector.get_indexes(t.name)}


def test_a_store_makes_every_table_of_every_metadata(db_url):
    store = Store(db_url, branch="甲支部")
    present = set(sa.inspect(store.engine).get_table_names())
    wanted = {t.name for m in all_metadata() for t in m.sorted_tables}
    assert {"sign_in_sessions", "signin_failures", "branches"} <= wanted <= present


def test_an_old_removed_by_index_is_swapped_for_the_partial_one(db_url):
    store = Store(db_url, branch="甲支部")
    with store.engine.begin() as conn:  # the database as the previous release left it
        for name, table in OLD_INDEXES.items():
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "ix_{table}_replaced"')
            conn.exec_driver_sql(f'CREATE INDEX "{name}" ON "{table}" (removed_by)')
    assert set(OLD_INDEXES) <= indexes(store)
    Store(db_url, branch="甲支部")  # the next start
    found = indexes(store)
    assert not set(OLD_INDEXES) & found
    assert {f"ix_{t.name}_replaced" for t in TABLES.values()} <= found
    if store.engine.dialect.name == "sqlite":
        t = TABLES["study"]
        query = (sa.select(t.c.id, t.c.period, t.c.row_hash)
                 .where(t.c.branch == "甲支部", t.c.period.in_(["2025-01", "2025-02"]), t.c.removed_by.is_(None))
                 .order_by(t.c.id))
        sql = str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))
        with store.engine.connect() as conn:
            plan = " ".join(str(r) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            undo = " ".join(str(r) for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN UPDATE study SET removed_by = NULL WHERE removed_by = 7"))
        assert "ix_study_branch_period" in plan, plan
        assert "ix_study_replaced" in undo, undo  # undo still finds a batch's replaced rows by index
