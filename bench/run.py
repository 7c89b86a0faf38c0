"""The performance benchmark: ``python bench/run.py [--quick] [--out FILE] [--repeat N]``.

Generates 志愿服务 workbooks (XlsxWriter, realistic and valid) and register frames in a temp
dir, then measures in one run, as medians of several repeats (wall clock; CPU time beside it):

1. the whole import of each workbook (read, validate, store into a fresh SQLite file) and its
   phases, next to ``pd.read_excel(path, engine="openpyxl")`` of the same file (the baseline) and
   to fastexcel (the floor of a raw read); unzipping and pandas + calamine for reference;
2. all indicators, plan progress and 三会一课 compliance on 100k and 1M rows;
3. AppTest reruns of 总览 and 数据查询 with 100k rows stored (child process: fresh caches), 总览's first
   run after an import made while the app runs, and what the board's cache loads (``Store.frames``);
4. building the .xlsx and .csv download of 10k filtered rows;
5. peak RSS of the 100k import (child process);
6. every bad-input corpus case through ``python cli.py import`` in a fresh process (time, peak RSS);
7. the sandbox (a call; .xls parsed in it beside the .xlsx saved from it);
8. start-up: ``python cli.py --help`` and refusals of non-workbooks as whole processes, beside
   ``python -c pass`` and ``python -c "import pandas"``.
9. refusing at scale: a 学习教育 workbook whose every row carries the README's example mistake (类型
   "学习") through ``cli.py import`` in a fresh process, beside the same workbook with valid rows
   (CPU, peak RSS, lines printed);
10. the first look at 总览 in Chromium (``bench/first_look.py``: first card with an empty cache and
    cached, direct and behind nginx, beside a one-card Streamlit app);
11. a meeting opens the link: twenty pages at once (``bench/meeting.py``). Items 10 and 11 need
    /usr/bin/chromium and Playwright and are skipped by ``--quick``.

It prints one Markdown table (machine, load, library versions, targets) and writes it to
``bench/results.md`` (``--out``). ``--quick``: small sizes, one repeat, nothing written unless
``--out`` is given; ``tests/test_bench.py`` runs it so the benchmark cannot rot.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from bench.workbooks import YEAR, activity_frames, write_volunteer_workbook  # noqa: E402

RESULTS = ROOT / "bench" / "results.md"
AS_OF = date(YEAR, 9, 30)  # mid-year: the previous year's windows are computed too
BRANCH = "基准测试支部"


@dataclass(frozen=True)
class Plan:
    workbooks: tuple[int, ...]  # rows of each generated workbook
    metrics: tuple[int, ...]  # activity rows the metrics run on
    page_rows: int  # activity rows stored for the page reruns
    export_rows: int
    repeat: int
    quick: bool
    refusal_rows: int = 100_000  # rows of the all-bad workbook of item 9


FULL = Plan(workbooks=(10_000, 100_000), metrics=(100_000, 1_000_000), page_rows=100_000, export_rows=10_000,
            repeat=5, quick=False)
QUICK = Plan(workbooks=(1_000,), metrics=(5_000,), page_rows=2_000, export_rows=1_000, repeat=1, quick=True,
             refusal_rows=1_000)


@dataclass
class Row:
    item: str
    what: str
    rows: int | None
    wall: float | None  # seconds; None for a figure that is not a time
    cpu: float | None = None
    versus: str = ""  # a comparison, e.g. "5.2× faster than openpyxl"
    target: str = ""
    met: bool | None = None  # None: no target (or not at this size)
    value: str = ""  # shown instead of a time (e.g. MB)


def timed(fn, repeat: int, setup=None) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of ``fn(setup())`` (or ``fn()``) over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        arg = setup() if setup else None
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        fn(arg) if setup else fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _fresh_store(tmp: Path):
    from data.store import Store

    fd, name = tempfile.mkstemp(suffix=".db", dir=tmp)
    os.close(fd)
    os.unlink(name)
    return Store(f"sqlite:///{name}", branch=BRANCH)


# --- 1. import -----------------------------------------------------------------------------------

def rounds(measures: dict[str, tuple], repeat: int) -> dict[str, tuple[float, float]]:
    """Each measure ``name: (fn, setup or None)`` once per round, ``repeat`` rounds, so that a change
    of load during the run weighs on all of them alike: (median wall, median CPU) per measure."""
    samples: dict[str, tuple[list, list]] = {name: ([], []) for name in measures}
    for _ in range(repeat):
        for name, (fn, setup) in measures.items():
            wall, cpu = timed(fn, 1, setup)
            samples[name][0].append(wall)
            samples[name][1].append(cpu)
    return {name: (statistics.median(w), statistics.median(c)) for name, (w, c) in samples.items()}


def _ratios(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return a[0] / b[0], a[1] / b[1]


IMPORT_SPEEDUP = 7  # the 100k import, × faster than openpyxl reading the file (issue 16 point 4)
READ_FLOOR = 2  # the 100k read step, at most × the fastexcel floor
PEAK_MB = 250  # peak RSS of the 100k import


def bench_import(plan: Plan, tmp: Path, sizes: dict[int, Path]) -> list[Row]:
    from python_calamine import CalamineWorkbook

    from data.grids import read_grids
    from data.importer import import_files, import_parsed, parse
    from data.safety import check_workbook_bytes

    rows: list[Row] = []
    for n, path in sizes.items():
        data = path.read_bytes()
        big = n == max(FULL.workbooks) and not plan.quick

        def unzip():
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    zf.read(info)

        def calamine_grid():
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()

        def read_step():  # what the reader does before it looks at rows: data.safety, then the grids
            read_grids(data, path.name)

        def fresh_parsed():
            return parse(path), _fresh_store(tmp)

        def store_only(arg):
            parsed, store = arg
            assert not import_parsed(store, [parsed], user="bench").rejected

        def whole(store):
            outcome = import_files(store, [path], user="bench")
            assert not outcome.rejected and outcome.results[0].added == n, "the benchmark workbook must import"

        measures = {
            "ours": (whole, lambda: _fresh_store(tmp)),
            "openpyxl": (lambda: pd.read_excel(path, engine="openpyxl"), None),
            "safety": (lambda: check_workbook_bytes(data, path.name), None),
            "read": (read_step, None),
            "to_python": (calamine_grid, None),
            "parse": (lambda: parse(path), None),
            "store": (store_only, fresh_parsed),
            "pandas_calamine": (lambda: pd.read_excel(path, engine="calamine"), None),
            "unzip": (unzip, None),
        }
        if fastexcel := _fastexcel():
            measures["fastexcel"] = (lambda: fastexcel.read_excel(data).load_sheet(0, eager=True), None)
        m = rounds(measures, plan.repeat if n < 50_000 else max(1, plan.repeat - 2))
        safety, step, parsed = m["safety"], m["read"], m["parse"]
        grid = (step[0] - safety[0], step[1] - safety[1])

        speedup = _ratios(m["openpyxl"], m["ours"])
        rows.append(Row("1", "import end to end: read, validate, store (ours)", n, *m["ours"],
                        f"{speedup[0]:.1f}× faster than openpyxl read alone (CPU {speedup[1]:.1f}×)",
                        f"≥ {IMPORT_SPEEDUP:g}× faster" if big else "", min(speedup) >= IMPORT_SPEEDUP if big else None))
        rows.append(Row("1", "  · safety pre-check (data.safety)", n, *safety))
        rows.append(Row("1", "  · grid (python-calamine iter_rows, shared cell objects; data.grids)", n, *grid))
        rows.append(Row("1", "  · rows + validation (rest of read_workbook)", n,
                        parsed[0] - step[0], parsed[1] - step[1]))
        rows.append(Row("1", "  · store (SQLite, one batch)", n, *m["store"]))
        if "fastexcel" in m:
            ratio = _ratios(step, m["fastexcel"])
            rows.append(Row("1", "read step (data.grids.read_grids: safety + grid) vs floor", n, *step,
                            f"{ratio[0]:.1f}× the fastexcel floor (CPU {ratio[1]:.1f}×)",
                            f"≤ {READ_FLOOR:g}× floor" if big else "", max(ratio) <= READ_FLOOR if big else None))
        rows.append(Row("1", "reference: python-calamine to_python (list of rows), no safety check", n,
                        *m["to_python"]))
        rows.append(Row("1", f'baseline: pd.read_excel(engine="openpyxl"), {len(data) / 2**20:.2f} MB', n,
                        *m["openpyxl"]))
        rows.append(Row("1", 'reference: pd.read_excel(engine="calamine")', n, *m["pandas_calamine"]))
        if "fastexcel" in m:
            rows.append(Row("1", "floor: fastexcel read to Arrow", n, *m["fastexcel"]))
        rows.append(Row("1", "reference: unzip every part", n, *m["unzip"]))
    return rows


def _fastexcel():
    """fastexcel, a dev-only dependency (requirements-dev.txt); None when not installed."""
    try:
        import fastexcel
    except ImportError:
        return None
    return fastexcel


# --- 2. metrics ----------------------------------------------------------------------------------

def bench_metrics(plan: Plan) -> list[Row]:
    from metrics.catalogue import values
    from metrics.compliance import compliance
    from metrics.coverage import coverage
    from metrics.frames import prepare
    from metrics.progress import progress_table

    steps = {
        "all indicators (catalogue.values)": values,
        "plan progress (progress_table, 同比 included)": progress_table,
        "三会一课 compliance": compliance,
    }
    rows: list[Row] = []
    for n in plan.metrics:
        frames = activity_frames(n)
        repeat = plan.repeat if n <= 100_000 else max(1, plan.repeat - 2)

        def together():
            prepared = prepare(frames)  # new data: every register prepared (factorised) once, here
            for fn in steps.values():
                fn(prepared, YEAR, AS_OF)

        total = timed(together, repeat)
        limit = {100_000: 0.1, 1_000_000: 1.0}.get(n) if not plan.quick else None
        rows.append(Row("2", "all indicators + plan progress + compliance, on new data", n, *total,
                        target=f"≤ {limit * 1000:.0f} ms" if limit else "", met=total[0] <= limit if limit else None))
        rows += [Row("2", f"  · {what}, alone", n, *timed(lambda fn=fn: fn(frames, YEAR, AS_OF), repeat))
                 for what, fn in steps.items()]
        rows.append(Row("2", "coverage (per member; the 志愿服务 page)", n,
                        *timed(lambda: coverage(frames, YEAR, AS_OF), repeat)))
    return rows


# --- 3. pages ------------------------------------------------------------------------------------

def bench_pages(plan: Plan, tmp: Path) -> list[Row]:
    db = tmp / "pages.db"
    result = _child("pages", str(plan.page_rows), str(db), str(1 if plan.quick else max(3, plan.repeat)))
    n = plan.page_rows  # activity rows (the roster and the plan targets are stored too)
    full = not plan.quick

    def row(what, key, limit=None, rows=n, on_cpu=False):
        wall, cpu = result[key] if isinstance(result[key], list) else (result[key], None)
        # on_cpu: judged on CPU seconds, which a busy machine (other processes) does not inflate.
        judged = cpu if on_cpu else wall
        target = f"≤ {limit * 1000:.0f} ms{' CPU' if on_cpu else ''}" if limit and full else ""
        return Row("3", what, rows, wall, cpu, target=target, met=judged <= limit if limit and full else None)

    return [
        row("Store.frames: the two years the board pages read, the columns the metrics use (a cold cache "
            "fills from it)", "load_frames"),
        row("  · the same, every column (a card's rows, 年度总结's 数字来源)", "load_frames_full"),
        row("总览: first run after an import (server running; data caches cold)", "overview_after_import", 0.5,
            on_cpu=True),
        row("  · the same after an import writing every activity register (this year's rows of each are read again)",
            "overview_after_import_all", on_cpu=True),
        row("总览: first run of a new server process (also loads modules: openpyxl, plotly, Streamlit's "
            "emoji table)", "overview_first"),
        row("总览: rerun, warm caches", "overview_warm", 0.3),
        row("总览: rerun after a filter change (截至日期)", "overview_filter", 0.6),
        row("数据查询: first run (学习教育)", "query_first"),
        row(f"数据查询: rerun, warm caches (志愿服务, {result['query_rows']} rows shown)", "query_warm"),
        row(f"数据查询: rerun after a filter change (服务类别, ~{result['query_filter_rows']} rows)",
            "query_filter"),
    ]


# --- 4. downloads --------------------------------------------------------------------------------

def bench_export(plan: Plan) -> list[Row]:
    from data.export import to_csv, to_xlsx
    from data.query import Filters, filter_rows

    frame = activity_frames(plan.export_rows * 4)["volunteer"]
    filters = Filters(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31))
    rows = filter_rows(frame, "volunteer", filters).head(plan.export_rows)
    n = len(rows)
    full = not plan.quick
    xlsx = timed(lambda: to_xlsx(rows, "volunteer", filters=filters.describe("volunteer")), plan.repeat)
    csv = timed(lambda: to_csv(rows, "volunteer"), plan.repeat)
    return [Row("4", ".xlsx download built (data.export.to_xlsx)", n, *xlsx, target="≤ 1 s" if full else "",
                met=xlsx[0] <= 1 if full else None),
            Row("4", ".csv download built (data.export.to_csv)", n, *csv)]


# --- 5. memory -----------------------------------------------------------------------------------

def bench_rss(plan: Plan, tmp: Path, path: Path, n: int) -> list[Row]:
    result = _child("rss", str(path), str(tmp / "rss.db"))
    full = not plan.quick
    return [Row("5", "peak RSS of the import (fresh process)", n, None,
                value=f"{result['peak_mb']:.0f} MB", versus=f"{result['baseline_mb']:.0f} MB before importing",
                target=f"≤ {PEAK_MB} MB" if full else "", met=result["peak_mb"] <= PEAK_MB if full else None)]


# --- 7. .xls and the sandbox --------------------------------------------------------------------

def bench_xls(plan: Plan) -> list[Row]:
    """The sandbox's cost: a call (fork from the zygote, two pickles), the .xls read in the child
    beside the .xlsx LibreOffice saved from it (tests/files/, written by LibreOffice)."""
    from data import sandbox
    from data.importer import parse

    files = ROOT / "tests" / "files"
    xls, xlsx = files / "2025-03.xls", files / "2025-03-from-xls.xlsx"
    started = time.perf_counter()
    sandbox.start()
    first = time.perf_counter() - started
    m = rounds({"call": (lambda: sandbox.run(os.getpid), None), "xls": (lambda: parse(xls), None),
                "xlsx": (lambda: parse(xlsx), None)}, max(plan.repeat, 3))
    rows = sum(len(f) for f in parse(xls).frames.values())
    ratio = _ratios(m["xls"], m["xlsx"])
    return [Row("7", "sandbox: zygote start (once per server process)", None, first),
            Row("7", "sandbox: one call (fork, limits, two pickles; wall in parent)", None, *m["call"]),
            Row("7", ".xls parse in the sandbox (2025-03.xls, LibreOffice)", rows, *m["xls"],
                f"{ratio[0]:.1f}× the .xlsx saved from it (parent CPU {ratio[1]:.1f}×)"),
            Row("7", "  · the .xlsx saved from it, in process", rows, *m["xlsx"])]


# --- 8. start-up: what a command costs before it does anything ------------------------------------

STARTUP_TARGET = 0.3  # seconds, a whole process


def _process(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one whole process (its CPU from the children's rusage)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, capture_output=True, env={**os.environ, "DATABASE_URL": "sqlite://"})
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_startup(plan: Plan, tmp: Path) -> list[Row]:
    """Whole processes, interleaved round by round: Python alone, Python importing pandas, and the
    CLI's --help and refusals of files that are not workbooks (a CSV renamed .xlsx, a zero-byte
    file), which need neither pandas nor SQLAlchemy."""
    csv = tmp / "renamed.xlsx"
    csv.write_text("日期,类型,主题\n2025-03-01,集中学习,学习\n", encoding="utf-8")
    empty = tmp / "empty.xlsx"
    empty.write_bytes(b"")
    py, cli = sys.executable, str(ROOT / "cli.py")
    measures = {"pass": [py, "-c", "pass"], "pandas": [py, "-c", "import pandas"],
                "help": [py, cli, "--help"], "csv": [py, cli, "import", str(csv)],
                "empty": [py, cli, "import", str(empty)]}
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in measures}
    for _ in range(plan.repeat if plan.quick else max(plan.repeat, 3)):
        for name, argv in measures.items():
            samples[name].append(_process(argv))
    m = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in samples.items()}
    full = not plan.quick

    def command(name: str, what: str) -> Row:
        wall = m[name][0]
        return Row("8", what, None, *m[name], versus=f"{wall / m['pass'][0]:.1f}× `python -c pass`",
                   target=f"≤ {STARTUP_TARGET * 1000:.0f} ms" if full else "",
                   met=wall <= STARTUP_TARGET if full else None)

    return [Row("8", "`python -c pass`", None, *m["pass"]),
            Row("8", '`python -c "import pandas"`', None, *m["pandas"],
                versus=f"{m['pandas'][0] / m['pass'][0]:.1f}× `python -c pass`"),
            command("help", "`python cli.py --help`"),
            command("csv", "`python cli.py import` of a CSV renamed .xlsx (refused)"),
            command("empty", "`python cli.py import` of a zero-byte file (refused)")]


# --- 6. bad inputs ------------------------------------------------------------------------------

def bench_corpus(plan: Plan) -> list[Row]:
    """Every bad-input corpus case through ``python cli.py import`` in a fresh process: time, peak RSS."""
    from bench import corpus

    return [Row("6", f"bad input refused: {r['case']}", None, r["seconds"],
                value=f"{r['seconds']:.2f} s, {r['peak_rss_mb']:.0f} MB",
                target=f"< {corpus.TARGET_SECONDS:.0f} s, < {corpus.TARGET_RSS_MB} MB", met=r["met"])
            for r in corpus.run(quick=plan.quick)]


# --- 9. refusing at scale -------------------------------------------------------------------------

REFUSAL_MAX_LINES = 200


def bench_refusal(plan: Plan, tmp: Path) -> list[Row]:
    """Item 9: the all-bad 学习教育 workbook refused, beside the same workbook with valid rows imported: each
    through ``cli.main(["import", ...])`` in a fresh process (median CPU over the repeats; peak RSS)."""
    from bench.workbooks import write_study_workbook

    n = plan.refusal_rows
    good = write_study_workbook(tmp / f"study-{n}.xlsx", n)
    bad = write_study_workbook(tmp / f"study-{n}-bad.xlsx", n, type_value="学习")
    runs: dict[str, list[dict]] = {"good": [], "bad": []}
    for i in range(1 if plan.quick else 3):
        for name, path in (("good", good), ("bad", bad)):
            db = tmp / f"refusal-{name}-{i}.db"
            runs[name].append(_child("cli", str(path), str(db)))
    if {r["exit"] for r in runs["good"]} != {0} or {r["exit"] for r in runs["bad"]} != {1}:
        raise SystemExit(f"refusal benchmark: unexpected exit codes {runs}")

    def summary(name: str) -> tuple[float, float, float, int]:
        rs = runs[name]
        return (statistics.median(r["wall"] for r in rs), statistics.median(r["cpu"] for r in rs),
                max(r["peak_mb"] for r in rs), max(r["lines"] for r in rs))

    g_wall, g_cpu, g_peak, g_lines = summary("good")
    b_wall, b_cpu, b_peak, b_lines = summary("bad")
    full = not plan.quick
    met = b_cpu <= g_cpu and b_peak <= g_peak * 1.05 and b_lines <= REFUSAL_MAX_LINES
    return [
        Row("9", '100% bad rows refused (类型 "学习" in every row), cli.py import', n, b_wall, b_cpu,
            f"CPU {b_cpu / g_cpu:.2f}× the valid import's; peak {b_peak:.0f} MB vs {g_peak:.0f} MB; "
            f"{b_lines} lines printed",
            f"CPU ≤ valid import, peak ≤ valid +5%, ≤ {REFUSAL_MAX_LINES} lines" if full else "",
            met if full else None),
        Row("9", "  · the same workbook with valid rows imported (baseline), cli.py import", n, g_wall, g_cpu,
            f"peak {g_peak:.0f} MB; {g_lines} lines printed"),
    ]


def _browser() -> str | None:
    """Why the browser items cannot run here (None when they can)."""
    import importlib.util

    from bench.first_look import CHROMIUM

    if not Path(CHROMIUM).exists():
        return f"skipped: {CHROMIUM} not installed"
    if importlib.util.find_spec("playwright") is None:
        return "skipped: playwright not installed"
    return None


def bench_first_look(plan: Plan) -> list[Row]:
    """Item 10 (issue #14): 总览's first card in Chromium, ``bench/first_look.py``'s visits (median of
    ``plan.repeat``), the app direct and behind nginx, beside a one-card Streamlit app in the same run."""
    from bench import first_look

    why = "skipped in --quick (see bench/first_look.py)" if plan.quick else _browser()
    if why:
        return [Row("10", f"first look at 总览 in Chromium: {why}", None, None)]
    runs = first_look.run(plan.repeat)
    rows = []
    for serving, by_cache in runs.items():
        base = serving == first_look.BASELINE
        for cache in ("empty", "cached"):
            card = first_look.median(by_cache[cache], "card")
            target = first_look.TARGETS[f"card_{cache}"]
            floor = first_look.median(runs[first_look.BASELINE][cache], "card")
            rows.append(Row("10", f"{'  · ' if base else ''}first card, "
                            f"{'empty cache' if cache == 'empty' else 'cached (reload)'}: {serving}", None, card,
                            versus="" if base else f"{card / floor:.2f}× the one-card app "
                            f"({first_look.median(by_cache[cache], 'status'):.2f} s to the status line)",
                            target="" if base else f"≤ {target} s", met=None if base else card <= target))
    return rows


def bench_meeting(plan: Plan) -> list[Row]:
    """Item 11 (issue #16 point 3): twenty pages open 总览 at once (``bench/meeting.py``, both waves)."""
    from bench import meeting

    why = "skipped in --quick (see bench/meeting.py)" if plan.quick else _browser()
    if why:
        return [Row("11", f"a meeting opens the link (20 pages): {why}", None, None)]
    rows = []
    for shared in (True, False):
        r = meeting.run(20, shared=shared)
        wave = meeting.WAVES[shared]
        slowest, per_session = max(r["cards"]), (r["after"] - r["before"]) / r["sessions"]
        repeated = sorted(k for k, v in r["wave_calls"].items() if v > 1)
        rows += [
            Row("11", f"a meeting, 20 pages ({wave}): slowest first card", None, slowest,
                versus=f"median {statistics.median(r['cards']):.2f} s; server CPU {r['server_cpu'] / 20 * 1000:.0f} ms "
                f"per session", target=f"≤ {meeting.TARGET_SLOWEST:.0f} s", met=slowest <= meeting.TARGET_SLOWEST),
            Row("11", f"  · server memory per session ({wave})", None, None, value=f"{per_session:.1f} MB",
                target=f"≤ {meeting.TARGET_MB:.0f} MB", met=per_session <= meeting.TARGET_MB),
            Row("11", f"  · computations repeated per session ({wave})", None, None,
                value=", ".join(repeated) or "none", target="none", met=not repeated),
        ]
    floor = meeting.run(20, shared=True, baseline=True)
    rows.append(Row("11", f"  · the floor: the same wave ({meeting.WAVES[True]}) on a one-card Streamlit app, "
                    "slowest first card", None, max(floor["cards"]),
                    versus=f"median {statistics.median(floor['cards']):.2f} s"))
    return rows


def _child(*args: str) -> dict:
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "child.py"), *args], capture_output=True,
                         text=True, cwd=ROOT)
    if run.returncode:
        raise SystemExit(f"bench/child.py {args[0]} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


# --- report --------------------------------------------------------------------------------------

LIBRARIES = ("pandas", "numpy", "pyarrow", "openpyxl", "python-calamine", "fastexcel", "XlsxWriter", "SQLAlchemy",
             "streamlit")


def machine() -> list[str]:
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
               platform.processor() or "?")
    versions = []
    for lib in LIBRARIES:
        try:
            versions.append(f"{lib} {metadata.version(lib)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{lib} (not installed)")
    return [f"- machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}",
            f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}; " + ", ".join(versions)]


def _fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def table(rows: list[Row]) -> list[str]:
    out = ["| # | measure | rows | median | CPU | comparison | target | met |",
           "|---|---|---:|---:|---:|---|---|---|"]
    for r in rows:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        size = f"{r.rows:,}" if r.rows else ""
        out.append(f"| {r.item} | {r.what} | {size} | {r.value or _fmt_time(r.wall)} | {_fmt_time(r.cpu)} | "
                   f"{r.versus} | {r.target} | {met} |")
    return out


def missed(rows: list[Row]) -> list[str]:
    """One line per missed target; a row without a row count (the bad-input corpus) names none."""
    lines = []
    for r in rows:
        if r.met is False:
            size = f" ({r.rows:,} rows)" if r.rows is not None else ""
            shown = r.value or (f"{_fmt_time(r.cpu)} CPU ({_fmt_time(r.wall)} wall)" if "CPU" in r.target
                                else _fmt_time(r.wall))
            lines.append(f"- missed: {r.what.strip(' ·')}{size}: {shown}"
                         f"{', ' + r.versus if r.versus else ''}; target {r.target}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat (under a minute)")
    parser.add_argument("--out", type=Path, help=f"Markdown file to write (default: {RESULTS.relative_to(ROOT)}; "
                                                 "--quick writes none unless given)")
    parser.add_argument("--repeat", type=int, help="repeats per measure (median)")
    parser.add_argument("--only", action="append", metavar="STEP",
                        help="run only this step (repeatable): import, metrics, pages, downloads, memory, "
                             "bad inputs, .xls and sandbox, start-up, refusal at scale, first look, meeting; writes no file "
                             "unless --out is given")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    if args.repeat:
        plan = Plan(**{**plan.__dict__, "repeat": args.repeat})
    out = args.out or (None if plan.quick or args.only else RESULTS)

    started, load = datetime.now(), os.getloadavg()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="dj-bench-") as name:
        tmp = Path(name)
        books = {n: write_volunteer_workbook(tmp / f"volunteer-{n}.xlsx", n) for n in plan.workbooks}
        for step, run in (("import", lambda: bench_import(plan, tmp, books)),
                          ("metrics", lambda: bench_metrics(plan)),
                          ("pages", lambda: bench_pages(plan, tmp)),
                          ("downloads", lambda: bench_export(plan)),
                          ("memory", lambda: bench_rss(plan, tmp, books[max(books)], max(books))),
                          ("bad inputs", lambda: bench_corpus(plan)),
                          (".xls and sandbox", lambda: bench_xls(plan)),
                          ("start-up", lambda: bench_startup(plan, tmp)),
                          ("refusal at scale", lambda: bench_refusal(plan, tmp)),
                          ("first look", lambda: bench_first_look(plan)),
                          ("meeting", lambda: bench_meeting(plan))):
            if args.only and step not in args.only:
                continue
            print(f"[bench] {step} …", file=sys.stderr, flush=True)
            done = run()
            for r in done:
                if r.target:
                    size = f" ({r.rows:,} rows)" if r.rows else ""
                    print(f"[bench]   {r.what.strip(' ·')}{size}: {r.value or _fmt_time(r.wall)}"
                          f"{', ' + r.versus if r.versus else ''} | target {r.target} | "
                          f"{'met' if r.met else 'MISSED'}", file=sys.stderr, flush=True)
            rows += done
    seconds = (datetime.now() - started).total_seconds()
    end_load = os.getloadavg()
    lines = [f"# Benchmark{' (quick)' if plan.quick else ''}: {started:%Y-%m-%d %H:%M}",
             "", *machine(),
             f"- load average {load[0]:.1f} at start, {end_load[0]:.1f} at end; median of {plan.repeat} "
             f"repeat(s) (fewer for the largest sizes); whole run {seconds:.0f} s",
             "- command: `python bench/run.py" + (" --quick" if plan.quick else "")
             + "".join(f" --only '{o}'" for o in args.only or ()) + "`", "",
             *table(rows), ""]
    lines += missed(rows) or ["- every target met"]
    text = "\n".join(lines) + "\n"
    print(text)
    if out:
        out.write_text(text, encoding="utf-8")
        print(f"[bench] written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
