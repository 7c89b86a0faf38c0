"""Branches as records (data.branches) and the store's branch scope, on a real database (SQLite file,
or TEST_DATABASE_URL: CI's PostgreSQL pass runs this file too)."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from data import audit, branches
from data.errors import DataError, UndoRefused
from data.store import Store
from data.tables import AUDIT_LOG, BRANCHES, TABLES, BranchKind
from tests.helpers import ROOT
from tests.test_store import imp, month, typed

FIXTURE = ROOT / "tests" / "fixtures" / "structure_landed.sql"


def _records(store: Store) -> dict[str, branches.Branch]:
    with store.engine.begin() as conn:
        return {b.name: b for b in branches.all_records(conn)}


def test_a_store_gets_its_branch_record_on_first_start(db_url):
    store = Store(db_url, branch="甲支部")
    rec = _records(store)["甲支部"]
    assert (rec.id, rec.kind, rec.parent) == ("甲支部", BranchKind.BRANCH, None)
    assert (store.branch, store.branch_name) == ("甲支部", "甲支部")
    Store(db_url, branch="甲支部")  # a second start adds nothing
    assert len(_records(store)) == 1


def test_an_unknown_branch_is_refused_when_not_created(db_url):
    Store(db_url, branch="甲支部")
    with pytest.raises(branches.UnknownBranch) as err:
        Store(db_url, branch="乙支部", create=False)
    assert "乙支部" in err.value.message and "甲支部" in err.value.message


def test_rename_keeps_every_row_batch_and_audit_entry(db_url):
    store = Store(db_url, branch="甲支部")
    imp(store, month(1, 4))
    before = (store.counts(), store.batches()["id"].tolist(), audit.entries(store)["id"].tolist())
    with store.transaction(lock="branches") as conn:
        renamed = branches.rename(conn, "甲支部", "甲党支部", user="管理员")
    assert (renamed.id, renamed.name) == ("甲支部", "甲党支部")
    for name in ("甲党支部", "甲支部"):  # the new name, and the old one (a DJ_BRANCH not yet changed)
        again = Store(db_url, branch=name, create=False)
        assert (again.branch, again.branch_name) == ("甲支部", "甲党支部")
        after = (again.counts(), again.batches()["id"].tolist(), audit.entries(again)["id"][1:].tolist())
        assert after == before
    entry = audit.entries(store).iloc[0]
    assert entry["action"] == "branch_rename" and "甲支部 → 甲党支部" in entry["detail"]


def test_names_cannot_collide_with_a_name_or_an_old_name(db_url):
    store = Store(db_url, branch="甲支部")
    with store.transaction(lock="branches") as conn:
        branches.add(conn, "乙支部", user="管理员")
        branches.rename(conn, "甲支部", "甲党支部", user="管理员")
        for bad in ("乙支部", "甲支部", " 丙", ""):
            with pytest.raises(DataError):
                branches.add(conn, bad, user="管理员")
        with pytest.raises(DataError):
            branches.rename(conn, "乙支部", "甲支部", user="管理员")  # 甲's key: ambiguous


def test_the_organisation_is_every_branchs_parent(db_url):
    store = Store(db_url, branch="甲支部")
    with store.transaction(lock="branches") as conn:
        org = branches.add(conn, "市直机关工委", user="管理员", kind=BranchKind.ORGANISATION)
        later = branches.add(conn, "乙支部", user="管理员")
        with pytest.raises(DataError):
            branches.add(conn, "另一个工委", user="管理员", kind=BranchKind.ORGANISATION)
    recs = _records(store)
    assert recs["甲支部"].parent == org.id and later.parent == org.id
    assert Store(db_url, branch="乙支部").parent_targets().empty
    assert Store(db_url, branch="市直机关工委").parent_targets() is None


def test_a_branch_sees_and_changes_only_its_own_rows(db_url):
    a, b = Store(db_url, branch="甲支部"), Store(db_url, branch="乙支部")
    imp(a, month(1, 3, "甲"))
    result = imp(b, month(1, 5, "乙"))
    imp(b, [{"name": "张三"}], register="roster")
    assert len(a.load("study")) == 3 and set(a.load("study")["topic"].str[0]) == {"甲"}
    assert len(b.load("study")) == 5
    assert a.counts()["roster"] == 0 and a.years() == [2023]
    assert len(a.batches()) == 1 and a.version() != b.version()
    with pytest.raises(UndoRefused):  # b's batch is unknown to a
        a.undo(result.batch_id, user="甲的管理员")
    assert a.batch_details(result.batch_id).empty
    assert set(audit.entries(a)["batch_id"].dropna()) == set(a.batches()["id"])
    # the same month imported into a replaces a's rows only
    imp(a, month(1, 2, "甲"))
    assert len(a.load("study")) == 2 and len(b.load("study")) == 5


def test_an_import_into_one_branch_does_not_change_anothers_version(db_url):
    a, b = Store(db_url, branch="甲支部"), Store(db_url, branch="乙支部")
    before = a.version()
    imp(b, month(2))
    assert a.version() == before and b.version() != before


def _other_process(url: str, branch: str, ready, go, out) -> None:
    store = Store(url, branch=branch)
    out.put(("start", store.version(), store.counts()["study"]))
    ready.set()
    go.wait(60)
    out.put(("after", store.version(), store.counts()["study"]))


def test_an_import_in_one_process_shows_in_another_at_once(db_url):
    """Two OS processes, one database: the second holds a store (engine, pool) opened before the
    import and sees it on its next read; the cache key (``version``) changes with it."""
    Store(db_url, branch="甲支部")
    ctx = multiprocessing.get_context("spawn")
    ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=_other_process, args=(db_url, "甲支部", ready, go, out))
    proc.start()
    try:
        assert ready.wait(120)
        _, version0, count0 = out.get(timeout=60)
        imp(Store(db_url, branch="甲支部"), month(3, 4))
        go.set()
        _, version1, count1 = out.get(timeout=60)
    finally:
        proc.join(60)
    assert (count0, count1) == (0, 4) and version1 != version0


# --- migration of a database made by the previous release -----------------------------------


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="an SQLite file made by the previous release")
def test_a_previous_release_database_keeps_every_row_and_gets_its_branch_records(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # tests/fixtures: `iterdump` of a db made at tag structure-landed
        conn.executescript(FIXTURE.read_text(encoding="utf-8"))

    with sqlite3.connect(path) as conn:  # the registers that release had (later ones start empty)
        made = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    old_tables = [t for t in TABLES if t in made]
    assert {"study", "inspections", "volunteer", "roster"} <= set(old_tables)

    def rows() -> dict[str, list]:
        with sqlite3.connect(path) as conn:
            return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
                    for t in [*old_tables, "batches", "audit_log"]}
    before = rows()
    assert "branches" not in sqlite3.connect(path).execute(
        "SELECT group_concat(name) FROM sqlite_master WHERE type='table'").fetchone()[0]
    url = f"sqlite:///{path}"
    a = Store(url, branch="甲支部")
    assert rows() == before
    assert sorted(_records(a)) == ["乙支部", "甲支部"]
    b = Store(url, branch="乙支部", create=False)
    assert a.counts()["roster"] == 35 and b.counts()["roster"] == 0
    with sqlite3.connect(path) as conn:
        live = {t: conn.execute(f"SELECT count(*) FROM {t} WHERE removed_by IS NULL").fetchone()[0]
                for t in old_tables}
    assert {t: a.counts()[t] + b.counts()[t] for t in old_tables} == live and sum(live.values()) > 0
    assert all(a.counts()[t] == 0 for t in TABLES if t not in made)  # created empty on start
    # and it goes on working: an import, an undo
    result = imp(b, month(5))
    b.undo(result.batch_id, user="管理员")
    assert rows() == {**before, "batches": rows()["batches"], "audit_log": rows()["audit_log"]}


def test_records_appear_for_branches_found_in_the_data(db_url):
    """A restored backup (or a database written before this release) has rows of branches without
    records; the next store start adds them."""
    store = Store(db_url, branch="甲支部")
    imp(Store(db_url, branch="乙支部"), month(1))
    with store.engine.begin() as conn:
        conn.execute(sa.delete(BRANCHES).where(BRANCHES.c.id == "乙支部"))
    assert "乙支部" not in _records(store)
    Store(db_url, branch="甲支部")
    assert _records(store)["乙支部"].kind == BranchKind.BRANCH
    assert len(Store(db_url, branch="乙支部", create=False).load("study")) == 3


def test_every_branchs_version_in_one_query_equals_each_stores(db_url):
    a = Store(db_url, branch="甲支部")
    with a.transaction(lock="branches") as conn:
        branches.add(conn, "工委", user="管理员", kind=BranchKind.ORGANISATION)
        branches.add(conn, "乙支部", user="管理员")
    b, org = Store(db_url, branch="乙支部"), Store(db_url, branch="工委")
    imp(a, month(1))
    first = imp(b, month(2))
    imp(org, [{"year": 2023, "indicator": "集中学习", "target": 12.0}], register="targets")
    b.undo(first.batch_id, user="管理员")
    stores = [Store(db_url, branch=n) for n in ("甲支部", "乙支部", "工委")]  # fresh: the parent known
    with a.engine.begin() as conn:
        together = branches.versions(conn)
        last = branches.last_imports(conn)
    assert together == {s.branch: s.version() for s in stores}
    assert set(last) == {"甲支部", "工委"}  # 乙's only batch is undone
