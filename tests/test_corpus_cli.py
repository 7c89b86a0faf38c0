"""The bad-input corpus (tests/bad_inputs.py) through the real command line, ``cli.py import``.

For every case: exit code 1, the exact message on stderr (a reader case: an error line starting
with its expected sentence), the database unchanged (row count and checksum of every table), and
the process alive afterwards. All cases run one after another in ONE child process that calls
``cli.main(["import", FILE])`` (what ``python cli.py import FILE`` runs), its address space capped
so that a file slipping past the checks would abort it rather than swap; a representative subset
also runs as separate ``python cli.py import`` processes. Time and memory per case are measured
by the benchmark (bench/corpus.py), not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from data import schema, texts
from data.importer import import_files
from data.store import Store
from tests.bad_inputs import BUILDERS, SAFETY, build_corpus
from tests.helpers import ROOT, sqlite_state
from tests.xlsx_factory import register_rows, write_xlsx

BRANCH = "语料测试支部"
# One case of each kind, run as its own `python cli.py import` process.
SEPARATE = ["far_cell_pair", "bomb_lying_header", "billion_laughs", "rows_1048576", "encrypted_workbook",
            "bad_date"]

# The child: every file through cli.main, one after another; after each, the database's state.
_RUNNER = """
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
sys.path.insert(0, {root!r})
import cli
from tests.helpers import sqlite_state
out = []
for path in sys.argv[2:]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = cli.main(["import", path])
        except SystemExit as exit:
            code = exit.code
    out.append({{"exit": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(),
                "state": sqlite_state(sys.argv[1])}})
print(json.dumps(out, ensure_ascii=False))
print("alive")
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """The corpus, and a database already holding an import (so "unchanged" means something)."""
    tmp = tmp_path_factory.mktemp("corpus-cli")
    cases = build_corpus(tmp / "files")
    db = tmp / "registers.db"
    good = write_xlsx(tmp / "2023年学习台账.xlsx", {schema.STUDY.name: register_rows("study", [
        {"date": f"2023-0{m}-1{m}", "type": schema.STUDY_TYPES[0], "topic": f"第{m}次学习"} for m in range(1, 5)])})
    outcome = import_files(Store(f"sqlite:///{db}", branch=BRANCH), [good], user="组织委员")
    assert not outcome.rejected and outcome.results[0].added == 4
    settings = tmp / "settings.toml"
    settings.write_text("")  # never a developer's settings.toml
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "DJ_BRANCH": BRANCH, "DJ_SETTINGS": str(settings),
           "OPENBLAS_NUM_THREADS": "1"}
    return cases, db, env


def _check(case, exit_code, stderr: str) -> None:
    assert exit_code == 1, (case.name, stderr)
    lines = stderr.splitlines()
    if case.stage == SAFETY:
        summary = texts.IMPORT_ISSUE_COUNT.format(errors=1, warnings=0)
        assert lines == [case.imported_message, texts.CLI_IMPORT_REJECTED.format(summary=summary)], case.name
    else:
        assert any(line.startswith(case.message) for line in lines), (case.name, lines)
        assert lines[-1].startswith(texts.CLI_IMPORT_REJECTED.partition("{")[0])


def test_every_case_is_refused_by_the_cli_in_one_living_process(setup):
    cases, db, env = setup
    before = sqlite_state(db)
    runner = _RUNNER.format(root=str(ROOT))
    done = subprocess.run([sys.executable, "-c", runner, str(db), *(str(c.path) for c in cases)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]  # no signal, no crash: it finished normally
    *body, last = done.stdout.splitlines()
    assert last == "alive"
    results = json.loads("\n".join(body))
    assert len(results) == len(cases) == len(BUILDERS)
    for case, result in zip(cases, results):
        _check(case, result["exit"], result["stderr"])
        assert result["state"] == before, case.name
    assert sqlite_state(db) == before


@pytest.mark.parametrize("name", SEPARATE)
def test_cases_refused_by_separate_cli_processes(setup, name):
    cases, db, env = setup
    case = next(c for c in cases if c.name == name)
    before = sqlite_state(db)
    done = subprocess.run([sys.executable, "cli.py", "import", str(case.path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    _check(case, done.returncode, done.stderr)
    assert sqlite_state(db) == before
