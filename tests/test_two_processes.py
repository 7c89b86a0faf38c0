"""Two app processes on one database (issue #17, point 4): what one process does shows in the other at
its next run. Each process is a separate Python process running app.py through AppTest
(``tests/app_process.py``), with its own Streamlit caches, stores, sign-in limit and sessions objects,
as two server processes behind a sticky proxy have. (Not two ``streamlit run`` servers: a page session
of a real server can only be driven by a browser or by hand-made websocket messages carrying widget
ids; what is shared or not between processes is the same either way: module state, caches, the
database.) On SQLite in ``make test``; on PostgreSQL in CI's PostgreSQL pass (TEST_DATABASE_URL).

- An import through one process's upload page shows on the other's next run of 数据查询 (its
  cached reads are keyed by the database's version), and so does an import by the CLI.
- Failed sign-ins counted by one process make the other refuse the right password.
- A session signed out in one process is over in the other (the token is checked in the database).
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys

import pytest

import cli
from data import signin_limits, texts, users
from tests.helpers import ROOT
from tests.test_app_data import YEAR, study_sheet
from tests.xlsx_factory import xlsx_bytes

ANSWER_TIMEOUT_S = 600  # a hang guard only (a loaded 2-core machine); nothing here is timed
EDITOR, VIEWER = "干事乙", "领导甲"
PASSWORDS = {EDITOR: "editor-password", VIEWER: "viewer-password"}


class AppProcess:
    """One ``python -m tests.app_process``: ``ask`` sends a command and returns its answer."""

    def __init__(self, env: dict, log):
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.app_process"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)

    def ask(self, op: str, **fields) -> dict:
        self.proc.stdin.write(json.dumps({"op": op, **fields}, ensure_ascii=False) + "\n")
        self.proc.stdin.flush()
        with selectors.DefaultSelector() as waiting:  # epoll: no limit on the descriptor's number
            waiting.register(self.proc.stdout, selectors.EVENT_READ)
            ready = waiting.select(ANSWER_TIMEOUT_S)
        line = self.proc.stdout.readline() if ready else ""
        assert line, f"app process gave no answer to {op} (exit code {self.proc.poll()})"
        answer = json.loads(line)
        assert not answer["exception"], answer["exception"]
        return answer

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def deployment(db_url, tmp_path, monkeypatch) -> dict:
    """One database (the test database: SQLite file, or TEST_DATABASE_URL), a users file, an empty
    settings file; the environment every process of the deployment reads."""
    path = tmp_path / "users.toml"
    users.save_users(path, {EDITOR: users.User(EDITOR, "editor", users.hash_password(PASSWORDS[EDITOR], rounds=4)),
                            VIEWER: users.User(VIEWER, "viewer", users.hash_password(PASSWORDS[VIEWER], rounds=4))})
    settings = tmp_path / "settings.toml"
    settings.write_text("", encoding="utf-8")
    env = {"DATABASE_URL": db_url, "DJ_USERS_FILE": str(path), "DJ_SETTINGS": str(settings)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DJ_BRANCH", raising=False)
    return {**{k: v for k, v in os.environ.items() if k != "DJ_BRANCH"}, **env}


@pytest.fixture
def two(deployment, tmp_path):
    log = (tmp_path / "app-processes.log").open("w")
    first, second = AppProcess(deployment, log), AppProcess(deployment, log)
    yield first, second
    first.close()
    second.close()
    log.close()


def workbook(tmp_path, name: str, month: int, days: list[int]):
    """Study rows of one month: a new month replaces nothing, so the upload needs no removal confirmed."""
    path = tmp_path / name
    path.write_bytes(xlsx_bytes({"学习教育": study_sheet([(f"{YEAR}-{month:02d}-{d:02d}", "集中学习")
                                                         for d in days])}))
    return path


def rows_shown(answer: dict) -> int | None:
    for n in range(0, 100):
        if texts.QUERY_ROWS.format(rows=n) in answer["captions"]:
            return n
    return None


def test_an_import_in_one_process_shows_in_the_other_at_its_next_run(two, tmp_path):
    first, second = two
    assert cli.main(["import", str(workbook(tmp_path, "一月.xlsx", 1, [1])), "--user", "命令行"]) == 0
    first.ask("open")
    assert first.ask("sign_in", name=EDITOR, password=PASSWORDS[EDITOR])["user"] == EDITOR
    second.ask("open")
    assert second.ask("sign_in", name=VIEWER, password=PASSWORDS[VIEWER])["user"] == VIEWER
    assert rows_shown(second.ask("page", page="pages/query.py", year=YEAR)) == 1  # its caches now hold 1 row
    assert rows_shown(second.ask("run")) == 1
    done = first.ask("upload", file="三月.xlsx", path=str(workbook(tmp_path, "三月.xlsx", 3, [2, 3, 4])))
    assert any("已导入" in s for s in done["successes"]), done
    assert rows_shown(second.ask("run")) == 4  # the other process's next run
    assert rows_shown(first.ask("page", page="pages/query.py", year=YEAR)) == 4
    assert cli.main(["import", str(workbook(tmp_path, "五月.xlsx", 5, [5, 6])), "--user", "命令行"]) == 0
    assert rows_shown(second.ask("run")) == 6 and rows_shown(first.ask("run")) == 6


def test_failed_sign_ins_in_one_process_lock_the_name_in_the_other(two):
    first, second = two
    first.ask("open")
    for _ in range(signin_limits.PER_NAME):
        answer = first.ask("sign_in", name=EDITOR, password="not-the-password")
        assert answer["errors"] == [texts.SIGNIN_FAILED] and answer["user"] is None
    second.ask("open")
    answer = second.ask("sign_in", name=EDITOR, password=PASSWORDS[EDITOR])  # right, but locked everywhere
    assert answer["errors"] == [texts.SIGNIN_LOCKED.format(minutes=15)] and answer["user"] is None
    assert answer["sign_in_form"]
    assert second.ask("sign_in", name=VIEWER, password=PASSWORDS[VIEWER])["user"] == VIEWER  # another name


def test_a_session_signed_out_in_one_process_is_over_in_the_other(two):
    first, second = two
    first.ask("open")
    token = first.ask("sign_in", name=EDITOR, password=PASSWORDS[EDITOR])["token"]
    assert token
    # The same browser (its cookie holds the token) reaching the other process: signed in there too.
    assert second.ask("open", token=token)["user"] == EDITOR
    assert second.ask("run")["user"] == EDITOR
    assert first.ask("sign_out")["user"] is None
    answer = second.ask("run")  # the other process's next click
    assert answer["user"] is None and answer["sign_in_form"]
    assert second.ask("open", token=token)["user"] is None
