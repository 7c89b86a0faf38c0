"""The organisation benchmark: ``python bench/org.py [--branches N] [--years Y] [--url URL] [--import-only] [--out FILE]``.

Stores N branches (default 200) × Y years (default 3) of the demo year's registers (each year the demo
year moved; about 1,000 rows per branch and year, ~600k rows at the defaults) into a fresh database
(SQLite file in a temp dir, or ``--url``: an empty PostgreSQL database, every table dropped first),
then measures in this process:

1. importing one more branch's year into that database, beside the same import into the same
   database while it is still empty (same backend; the ratio says whether other branches' rows slow
   a branch's import), wall clock and CPU (``time.process_time``: this process's share, the
   database server's excluded on PostgreSQL);
2. the 各支部对比 page's server run (AppTest through app.py, local mode: every branch visible):
   the first run (cold caches) and a warm rerun, and after an import into one branch;
3. one branch's 总览: a warm rerun.

``--import-only`` measures item 1 alone. Targets (issue #17): comparison page ≤ 1 s (first run too), 总览 rerun ≤ 300 ms, import ratio ≈ 1. Times are wall
clock medians; nothing is asserted (``tests/test_bench.py`` runs ``--branches 3 --years 1``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def year_frames(base: dict, shift: int, branch_no: int) -> dict:
    """The demo year moved by ``shift`` years; names made distinct per branch."""
    import pandas as pd

    out = {}
    for key, frame in base.items():
        frame = frame.copy()
        if "date" in frame:
            frame["date"] = pd.to_datetime(frame["date"]) + pd.DateOffset(years=shift)
        if key == "targets":
            frame["year"] = frame["year"] + shift
        if key == "roster" and shift:
            continue
        if "name" in frame and key in ("volunteer", "roster"):
            frame["name"] = frame["name"].astype(str) + f"{branch_no}"
        out[key] = frame
    return out


def _typed(frames: dict) -> dict:
    from data import schema

    out = {}
    for key, frame in frames.items():
        typed = schema.coerce(frame, schema.REGISTERS[key])
        typed["_row"] = range(3, len(typed) + 3)
        out[key] = typed
    return out


def _import(store, frames: dict) -> tuple[float, float]:
    """Wall clock and CPU time of one import."""
    start, cpu = time.perf_counter(), time.process_time()
    store.import_frames(frames, file_name="bench.xlsx", sha256="0" * 64, user="bench")
    return time.perf_counter() - start, time.process_time() - cpu


def _store(url: str, branch: str):
    from data.store import Store

    return Store(url, branch=branch)


def _imports(url: str, frames: dict, repeat: int, prefix: str) -> tuple[float, float]:
    """Median wall clock and CPU of ``repeat`` imports, each into a new branch."""
    times = [_import(_store(url, f"{prefix}{i}"), frames) for i in range(repeat)]
    return statistics.median(t for t, _ in times), statistics.median(c for _, c in times)


CPU: dict[float, float] = {}  # wall time -> the process's CPU time of the same run (load-independent)


def _timed(fn) -> float:
    start, cpu = time.perf_counter(), time.process_time()
    at = fn()
    elapsed = time.perf_counter() - start
    CPU[elapsed] = time.process_time() - cpu
    if at.exception:
        raise SystemExit(f"page raised: {at.exception[0].message}")
    return elapsed


def _ms(wall: float) -> str:
    """Wall time, with the CPU time of that run when it was one run (the median of an odd count is)."""
    return f"{wall * 1000:.0f} ms" + (f" (CPU {CPU[wall] * 1000:.0f} ms)" if wall in CPU else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--url")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument("--import-only", action="store_true")
    args = parser.parse_args(argv)
    # Imported here, not at the top: with bench/ on sys.path this file is also the module `org` that
    # copy.py tries (`from org.python.core import ...`), so its top must import nothing heavy.
    from tests.helpers import drop_all_tables

    from bench.child import _app_test
    from data.demo import DEMO_YEAR, build_year

    tmp = Path(tempfile.mkdtemp(prefix="dj-org-bench-"))
    url = args.url or f"sqlite:///{tmp / 'org.db'}"
    load_start = os.getloadavg()[0]
    base = build_year()
    years = [DEMO_YEAR - i for i in range(args.years)][::-1]
    # 1a. an import into one branch of the empty database (same backend), then start afresh
    one = _typed(year_frames(base, 0, 9999))
    drop_all_tables(url)
    empty, empty_cpu = _imports(url, one, args.repeat, "空库支部")
    drop_all_tables(url)
    start = time.perf_counter()
    rows = 0
    for b in range(args.branches):
        store = _store(url, f"第{b + 1:03d}支部")
        for y in years:
            frames = _typed(year_frames(base, y - DEMO_YEAR, b))
            rows += sum(len(f) for f in frames.values())
            store.import_frames(frames, file_name=f"{y}.xlsx", sha256="0" * 64, user="bench")
    filled = time.perf_counter() - start
    # 1b. the same import into the full database
    full, full_cpu = _imports(url, one, args.repeat, "新支部")
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"# Organisation benchmark ({args.branches} branches × {args.years} years, {backend})", "",
        f"{rows:,} rows stored in {filled:.0f} s; load average {load_start:.1f} at start.", "",
        "| measure | time | CPU | target |", "|---|---|---|---|",
        f"| import one branch's year, full database | {full * 1000:.0f} ms | {full_cpu * 1000:.0f} ms | |",
        f"| same import, empty database | {empty * 1000:.0f} ms | {empty_cpu * 1000:.0f} ms | |",
        f"| ratio full / empty | {full / empty:.2f} | {full_cpu / empty_cpu:.2f} | ≈ 1 |",
    ]
    if args.import_only:
        return _report(lines, args.out)

    # 2. and 3. the pages, local mode (no users file): the local user may view every branch
    settings = tmp / "bench-settings.toml"
    settings.write_text("", encoding="utf-8")
    os.environ.update(DATABASE_URL=url, DJ_BRANCH="第001支部", DJ_SETTINGS=str(settings))
    os.environ.pop("DJ_USERS_FILE", None)
    load_before = os.getloadavg()[0]
    at = _app_test().from_file(str(ROOT / "app.py"), default_timeout=600)
    at.run()
    at.session_state["year"] = DEMO_YEAR
    overview_first = _timed(at.run)
    overview_warm = statistics.median(_timed(at.run) for _ in range(args.repeat))
    at.switch_page("pages/organisation.py")
    compare_first = _timed(at.run)
    compare_warm = statistics.median(_timed(at.run) for _ in range(args.repeat))
    _store(url, "第002支部").import_frames(
        _typed({"study": year_frames(base, 0, 1)["study"].head(5)}), file_name="x.xlsx", sha256="1" * 64,
        user="bench")
    compare_after_import = _timed(at.run)

    lines += [
        f"| 总览 first run (cold caches) | {_ms(overview_first)} | | |",
        f"| 总览 rerun (warm) | {_ms(overview_warm)} | | ≤ 300 ms |",
        f"| 各支部对比 first run (cold caches) | {_ms(compare_first)} | | ≤ 1 s |",
        f"| 各支部对比 rerun (warm) | {_ms(compare_warm)} | | ≤ 1 s |",
        f"| 各支部对比 after an import into one branch | {_ms(compare_after_import)} | | ≤ 1 s |",
    ]
    lines += ["", f"Load average {load_before:.1f} before the page measurements ({os.cpu_count()} cores)."]
    return _report(lines, args.out)


def _report(lines: list[str], out: str | None) -> int:
    lines.append(f"\nLoad average {os.getloadavg()[0]:.1f} at the end.")
    text = "\n".join(lines)
    print(text)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
