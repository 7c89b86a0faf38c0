"""The board's frames cached per register (``ui.cache._register``, keyed by ``Store.register_versions``):
an import re-reads only the registers it wrote, and every page still shows every write at once, an
undo and another process's write included. A real database (SQLite file, or TEST_DATABASE_URL) and
AppTest through app.py."""

from data import branches
from data.settings import load_settings
from data.store import Store
from data.tables import BranchKind
from tests.test_app_data import card_values, choose_year
from tests.test_store import imp, typed

YEAR = 2025


def study_rows(day: str, n: int) -> list[dict]:
    return [{"date": day, "type": "集中学习", "topic": f"学习{i}"} for i in range(n)]


def volunteer_rows(day: str, n: int) -> list[dict]:
    return [{"date": day, "name": f"党员{i}", "activity": "社区服务", "category": "社区服务", "hours": 2}
            for i in range(n)]


def targets(year: int = YEAR) -> list[dict]:
    return [{"year": year, "indicator": name, "target": 10} for name in ("集中学习次数", "志愿服务人次")]


def test_register_versions_move_only_with_the_registers_a_write_touches(db_url):
    with Store(db_url, branch="甲支部").transaction(lock="branches") as conn:
        branches.add(conn, "工委", user="管理员", kind=BranchKind.ORGANISATION)
    mine, other, org = (Store(db_url, branch=n) for n in ("甲支部", "乙支部", "工委"))  # fresh: the parent known
    start = mine.register_versions()
    assert set(start.values()) == {(0, 0)}

    imp(mine, study_rows("2025-03-05", 2))
    after_study = mine.register_versions()
    assert after_study["study"] != start["study"]
    assert {k: v for k, v in after_study.items() if k != "study"} == {k: v for k, v in start.items() if k != "study"}

    result = imp(mine, volunteer_rows("2025-03-06", 2), register="volunteer", name="v.xlsx")
    after_volunteer = mine.register_versions()
    assert after_volunteer["volunteer"] != after_study["volunteer"]
    assert after_volunteer["study"] == after_study["study"]

    mine.undo(result.batch_id, user="组织委员")
    undone = mine.register_versions()
    assert undone["volunteer"] not in (after_volunteer["volunteer"], after_study["volunteer"])
    assert undone["study"] == after_study["study"]

    # Another branch's writes never move mine; the organisation's move my targets only (inherited).
    imp(other, study_rows("2025-03-07", 1))
    imp(org, study_rows("2025-03-07", 1))
    assert mine.register_versions() == undone
    imp(org, targets(), register="targets", name="t.xlsx")
    inherited = mine.register_versions()
    assert inherited["targets"] != undone["targets"]
    assert {k: v for k, v in inherited.items() if k != "targets"} == {k: v for k, v in undone.items() if k != "targets"}
    # Every register version that moves moves the branch's version too (the outer cache key).
    assert mine.version() != (0, 0)


def test_year_versions_move_only_with_the_years_a_write_touches(db_url):
    store = Store(db_url, branch="甲支部")
    imp(store, study_rows("2024-11-05", 2) + study_rows("2025-03-05", 2))
    both = store.year_versions()
    assert both[("study", 2024)] == both[("study", 2025)] != (0, 0)
    result = imp(store, study_rows("2025-12-01", 1), name="十二月.xlsx")
    december = store.year_versions()
    assert december[("study", 2024)] == both[("study", 2024)]
    assert december[("study", 2025)] != both[("study", 2025)]
    store.undo(result.batch_id, user="组织委员")
    undone = store.year_versions()
    assert undone[("study", 2024)] == both[("study", 2024)]
    assert undone[("study", 2025)] not in (both[("study", 2025)], december[("study", 2025)])
    imp(store, volunteer_rows("2024-05-05", 1), register="volunteer", name="v.xlsx")
    assert store.year_versions()[("study", 2024)] == both[("study", 2024)]


def test_frames_put_together_per_register_and_year_equal_a_fresh_read(app_db):
    """``ui.cache._frames`` (cached parts, outside a Streamlit run) against ``Store.frames``, narrow and
    whole, after writes to one year, to the other, an undo and a targets change."""
    import pandas.testing as pdt

    from metrics.catalogue import CATALOGUE
    from metrics.frames import metric_columns
    from ui import cache

    store = Store(app_db, branch=load_settings().branch)
    narrow = metric_columns(CATALOGUE)

    def check():
        for columns in (narrow, None):
            key = None if columns is None else tuple(columns.items())
            got = cache._frames(store.branch, store.version(), (YEAR - 1, YEAR), key)
            want = store.frames([YEAR - 1, YEAR], columns=columns)
            assert set(got) == set(want)
            for register, frame in want.items():
                pdt.assert_frame_equal(got[register], frame, check_index_type=False)

    check()
    store.import_frames({"study": typed("study", study_rows("2024-11-05", 2) + study_rows("2025-03-05", 3)),
                         "volunteer": typed("volunteer", volunteer_rows("2024-06-01", 2)
                                            + volunteer_rows("2025-02-01", 4)),
                         "targets": typed("targets", targets())},
                        file_name="a.xlsx", sha256="1" * 64, user="组织委员")
    check()
    result = imp(store, volunteer_rows("2025-02-01", 1) + volunteer_rows("2025-07-01", 2), register="volunteer",
                 name="b.xlsx")  # replaces February: rows removed, rows added
    check()
    imp(store, study_rows("2024-11-05", 1), name="c.xlsx")
    check()
    store.undo(result.batch_id, user="组织委员")
    check()
    imp(store, targets() + targets(YEAR - 1), register="targets", name="t.xlsx")
    check()


def test_is_empty_follows_imports_and_undo(db_url):
    store = Store(db_url, branch="甲支部")
    assert store.is_empty()
    result = imp(store, [{"name": "张三"}], register="roster")
    assert not store.is_empty()
    store.undo(result.batch_id, user="组织委员")
    assert store.is_empty()


def calls(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_overview_follows_each_write_and_rereads_only_the_register_written(app, app_db, tmp_path, monkeypatch):
    counted = tmp_path / "calls.txt"
    monkeypatch.setenv("DJ_BENCH_CALLS", str(counted))  # ui.cache.count_call: what is really read
    store = Store(app_db, branch=load_settings().branch)  # the app's store, written as another process would
    store.import_frames({"study": typed("study", study_rows("2025-03-05", 3)),
                         "volunteer": typed("volunteer", volunteer_rows("2025-03-06", 2)),
                         "targets": typed("targets", targets())},
                        file_name="三月.xlsx", sha256="1" * 64, user="组织委员")
    imp(store, volunteer_rows("2024-06-01", 2), register="volunteer", name="去年.xlsx")  # last year (同比)
    at = app().run()
    choose_year(at, YEAR)
    assert not at.exception, at.exception
    assert {k: card_values(at)[k] for k in ("集中学习次数", "志愿服务人次")} == {"集中学习次数": 3, "志愿服务人次": 2}
    assert {"Store.load/study/2025", "Store.load/volunteer/2025", "Store.load/volunteer/2024"} <= set(calls(counted))

    # An import of 志愿服务's April only: the next run shows it, and neither 学习教育 nor last year's
    # 志愿服务 is read again.
    counted.unlink()
    result = store.import_frames({"volunteer": typed("volunteer", volunteer_rows("2025-04-02", 3))},
                                 file_name="四月.xlsx", sha256="2" * 64, user="组织委员")
    at.run()
    assert {k: card_values(at)[k] for k in ("集中学习次数", "志愿服务人次")} == {"集中学习次数": 3, "志愿服务人次": 5}
    read = [name for name in calls(counted) if name.startswith("Store.load/")]
    assert "Store.load/volunteer/2025" in read
    assert not {n for n in read if n.startswith("Store.load/study")} and "Store.load/volunteer/2024" not in read

    # Its undo: back to what was there, again without reading 学习教育.
    counted.unlink()
    store.undo(result.batch_id, user="组织委员")
    at.run()
    assert {k: card_values(at)[k] for k in ("集中学习次数", "志愿服务人次")} == {"集中学习次数": 3, "志愿服务人次": 2}
    assert not {n for n in calls(counted) if n.startswith("Store.load/study")}

    # An import into 学习教育 moves its card.
    imp(store, study_rows("2025-05-06", 1), name="五月.xlsx")
    at.run()
    assert card_values(at)["集中学习次数"] == 4

    # A year only 志愿服务 has (the years are kept per register too) shows in the sidebar at once.
    assert "2023年" not in at.selectbox(key="year").options
    imp(store, volunteer_rows("2023-06-05", 1), register="volunteer", name="2023.xlsx")
    at.run()
    assert not at.exception, at.exception
    assert "2023年" in at.selectbox(key="year").options
