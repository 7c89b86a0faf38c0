"""Writes from several processes at once into one database (SQLite file, or TEST_DATABASE_URL):
nothing lost, nothing mixed, no error.

1. 4 processes x 25 imports of different months, each a real workbook through the CLI's pipeline
   (``data.importer.import_files``): every import stored as its own batch, every row present; a
   fifth process reading all the while never fails and sees every import whole.
2. Imports, undo and target edits interleaved in 4 processes (each its own months and year).
3. 4 processes editing the same year's targets 10 times each: every edit lands whole, and the
   live targets are exactly the last edit's (a lost update would leave rows of two edits live).

The workers start together (a barrier) so that their writes really contend. tests/test_store.py
has the smaller concurrency checks (growing workbooks, one file imported four times at once).
"""

from __future__ import annotations

import multiprocessing
import traceback
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from data import schema
from data.importer import import_files, save_targets
from data.store import Store
from data.tables import AUDIT_LOG, BATCHES, TABLES
from metrics.catalogue import CATALOGUE
from tests.xlsx_factory import register_rows, write_xlsx

WORKERS, IMPORTS, ROWS = 4, 25, 4
BRANCH = "并发测试支部"
CTX = multiprocessing.get_context("spawn")
INDICATORS = [ind.name for ind in CATALOGUE[:3]]


def month_of(worker: int, i: int) -> tuple[int, int]:
    """A month of its own for each (worker, import): 100 consecutive months from 2015-01."""
    index = worker * IMPORTS + i
    return 2015 + index // 12, index % 12 + 1


def records(year: int, month: int) -> list[dict]:
    types = schema.STUDY_TYPES
    return [{"date": date(year, month, 1 + 7 * d), "type": types[(month + d) % len(types)],
             "topic": f"{year}年{month}月第{d + 1}次学习", "hours": 1.5} for d in range(ROWS)]


def workbook(folder: Path, year: int, month: int) -> Path:
    return write_xlsx(folder / f"{year}-{month:02d}.xlsx", {schema.STUDY.name: register_rows("study", records(year, month))})


def _run(job, url: str, worker: int, folder: str, barrier, results) -> None:
    """A worker process: ``job`` after the barrier; its result (or traceback) on the queue."""
    try:
        store = Store(url, branch=BRANCH)
        # A job is called twice: with None to prepare (build its files) before the barrier, then
        # with what that returned, to do its writes.
        prepared = job(store, worker, Path(folder), None)
        barrier.wait(timeout=120)
        results.put((worker, job(store, worker, Path(folder), prepared), None))
    except Exception:  # reported to the parent, which fails the test with it
        results.put((worker, None, traceback.format_exc()))


def _read(url: str, barrier, stop, results) -> None:
    """A reader process, while the writers write: the history and the live rows, again and again.
    Every read succeeds; every import is seen whole (live rows a multiple of ROWS) and the history
    only grows."""
    try:
        store = Store(url, branch=BRANCH)
        barrier.wait(timeout=120)
        reads, seen = 0, (0, 0)
        while not stop.is_set() or reads == 0:
            batches, rows = len(store.batches()), len(store.load("study"))
            assert rows % ROWS == 0, rows
            assert batches >= seen[0] and rows >= seen[1], (seen, batches, rows)
            seen, reads = (batches, rows), reads + 1
        results.put(("reader", reads, None))
    except Exception:
        results.put(("reader", None, traceback.format_exc()))


def run_workers(job, url: str, folder: Path, reader: bool = False) -> dict[int, object]:
    Store(url, branch=BRANCH)  # tables exist before the workers start
    barrier, results, stop = CTX.Barrier(WORKERS + reader), CTX.Queue(), CTX.Event()
    procs = [CTX.Process(target=_run, args=(job, url, w, str(folder), barrier, results)) for w in range(WORKERS)]
    if reader:
        procs.append(CTX.Process(target=_read, args=(url, barrier, stop, results)))
    for p in procs:
        p.start()
    out = [results.get(timeout=300) for _ in range(WORKERS)]
    stop.set()
    out += [results.get(timeout=300) for _ in range(reader)]
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0] * len(procs)
    errors = [err for _, _, err in out if err]
    assert errors == [], errors[0]
    return {w: result for w, result, _ in out}


def audit_actions(store: Store) -> pd.Series:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(AUDIT_LOG.c.action).where(AUDIT_LOG.c.branch == BRANCH)).scalars().all()
    return pd.Series(rows, dtype="str").value_counts()


# --- 1. 4 x 25 imports ----------------------------------------------------------------------------


def _imports(store: Store, worker: int, folder: Path, files):
    if files is None:
        return [workbook(folder, *month_of(worker, i)) for i in range(IMPORTS)]
    out = []
    for path in files:
        outcome = import_files(store, [path], user=f"干事{worker}")
        out.append((len(outcome.errors), outcome.results[0].added, outcome.results[0].batch_id))
    return out


def test_four_processes_import_25_months_each(db_url, tmp_path):
    done = run_workers(_imports, db_url, tmp_path, reader=True)
    assert done["reader"] >= 1
    results = [r for w in range(WORKERS) for r in done[w]]
    assert [(errors, added) for errors, added, _ in results] == [(0, ROWS)] * (WORKERS * IMPORTS)
    store = Store(db_url, branch=BRANCH)
    batches = store.batches()
    assert sorted(b for _, _, b in results) == sorted(batches["id"]) and len(set(batches["id"])) == WORKERS * IMPORTS
    assert (batches["status"] == "active").all() and (batches["added"] == ROWS).all()
    stored = store.load("study")
    expected = [r for w in range(WORKERS) for i in range(IMPORTS) for r in records(*month_of(w, i))]
    got = sorted(zip(stored["date"].dt.date, stored["type"], stored["topic"]))
    assert got == sorted((r["date"], r["type"], r["topic"]) for r in expected)
    assert audit_actions(store).to_dict() == {"import": WORKERS * IMPORTS}


# --- 2. imports, undo and target edits interleaved ------------------------------------------------

ROUNDS = 10


def _targets(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"indicator": INDICATORS, "target": values, "note": [""] * len(values)})


def _mixed(store: Store, worker: int, folder: Path, files):
    if files is None:
        return [workbook(folder, 2030 + worker, r + 1) for r in range(ROUNDS)]
    for r, path in enumerate(files):
        batch = import_files(store, [path], user="组织委员").results[0].batch_id
        saved = save_targets(store, 2040 + worker, _targets([r + 1.0, r + 2.0, r + 3.0]), user="书记")
        assert not saved.rejected and saved.results[0].batch_id is not None
        if r % 2:
            store.undo(batch, user="书记")
    return None


def test_imports_undo_and_target_edits_interleaved(db_url, tmp_path):
    run_workers(_mixed, db_url, tmp_path)
    store = Store(db_url, branch=BRANCH)
    stored = store.load("study")
    expected = [r for w in range(WORKERS) for m in range(1, ROUNDS + 1, 2) for r in records(2030 + w, m)]
    assert sorted(zip(stored["date"].dt.date, stored["topic"])) == sorted((r["date"], r["topic"]) for r in expected)
    targets = store.load("targets")
    last = ROUNDS - 1
    assert sorted(zip(targets["year"], targets["indicator"], targets["target"])) == sorted(
        (2040 + w, name, last + 1.0 + j) for w in range(WORKERS) for j, name in enumerate(INDICATORS))
    batches = store.batches()
    assert batches.groupby(["kind", "status"]).size().to_dict() == {
        ("import", "active"): WORKERS * ROUNDS // 2, ("import", "undone"): WORKERS * ROUNDS // 2,
        ("targets", "active"): WORKERS * ROUNDS}
    assert audit_actions(store).to_dict() == {"import": WORKERS * ROUNDS, "targets": WORKERS * ROUNDS,
                                              "undo": WORKERS * ROUNDS // 2}


# --- 3. one year's targets edited by everyone ------------------------------------------------------

YEAR = 2050


def _contest(store: Store, worker: int, folder: Path, ready):
    if ready is None:
        return True
    for r in range(ROUNDS):
        values = [1000.0 * worker + 10 * r + j for j in range(len(INDICATORS))]  # unique to this edit
        saved = save_targets(store, YEAR, _targets(values), user=f"编辑{worker}")
        assert not saved.rejected and saved.results[0].added == len(INDICATORS)
    return None


def test_concurrent_edits_of_one_years_targets_never_mix(db_url, tmp_path):
    run_workers(_contest, db_url, tmp_path)
    store = Store(db_url, branch=BRANCH)
    batches = store.batches()
    assert len(batches) == WORKERS * ROUNDS and set(batches["kind"]) == {"targets"}
    t = TABLES["targets"]
    with store.engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(sa.select(t.c.batch_id, t.c.removed_by, t.c.target)).all(),
                            columns=["batch_id", "removed_by", "target"])
        last = conn.execute(sa.select(sa.func.max(BATCHES.c.id))).scalar_one()
    # Every edit stored whole and replaced whole by the next one (in commit order).
    assert (rows.groupby("batch_id").size() == len(INDICATORS)).all()
    assert len(rows) == WORKERS * ROUNDS * len(INDICATORS)
    order = sorted(batches["id"])
    assert {b: sorted(set(rows.loc[rows["batch_id"] == b, "removed_by"].dropna().astype(int)))
            for b in order[:-1]} == {b: [nxt] for b, nxt in zip(order, order[1:])}
    current = rows.loc[rows["removed_by"].isna()]
    assert set(current["batch_id"]) == {last} and len(current) == len(INDICATORS)
    targets = store.load("targets")
    assert sorted(targets["target"]) == sorted(current["target"])
