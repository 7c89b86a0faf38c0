"""The bad-input corpus, measured: every case of tests/bad_inputs.py through ``python cli.py import
FILE`` in a fresh process, against a database that already holds an import.

    from bench import corpus
    rows = corpus.run(quick=False)       # one dict per case (keys below)
    python bench/corpus.py [--quick]     # the same, printed as a Markdown table

Each row: ``case``, ``stage`` ("safety" or "reader"), ``seconds`` (wall clock of the whole
process, interpreter start included), ``peak_rss_mb`` (the child's ru_maxrss), ``exit_code``,
``message_ok`` (the expected message on stderr), ``db_unchanged`` (row count and checksum of every
table), ``met`` (exit code 1, message, database, and within TARGET_SECONDS and TARGET_RSS_MB).
``quick`` runs QUICK_CASES only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bad_inputs import SAFETY, Case, build_corpus  # noqa: E402
from tests.helpers import sqlite_state as db_state  # noqa: E402

TARGET_SECONDS = 2.0
TARGET_RSS_MB = 300
QUICK_CASES = ("zero_byte", "too_big", "bomb_348mb", "far_cell_pair", "billion_laughs", "rows_1048576",
               "many_strings", "bad_date")
BRANCH = "基准测试支部"
SEED_WORKBOOK = ROOT / "data" / "samples" / "2025-01.xlsx"


# The child is started by a tiny launcher, not by this process: Linux carries a process's peak RSS
# across fork and exec, so a child forked from this process (which holds the corpus) would report
# this process's peak as its own.
_LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
print(json.dumps([os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / 1024]))
"""


def _cli(args: list[str], env: dict, stderr_path: Path) -> tuple[int, float, float]:
    """(exit code, wall seconds, peak RSS MB) of ``python cli.py ARGS`` (stdout discarded, stderr
    written to ``stderr_path``)."""
    with open(stderr_path, "wb") as err:
        done = subprocess.run([sys.executable, "-I", "-S", "-c", _LAUNCHER, "cli.py", *args], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=err, check=True)
    code, seconds, rss = json.loads(done.stdout)
    return code, seconds, rss


def _message_ok(case: Case, stderr: str) -> bool:
    lines = stderr.splitlines()
    if case.stage == SAFETY:
        return bool(lines) and lines[0] == case.imported_message
    return any(line.startswith(case.message) for line in lines)


def run(quick: bool) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="dj-corpus-") as name:
        tmp = Path(name)
        cases = build_corpus(tmp / "files", list(QUICK_CASES) if quick else None)
        db = tmp / "registers.db"
        settings = tmp / "settings.toml"
        settings.write_text("")
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJ_BRANCH": BRANCH, "DJ_SETTINGS": str(settings)}
        code, _, _ = _cli(["import", str(SEED_WORKBOOK), "--user", "bench"], env, tmp / "seed.err")
        if code != 0:
            raise SystemExit(f"seeding the database failed:\n{(tmp / 'seed.err').read_text()[-3000:]}")
        before = db_state(db)
        rows = []
        for case in cases:
            err = tmp / f"{case.name}.err"
            code, seconds, rss = _cli(["import", str(case.path)], env, err)
            message_ok = _message_ok(case, err.read_text(encoding="utf-8", errors="replace"))
            unchanged = db_state(db) == before
            rows.append({"case": case.name, "stage": case.stage, "seconds": round(seconds, 3),
                         "peak_rss_mb": round(rss, 1), "exit_code": code, "message_ok": message_ok,
                         "db_unchanged": unchanged,
                         "met": code == 1 and message_ok and unchanged and seconds < TARGET_SECONDS
                         and rss < TARGET_RSS_MB})
        return rows


def table(rows: list[dict]) -> list[str]:
    out = [f"| case | stage | seconds (< {TARGET_SECONDS:g}) | peak RSS MB (< {TARGET_RSS_MB}) | exit | message | "
           "database unchanged | met |", "|---|---|---:|---:|---:|---|---|---|"]
    yes = {True: "yes", False: "**no**"}
    for r in rows:
        out.append(f"| {r['case']} | {r['stage']} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} | {r['exit_code']} | "
                   f"{yes[r['message_ok']]} | {yes[r['db_unchanged']]} | {yes[r['met']]} |")
    return out


if __name__ == "__main__":
    result = run(quick="--quick" in sys.argv[1:])
    print("\n".join(table(result)))
    sys.exit(0 if all(r["met"] for r in result) else 1)
