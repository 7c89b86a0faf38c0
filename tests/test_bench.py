"""The benchmark (bench/run.py) and what its speed-ups must not change.

The quick benchmark runs end to end so it cannot rot: the test asserts that it succeeded and wrote
its table with a row for each of its measures (the two browser ones say they are skipped), never a time. The other tests pin what the
fast paths must keep: stored row hashes (an import compares them with rows stored earlier), dates
stored as SQLAlchemy stores them, and the garbage collector's state around bulk steps.
"""

import datetime as dt
import gc
import hashlib
import sqlite3
import subprocess
import sys

import pandas as pd
import pytest
import sqlalchemy as sa

from data.bulk import gc_paused
from data.store import Store
from data.tables import TABLES
from tests.helpers import ROOT

MEASURES = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11")  # 6: bad-input corpus; 7: .xls, sandbox;
# 8: start-up; 9: refusing 100k bad rows; 10, 11: in Chromium (first look, a meeting), skipped by --quick
TABLE_HEADER = "| # | measure | rows | median | CPU | comparison | target | met |"


def test_quick_benchmark_runs_and_writes_its_table(tmp_path):
    out = tmp_path / "results.md"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert text in run.stdout  # the same table is printed
    lines = text.splitlines()
    header = lines.index(TABLE_HEADER)
    rows = [line.split("|")[1:-1] for line in lines[header + 2:] if line.startswith("|")]
    assert {cells[0].strip() for cells in rows} == set(MEASURES)
    for cells in rows:
        if cells[0].strip() in ("10", "11"):  # a browser and minutes: the full run only, said in the row
            assert "skipped in --quick" in cells[1] and not cells[3].strip(), cells
        else:
            assert cells[3].strip(), cells  # every measure has a figure
    assert any(line.startswith("- machine: ") and "cores" in line for line in lines)
    assert "python-calamine" in text and "pandas" in text


# Canonical text of a volunteer row: dates YYYY-MM-DD, floats without a trailing .0, "" when empty,
# joined by U+001F (data.store's row hash contract).
VOLUNTEER_ROWS = [
    ({"date": "2024-03-05", "name": "张三", "activity": "植树", "category": "植树绿化", "place": None,
      "hours": 2.0, "method": "签到", "note": None},
     ["2024-03-05", "张三", "植树", "植树绿化", "", "2", "签到", ""]),
    ({"date": "2024-03-06", "name": "李四", "activity": "社区卫生整治", "category": None, "place": "惠民街社区",
      "hours": 2.5, "method": None, "note": "补录"},
     ["2024-03-06", "李四", "社区卫生整治", "", "惠民街社区", "2.5", "", "补录"]),
    ({"date": "2024-03-07", "name": "王五", "activity": "文明交通劝导", "category": "创城服务", "place": "迎宾路路口",
      "hours": 0.1 + 0.2, "method": "补录", "note": None},
     ["2024-03-07", "王五", "文明交通劝导", "创城服务", "迎宾路路口", "0.30000000000000004", "补录", ""]),
]


def volunteer_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame["hours"] = frame["hours"].astype("float64")
    for key in ("name", "activity", "category", "place", "method", "note"):
        frame[key] = frame[key].astype("str")
    frame["_row"] = range(3, len(rows) + 3)
    return frame


def test_stored_row_hashes_follow_the_canonical_text(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/h.db", branch="测试支部")
    store.import_frames({"volunteer": volunteer_frame([r for r, _ in VOLUNTEER_ROWS])}, file_name="h.xlsx",
                        sha256="0" * 64, user="u")
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(TABLES["volunteer"].c.row_hash).order_by(TABLES["volunteer"].c.seq)).scalars()
        assert list(stored) == [hashlib.sha256("\x1f".join(canon).encode("utf-8")).hexdigest()
                                for _, canon in VOLUNTEER_ROWS]


def test_imported_dates_are_stored_like_sqlalchemy_stores_them(tmp_path):
    path = tmp_path / "d.db"
    store = Store(f"sqlite:///{path}", branch="测试支部")
    store.import_frames({"volunteer": volunteer_frame([VOLUNTEER_ROWS[0][0]])}, file_name="d.xlsx",
                        sha256="0" * 64, user="u")
    t = TABLES["volunteer"]
    with store.engine.begin() as conn:  # one row written through SQLAlchemy's own insert
        conn.execute(sa.insert(t).values(branch="测试支部", period="2024-03", row_hash="x", seq=9, batch_id=1,
                                         date=dt.date(2024, 3, 5), name="赵六", activity="植树", hours=2.0))
    with sqlite3.connect(path) as raw:
        stored = raw.execute("SELECT date, typeof(date), typeof(hours), typeof(seq) FROM volunteer "
                             "ORDER BY seq").fetchall()
    assert stored[0] == stored[1] == ("2024-03-05", "text", "real", "integer")
    assert store.load("volunteer")["date"].tolist() == [pd.Timestamp(2024, 3, 5)] * 2


def test_missed_targets_are_listed_also_for_a_row_without_a_row_count():
    """A missed target is reported, not a crash, whatever row missed it: the bad-input corpus rows
    carry no row count (``rows=None``); a loaded machine is when targets are missed."""
    from bench.run import Row, missed, table

    rows = [Row("6", "bad inputs · largest", None, 2.5, target="< 1 s", met=False),
            Row("1", "import · ", 10_000, 0.4, versus="3× faster", target="< 2 s", met=False),
            Row("2", "metrics", 5_000, 0.1, target="< 1 s", met=True),
            Row("5", "memory", None, None, target="< 500 MB", met=False, value="612 MB"),
            Row("3", "总览", 100_000, 1.2, cpu=0.7, target="≤ 500 ms CPU", met=False)]
    assert missed(rows) == ["- missed: bad inputs · largest: 2.50 s; target < 1 s",
                            "- missed: import (10,000 rows): 400 ms, 3× faster; target < 2 s",
                            "- missed: memory: 612 MB; target < 500 MB",
                            "- missed: 总览 (100,000 rows): 700 ms CPU (1.20 s wall); target ≤ 500 ms CPU"]
    assert len(table(rows)) == 2 + len(rows)


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_paused_restores_the_collector_even_after_an_error(enabled):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        with pytest.raises(ValueError), gc_paused():
            assert not gc.isenabled()
            raise ValueError
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_organisation_benchmark_runs_small(tmp_path):
    """bench/org.py end to end on 2 branches × 1 year, so it cannot rot; no time is asserted."""
    out = tmp_path / "org.md"
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "org.py"), "--branches", "2", "--years", "1",
                          "--repeat", "1", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    assert "各支部对比 rerun (warm)" in text and "ratio full / empty" in text
