"""data.store on a real database (SQLite file, or TEST_DATABASE_URL)."""

import multiprocessing

import pandas as pd
import pytest
import sqlalchemy as sa

from data import schema
from data.errors import UndoRefused
from data.store import PeriodChange, Store
from data.tables import METADATA, TABLES

# --- tiny builders -----------------------------------------------------------------------------


def typed(register: str, rows: list[dict]) -> pd.DataFrame:
    """A typed frame (schema DataFrame contract) with ``_row`` = Excel rows from 3."""
    reg = schema.REGISTERS[register]
    frame = schema.coerce(pd.DataFrame(rows, columns=reg.keys), reg)
    frame["_row"] = range(3, len(rows) + 3)
    return frame


def study(day: str, topic: str = "学习党章", **kw) -> dict:
    return {"date": day, "type": "集中学习", "topic": topic, **kw}


def month(m: int, n: int = 3, topic: str = "学习") -> list[dict]:
    return [study(f"2023-{m:02d}-{d % 28 + 1:02d}", f"{topic}{d}", hours=1.5) for d in range(n)]


def imp(store: Store, rows: list[dict], register: str = "study", name: str = "a.xlsx", **kw):
    return store.import_frames({register: typed(register, rows)}, file_name=name,
                               sha256="0" * 64, user="组织委员", **kw)


def snapshot(store: Store) -> dict:
    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                for t in METADATA.sorted_tables}


# --- import and load ---------------------------------------------------------------------------

SAMPLES = {
    "study": [study("2023-01-05", "学习二十大报告", speaker="书记", expected=10, present=9,
                    attendees="甲、乙", hours=2.0, group="第一党小组", place="会议室"),
              study("2023-02-09", "研讨", note="补记")],
    "inspections": [{"date": "2023-03-02", "type": "统计执法检查", "object": "某某有限公司",
                     "category": "企业", "inspectors": "甲、乙", "issues": 2, "rectify": "整改中"}],
    "volunteer": [{"date": "2023-04-01", "name": "张三", "activity": "植树", "hours": 2.5,
                   "category": "植树绿化", "method": "签到"}],
    "targets": [{"year": 2023, "indicator": "集中学习", "target": 12.0},
                {"year": 2024, "indicator": "集中学习", "target": 10.5, "note": "草案"}],
    "roster": [{"name": "张三", "group": "第一党小组", "status": "正式党员"},
               {"name": "李四", "status": "预备党员", "position": "组织委员"}],
}


@pytest.mark.parametrize("register", list(SAMPLES))
def test_import_then_load_equals_input(store, register):
    frame = typed(register, SAMPLES[register])
    result = store.import_frames({register: frame}, file_name="a.xlsx", sha256="f" * 64, user="u")
    assert result.batch_id is not None and not result.nothing_to_do
    assert result.added == len(frame) and result.removed == result.kept == 0
    loaded = store.load(register)
    keys = schema.REGISTERS[register].keys
    pd.testing.assert_frame_equal(loaded[keys], frame[keys])
    assert loaded["_row"].tolist() == frame["_row"].tolist()
    assert set(loaded["batch_id"]) == {result.batch_id}
    assert store.counts()[register] == len(frame)


def test_reimport_same_file_is_nothing_to_do(store):
    first = imp(store, month(1) + month(2))
    before = snapshot(store)
    again = imp(store, month(1) + month(2))
    assert again.nothing_to_do and again.batch_id is None
    assert (again.added, again.removed, again.kept) == (0, 0, 6)
    assert "相同" in again.message
    assert snapshot(store) == before
    assert store.batches()["id"].tolist() == [first.batch_id]


@pytest.mark.parametrize("hours, same", [(2, True), (2.0, True), (2.5, False)])
def test_row_hash_is_canonical(store, hours, same):
    imp(store, [study("2023-01-05", hours=2.0)])
    frame = typed("study", [study("2023-01-05", hours=hours)])
    frame["date"] = frame["date"] + pd.Timedelta(hours=15)  # a time of day is not part of a date
    again = store.import_frames({"study": frame}, file_name="b", sha256="", user="u")
    assert again.nothing_to_do is same


def test_dry_run_reports_per_period_and_writes_nothing(store):
    imp(store, month(1) + month(2))
    before = snapshot(store)
    jan = month(1)
    jan[0] = study("2023-01-01", "改过的主题")
    result = imp(store, jan + month(2) + month(3, n=2), dry_run=True)
    assert result.dry_run and result.batch_id is None and not result.nothing_to_do
    assert result.changes == [PeriodChange(register="study", period="2023-01", added=1, removed=1, kept=2),
                              PeriodChange(register="study", period="2023-02", added=0, removed=0, kept=3),
                              PeriodChange(register="study", period="2023-03", added=2, removed=0, kept=0)]
    assert snapshot(store) == before


def test_corrected_month_replaces_only_that_month(store):
    imp(store, month(1), name="1月.xlsx")
    imp(store, month(2), name="2月.xlsx")
    feb_before = store.load("study", date_from="2023-02-01")
    fixed = month(1, n=2, topic="更正")
    result = imp(store, fixed, name="1月更正.xlsx")
    assert result.changes == [PeriodChange(register="study", period="2023-01", added=2, removed=3, kept=0)]
    pd.testing.assert_frame_equal(store.load("study", date_from="2023-02-01"), feb_before)
    jan = store.load("study", date_to="2023-01-31")
    pd.testing.assert_frame_equal(jan[schema.STUDY.keys], typed("study", fixed)[schema.STUDY.keys])


def test_growing_yearly_workbook_adds_only_new_month(store):
    first = imp(store, month(1) + month(2), name="2023.xlsx")
    result = imp(store, month(1) + month(2) + month(3), name="2023.xlsx")
    assert [(c.period, c.added, c.removed, c.kept) for c in result.changes] == [
        ("2023-01", 0, 0, 3), ("2023-02", 0, 0, 3), ("2023-03", 3, 0, 0)]
    loaded = store.load("study")
    assert loaded.groupby(loaded["date"].dt.month)["batch_id"].unique().map(list).to_dict() == {
        1: [first.batch_id], 2: [first.batch_id], 3: [result.batch_id]}


@pytest.mark.parametrize("copies, expected", [
    (1, (0, 1, 1)),
    (2, (0, 0, 2)),
    (3, (1, 0, 2)),
])
def test_duplicates_are_a_multiset(store, copies, expected):
    row = study("2023-05-04", "青年节主题党日")
    assert imp(store, [row, row]).added == 2
    result = imp(store, [row] * copies)
    assert (result.added, result.removed, result.kept) == expected
    assert store.counts()["study"] == copies


# --- undo ----------------------------------------------------------------------------------------


def test_undo_restores_exactly_the_previous_state(store):
    imp(store, month(1) + month(2), name="2023.xlsx")
    imp(store, [{"name": "张三"}], register="roster")
    before = snapshot(store)
    changed = month(1, n=2, topic="更正") + month(2) + month(3)
    batch = imp(store, changed, name="2023.xlsx").batch_id
    undone = store.undo(batch, user="书记")
    assert undone.undone and undone.batch_id == batch
    assert [(c.period, c.added, c.removed, c.kept) for c in undone.changes] == [
        ("2023-01", 3, 2, 0), ("2023-02", 0, 0, 3), ("2023-03", 0, 3, 0)]
    after = snapshot(store)
    for table in TABLES.values():
        assert after[table.name] == before[table.name]
    history = store.batches().set_index("id")
    assert history.loc[batch, ["status", "undone_by", "undoable"]].tolist() == [
        "undone", "书记", False]
    assert store.last_import()["id"] == batch - 1


@pytest.mark.parametrize("months_a, months_b, undo_a_allowed", [
    ([1], [1], False),           # B replaced A's month
    ([1, 2], [2, 3], False),     # overlap in one month
    ([1, 2], [2], False),        # B covers a month of A even though it changed nothing there
    ([1], [2], True),            # disjoint months: A stays undoable
])
def test_undo_refused_when_superseded(store, months_a, months_b, undo_a_allowed):
    a = imp(store, [r for m in months_a for r in month(m)], name="甲.xlsx").batch_id
    b = imp(store, [r for m in months_b for r in month(m, topic="新")], name="乙.xlsx").batch_id
    assert store.batches().set_index("id")["undoable"].to_dict() == {a: undo_a_allowed, b: True}
    if undo_a_allowed:
        store.undo(a, user="u")
        return
    before = snapshot(store)
    with pytest.raises(UndoRefused) as err:
        store.undo(a, user="u")
    assert f"批次 {b}" in err.value.message and "乙.xlsx" in err.value.message
    assert snapshot(store) == before
    store.undo(b, user="u")
    store.undo(a, user="u")
    assert store.counts()["study"] == 0


def test_undo_refuses_unknown_and_undone_batches(store):
    batch = imp(store, month(1)).batch_id
    with pytest.raises(UndoRefused, match="找不到"):
        store.undo(batch + 100, user="u")
    store.undo(batch, user="u")
    with pytest.raises(UndoRefused, match="已于"):
        store.undo(batch, user="u")


def test_batches_and_details(store):
    frames = {"study": typed("study", month(1)), "roster": typed("roster", SAMPLES["roster"])}
    batch = store.import_frames(frames, file_name="全年.xlsx", sha256="a" * 64, user="u").batch_id
    imp(store, month(2), name="2月.xlsx")
    history = store.batches()
    assert history["file_name"].tolist() == ["2月.xlsx", "全年.xlsx"]
    first = history.iloc[1]
    assert first[["registers", "periods", "added", "kept", "kind", "status"]].tolist() == [
        "学习教育、党员名册", "2023-01,all", 5, 0, "import", "active"]
    details = store.batch_details(batch)
    assert details[["register", "register_name", "periods", "added"]].values.tolist() == [
        ["study", "学习教育", "2023-01", 3], ["roster", "党员名册", "all", 2]]
    assert store.last_import()["file_name"] == "2月.xlsx"


# --- reads ---------------------------------------------------------------------------------------


def test_load_filters_and_years(store):
    rows = [study("2022-12-30"), study("2023-01-02"), study("2023-06-30")]
    imp(store, rows)
    imp(store, SAMPLES["targets"], register="targets")
    assert store.years() == [2022, 2023]
    assert store.load("study", year=2023)["date"].dt.year.tolist() == [2023, 2023]
    assert len(store.load("study", date_from="2023-01-01", date_to="2023-01-31")) == 1
    assert store.load("targets", year=2024)["target"].tolist() == [10.5]
    assert Store(store.engine.url.render_as_string(False), branch="空").last_import() is None


def _narrow_is_whole(store: Store, register: str, columns, **kw) -> None:
    keys = [k for k in schema.REGISTERS[register].keys if k in columns]
    pd.testing.assert_frame_equal(store.load(register, columns=columns, **kw), store.load(register, **kw)[keys])


def test_a_narrow_load_is_the_whole_load_s_columns(store):
    """``load(columns=...)`` reads column-wise (one JSON array per column, built by the database) and
    still gives the whole frame's values, dtypes and row order: same date and workbook row in two
    batches (ordered by id), empty cells, doubles JSON would round (0.1 + 0.2), every kind."""
    imp(store, SAMPLES["study"] + [study("2023-01-05", "三", hours=0.1 + 0.2, expected=5, present=4)])
    imp(store, [study("2023-01-05", "另一批同日同行", hours=1 / 3)], name="b.xlsx", mode="append")
    for register in ("inspections", "volunteer", "targets", "roster"):
        imp(store, SAMPLES[register], register=register)
    for register in SAMPLES:
        keys = schema.REGISTERS[register].keys
        for columns in (keys, keys[:1], keys[1::2], keys[::-1]):
            _narrow_is_whole(store, register, columns)
    assert {0.1 + 0.2, 1 / 3} <= set(store.load("study", columns=["hours"])["hours"])  # exactly, not rounded
    _narrow_is_whole(store, "study", ["date", "hours"], years=[2023])
    _narrow_is_whole(store, "study", ["date", "hours"], years=[2021])  # no row
    _narrow_is_whole(store, "work", ["date", "quantity"])  # an empty register
    _narrow_is_whole(store, "targets", ["indicator", "target"], year=2024)
    with pytest.raises(KeyError):
        store.load("study", columns=["date", "nope"])
    frames = store.frames([2023], columns={"study": ["date", "type"]})
    assert list(frames["study"].columns) == ["date", "type"]
    assert list(frames["volunteer"].columns) == store.load("volunteer").columns.tolist()  # not named: whole


def test_a_narrow_load_past_the_database_s_value_limit_reads_row_by_row(tmp_path):
    """SQLite refuses a value over its length limit (1 GB by default; 600 bytes here): the narrow
    load then reads row by row and gives the same frame."""
    import sqlite3

    store = Store(f"sqlite:///{tmp_path}/limit.db", branch="一支部")
    imp(store, month(1, n=60))
    sa.event.listen(store.engine, "connect", lambda conn, _record: conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 600))
    store.engine.dispose()  # the pooled connections had no limit
    _narrow_is_whole(store, "study", ["date", "topic"])


def test_branch_isolation(db_url):
    a, b = Store(db_url, branch="一支部"), Store(db_url, branch="二支部")
    imp(a, month(1))
    result = imp(b, month(1, n=1))
    assert (result.added, result.removed) == (1, 0)
    assert (a.counts()["study"], b.counts()["study"]) == (3, 1)
    assert len(a.batches()) == len(b.batches()) == 1
    with pytest.raises(UndoRefused):
        b.undo(int(a.batches()["id"][0]), user="u")
    b.undo(int(b.batches()["id"][0]), user="u")
    assert (a.counts()["study"], b.counts()["study"]) == (3, 0)


# --- transactions and concurrency ----------------------------------------------------------------


def test_failed_import_leaves_database_unchanged(store):
    imp(store, month(1))
    before = snapshot(store)
    frames = {
        "study": typed("study", month(1, topic="新")),  # applied first: removes and inserts rows
        # a required column left empty: the database's NOT NULL constraint rejects the insert
        "inspections": typed("inspections", [{"date": "2023-01-03", "type": "调研",
                                              "category": "企业"}]),
    }
    with pytest.raises(sa.exc.IntegrityError):
        store.import_frames(frames, file_name="坏.xlsx", sha256="", user="u")
    assert snapshot(store) == before


def _import_growing(url: str, m: int) -> int:
    """Three imports of a workbook that grows by 20 rows in each of two months."""
    store = Store(url, branch="并发支部")
    return sum(imp(store, month(m, n=20 * k) + month(m + 6, n=20 * k)).added for k in (1, 2, 3))


def test_concurrent_imports_lose_nothing(db_url):
    Store(db_url, branch="并发支部")  # tables exist before the workers start
    months = [1, 2, 3, 4]
    with multiprocessing.get_context("spawn").Pool(len(months)) as pool:
        added = pool.starmap(_import_growing, [(db_url, m) for m in months])
    assert added == [120] * len(months)
    store = Store(db_url, branch="并发支部")
    assert store.counts()["study"] == 120 * len(months)
    assert len(store.batches()) == 3 * len(months)
    assert (store.batches()["status"] == "active").all()


def _import_same(url: str) -> int:
    return imp(Store(url, branch="并发支部"), month(5, n=200)).added


def test_concurrent_imports_of_one_file_store_it_once(db_url):
    Store(db_url, branch="并发支部")
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        added = pool.starmap(_import_same, [(db_url,)] * 4)
    assert sorted(added) == [0, 0, 0, 200]
    store = Store(db_url, branch="并发支部")
    assert store.counts()["study"] == 200 and len(store.batches()) == 1


def test_a_targets_save_over_a_version_it_has_not_seen_stores_nothing(store):
    """#13.7 in the store: the version check and the write share one transaction."""
    from data.errors import StaleEdit
    from data.importer import save_targets, targets_changes, targets_for_editor, targets_version

    rows = pd.DataFrame({"indicator": ["集中学习次数"], "target": [12.0], "note": [None]})
    assert not save_targets(store, 2025, rows, user="甲", loaded_version=targets_version(store, 2025)).rejected
    loaded, version = targets_for_editor(store.load("targets"), 2025), targets_version(store, 2025)
    save_targets(store, 2025, rows.assign(target=15.0), user="乙", loaded_version=version)
    batches = len(store.batches())
    with pytest.raises(StaleEdit):
        save_targets(store, 2025, rows.assign(target=20.0), user="甲", loaded_version=version)
    assert len(store.batches()) == batches and store.load("targets")["target"].tolist() == [15.0]
    now = targets_for_editor(store.load("targets"), 2025)
    assert targets_changes(loaded, now) == [("集中学习次数", "12", "15")]
    save_targets(store, 2025, rows.assign(target=20.0), user="甲", loaded_version=targets_version(store, 2025))
    assert store.load("targets")["target"].tolist() == [20.0]
