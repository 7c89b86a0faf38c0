"""Measurements that need a process of their own, run by ``bench/run.py``; each prints one JSON line.

    python bench/child.py rss WORKBOOK DB_FILE    peak RSS of one whole import (read, validate, store)
    python bench/child.py cli WORKBOOK DB_FILE    ``cli.main(["import", WORKBOOK])``: exit code, CPU seconds,
        peak RSS and the lines it printed (stdout and stderr together)
    python bench/child.py pages ROWS DB_FILE REPEAT
        stores ROWS activity rows, then times AppTest reruns of 总览 and 数据查询 (Streamlit caches
        are per process, so nothing measured before can warm them): the first 总览 of the process,
        then the first 总览 after each of REPEAT imports made while it runs (data caches cold,
        modules loaded: what a server meets after an upload), of one register's month and of
        every activity register's
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BRANCH = "基准测试支部"


def _status_mb(field: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), MB: VmRSS now, VmHWM the
    peak. (Not getrusage's ru_maxrss: Linux carries it over from the parent across fork and exec,
    so a child of a big process would report the parent's peak.)"""
    with open("/proc/self/status") as fh:
        line = next(line for line in fh if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024  # kB


def rss(workbook: str, db_file: str) -> dict:
    from data.importer import import_files
    from data.store import Store

    store = Store(f"sqlite:///{db_file}", branch=BRANCH)
    before = _status_mb("VmRSS")
    outcome = import_files(store, [workbook], user="bench")
    if outcome.rejected:
        raise SystemExit(f"import refused: {len(outcome.errors)} errors")
    peak = _status_mb("VmHWM")
    return {"baseline_mb": round(before, 1), "peak_mb": round(peak, 1), "rows": outcome.results[0].added}


def cli_import(workbook: str, db_file: str) -> dict:
    import contextlib
    import io

    os.environ.update(DATABASE_URL=f"sqlite:///{db_file}", DJ_BRANCH=BRANCH)
    import cli

    before = _status_mb("VmRSS")
    out, err = io.StringIO(), io.StringIO()
    cpu, wall = time.process_time(), time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["import", workbook, "--user", "bench"])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    lines = len(out.getvalue().splitlines()) + len(err.getvalue().splitlines())
    return {"exit": code, "cpu": cpu, "wall": wall, "baseline_mb": round(before, 1),
            "peak_mb": round(_status_mb("VmHWM"), 1), "lines": lines}


def _timed(run, cpu: bool = False) -> float | list[float]:
    """Wall seconds of one AppTest run; with ``cpu``, [wall, CPU seconds of this process] (the
    script runs in a thread of this process, so its CPU is counted)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    at = run()
    elapsed = time.perf_counter() - start
    if cpu:
        elapsed = [elapsed, time.process_time() - start_cpu]
    if at.exception:
        raise SystemExit(f"page raised: {at.exception[0].message}")
    return elapsed


def _app_test():
    """AppTest, running every rerun through app.py as a server does.

    AppTest decides afresh on each run whether the app is a v1 multipage app (a ``pages/`` folder
    beside the main script) and then runs the current page's file without app.py (see the xfail in
    tests/test_app_board.py). A server decides once, and app.py's ``st.navigation`` turns the v1
    mode off for good; the pages manager below does the same, so reruns time router, sidebar and
    page together."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest, app_test

    class RouterPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    app_test.PagesManager = RouterPagesManager
    return AppTest


def pages(rows: int, db_file: str, repeat: int) -> dict:
    import pandas as pd

    from bench.workbooks import YEAR, activity_frames
    from data import schema
    from data.store import Store
    from metrics.catalogue import CATALOGUE
    from metrics.frames import metric_columns

    url = f"sqlite:///{db_file}"
    store = Store(url, branch=BRANCH)
    frames = activity_frames(rows)
    store.import_frames(frames, file_name="bench.xlsx", sha256="0" * 64, user="bench")

    def cpu_and_wall(fn) -> list[float]:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        return [time.perf_counter() - start, time.process_time() - start_cpu]

    out: dict = {
        # What the board's cache fills from (ui.cache.frames): the columns the metrics read...
        "load_frames": cpu_and_wall(lambda: store.frames([YEAR - 1, YEAR], columns=metric_columns(CATALOGUE))),
        # ...and every column (a card's rows, 年度总结's 数字来源: ui.cache.full_frames).
        "load_frames_full": cpu_and_wall(lambda: store.frames([YEAR - 1, YEAR])),
    }
    # This database, local mode (no users file), and no settings file of the checkout.
    settings = Path(db_file).with_name("bench-settings.toml")
    settings.write_text("", encoding="utf-8")
    os.environ.update(DATABASE_URL=url, DJ_BRANCH=BRANCH, DJ_SETTINGS=str(settings))
    os.environ.pop("DJ_USERS_FILE", None)

    at = _app_test().from_file(str(ROOT / "app.py"), default_timeout=300)
    out["overview_first"] = _timed(at.run, cpu=True)
    if not any((block.key or "").startswith("keep-card-") for block in at.container):  # ui.glance.card
        raise SystemExit("总览 shows no indicator card: the benchmark data has no targets?")
    # Imports while the server runs: December's 志愿服务 again, one row fewer each time (a replace: a
    # new batch, so every data cache is cold; modules, settings and the script are loaded).
    volunteer = frames["volunteer"]
    december = volunteer.loc[volunteer["date"] >= pd.Timestamp(YEAR, 12, 1)]
    after = []
    for i in range(repeat):
        store.import_frames({"volunteer": december.iloc[:-(i + 1)]}, file_name=f"bench-12-{i}.xlsx",
                            sha256=f"{i + 1:064d}", user="bench")
        after.append(_timed(at.run, cpu=True))
    out["overview_after_import"] = [statistics.median(w for w, _ in after), statistics.median(c for _, c in after)]
    # A monthly workbook writing every activity register (their December again, one row fewer each
    # time): this year's rows of every register are read again (ui.cache keeps them per register and year).
    decembers = {k: f.loc[f["date"] >= pd.Timestamp(YEAR, 12, 1)] for k, f in frames.items() if "date" in f}
    after = []
    for i in range(repeat):
        store.import_frames({k: f.iloc[:-(i + 2)] for k, f in decembers.items()}, file_name=f"bench-all-{i}.xlsx",
                            sha256=f"{i + 101:064d}", user="bench")
        after.append(_timed(at.run, cpu=True))
    out["overview_after_import_all"] = [statistics.median(w for w, _ in after), statistics.median(c for _, c in after)]
    out["overview_warm"] = statistics.median(_timed(at.run) for _ in range(repeat))
    at.selectbox(key="year")  # KeyError unless the rerun went through app.py (sidebar included)
    # A filter change: another as-of date each time (a metrics cache miss; frames stay cached).
    days = [date(YEAR, 6, 1 + i) for i in range(repeat)]
    out["overview_filter"] = statistics.median(
        _timed(at.date_input(key="as_of").set_value(day).run) for day in days)

    at.switch_page("pages/query.py")
    out["query_first"] = _timed(at.run)
    _timed(at.selectbox(key="query.register.w").set_value("volunteer").run)
    out["query_rows"] = _shown_rows(at)
    out["query_warm"] = statistics.median(_timed(at.run) for _ in range(repeat))
    at.selectbox(key="year")
    # A filter change: another 服务类别 each time.
    categories = [schema.VOLUNTEER_CATEGORIES[i % 5] for i in range(repeat)]
    category = at.multiselect(key="query.volunteer.category.w")
    out["query_filter"] = statistics.median(_timed(category.set_value([c]).run) for c in categories)
    out["query_filter_rows"] = _shown_rows(at)
    return out


def _shown_rows(at) -> int:
    frames = at.dataframe
    return len(frames[0].value) if frames else 0


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "rss":
        result = rss(*args)
    elif command == "cli":
        result = cli_import(*args)
    elif command == "pages":
        result = pages(int(args[0]), args[1], int(args[2]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
