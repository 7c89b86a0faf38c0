"""Backup and restore of a large database through the command line (issue #13.5):
``python bench/backup_big.py [--rows 2000000] [--out FILE]``.

Fills a fresh SQLite database with ROWS 学习教育 rows (ten imports of ROWS/10 rows, one per year
2015–2024, about what 1,000 branches record in ten years), then runs ``python cli.py backup`` and
``python cli.py restore`` (into a second, empty database) each in a process of its own, and reports
wall time, peak RSS (VmHWM of that process) and the backup's size, beside the same at ROWS/10 rows:
memory that stays flat while the rows grow tenfold is the bounded-memory claim. Every table is
compared row for row after the restore (the audit log less the backup's and the restore's own rows).
Prints a Markdown table; ``--out`` appends it to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "基准测试支部"

# Runs cli.py in this process and prints its peak RSS (VmHWM, MB) as the last line of stderr.
_WRAPPER = """
import atexit, json, runpy, sys
def peak():
    with open('/proc/self/status') as fh:
        hwm = next(l for l in fh if l.startswith('VmHWM:'))
    sys.stderr.write(json.dumps({'peak_mb': int(hwm.split()[1]) / 1024}) + '\\n')
atexit.register(peak)
sys.argv = ['cli.py'] + sys.argv[1:]
sys.path.insert(0, %r)
runpy.run_path(%r, run_name='__main__')
""" % (str(ROOT), str(ROOT / "cli.py"))

_FILL = """
import sys
sys.path.insert(0, %r)
import numpy as np, pandas as pd
from data import schema
from data.store import Store
url, rows = sys.argv[1], int(sys.argv[2])
store = Store(url, branch=%r)
per = rows // 10
for k, year in enumerate(range(2015, 2025)):
    n = per if k < 9 else rows - 9 * per
    i = np.arange(n)
    frame = pd.DataFrame({
        "date": pd.Timestamp(year, 1, 1) + pd.to_timedelta(i %% 365, unit="D"),
        "type": np.array(schema.STUDY_TYPES, dtype=object)[i %% 13],
        "topic": [f"{year}年学习专题{j}" for j in range(n)], "speaker": "书记",
        "expected": pd.array(np.full(n, 30), dtype="Int64"), "present": pd.array(i %% 31, dtype="Int64"),
        "attendees": "张三、李四、王五", "hours": (i %% 8) / 2, "group": "第一党小组", "place": "会议室", "note": None})
    store.import_frames({"study": frame}, file_name=f"{year}.xlsx", sha256="a" * 64, user="组织委员")
""" % (str(ROOT), BRANCH)


def run(args: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``python cli.py ARGS`` in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"cli.py {' '.join(args)} failed: {done.stderr}")
    peak = json.loads(done.stderr.strip().splitlines()[-1])["peak_mb"]
    return wall, peak


def same(a_url: str, b_url: str) -> bool:
    """Every table equal row for row, streamed in parallel (the audit log less its last row)."""
    import itertools

    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from data.store import AUDIT_LOG, METADATA

    a, b = sa.create_engine(a_url), sa.create_engine(b_url)
    with a.connect() as ca, b.connect() as cb:
        for t in METADATA.sorted_tables:
            query = sa.select(t).order_by(*t.primary_key.columns)
            if t is AUDIT_LOG:
                left, right = ca.execute(query).all()[:-1], cb.execute(query).all()[:-1]
                if left != right:
                    return False
                continue
            left, right = ca.execute(query), cb.execute(query)
            for x, y in itertools.zip_longest(iter(lambda: left.fetchmany(10_000), []),
                                              iter(lambda: right.fetchmany(10_000), [])):
                if x != y:
                    return False
    return True


def measure(rows: int, folder: Path) -> dict:
    source, target = f"sqlite:///{folder / f'src{rows}.db'}", f"sqlite:///{folder / f'dst{rows}.db'}"
    env = {**os.environ, "DJ_BRANCH": BRANCH, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", _FILL, source, str(rows)], check=True, env=env)
    fill = time.perf_counter() - start
    out = folder / f"backup{rows}.zip"
    backup_wall, backup_peak = run(["backup", str(out)], {**env, "DATABASE_URL": source})
    restore_wall, restore_peak = run(["restore", str(out)], {**env, "DATABASE_URL": target})
    return {"rows": rows, "fill_s": fill, "size_mb": out.stat().st_size / 2**20,
            "backup_s": backup_wall, "backup_peak_mb": backup_peak,
            "restore_s": restore_wall, "restore_peak_mb": restore_peak, "identical": same(source, target)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dj-bench-backup-") as tmp:
        results = [measure(n, Path(tmp)) for n in (args.rows // 10, args.rows)]
    lines = [f"## Backup and restore through the CLI: {datetime.now():%Y-%m-%d %H:%M}", "",
             f"- machine: {os.cpu_count()} cores, {platform.platform()}; load average {load:.1f} at start, "
             f"{os.getloadavg()[0]:.1f} at end; Python {platform.python_version()}",
             f"- command: `python bench/backup_big.py --rows {args.rows}`", "",
             "| rows | backup file | backup time | backup peak RSS | restore time | restore peak RSS | identical |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        same_rows = "yes" if r["identical"] else "**no**"
        lines.append(f"| {r['rows']:,} | {r['size_mb']:.1f} MB | {r['backup_s']:.1f} s | {r['backup_peak_mb']:.0f} MB "
                     f"| {r['restore_s']:.1f} s | {r['restore_peak_mb']:.0f} MB | {same_rows} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
