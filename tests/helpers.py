"""What several test modules share: the project root, AppTest steps, database snapshots."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ui.downloads import XLSX_MIME

ROOT = Path(__file__).resolve().parent.parent
XLSX = XLSX_MIME  # the media type a browser sends with an uploaded .xlsx
START_TIMEOUT_S = 60  # a server's start on a loaded machine; a hang guard, not a timing


def goto(at, page: str):
    """Switch an AppTest session to ``page`` (a path such as ``pages/upload.py``) and run it; no
    exception."""
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at, label: str):
    """The AppTest button labelled ``label`` (it must be there)."""
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def sqlite_state(path: str | os.PathLike, skip=()) -> dict[str, list]:
    """Every table of a SQLite file: [rows, sha256 of its rows sorted] (lists: it travels as JSON),
    the ``skip`` columns (e.g. times) left out; read only, to compare a whole state before and after."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        state = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in skip]
            rows = sorted(repr(r) for r in conn.execute(f'SELECT {", ".join(map(repr, cols))} FROM "{table}"'))
            state[table] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()]
        return state
    finally:
        conn.close()


def figures(at) -> list[tuple[str, str]]:
    """Every key figure the page shows, in page order, as (name, value) the way a person reads
    them: 总览's cards (each ``keep-card-*`` container's first markdown, name and value in two
    paragraphs: ``ui.glance.card``) and ``st.metric`` on the other pages; md()'s escapes undone."""
    import re

    from ui.style import CARD_PREFIX

    def plain(markdown: str) -> str:
        return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")

    found = []
    for block in at.container:
        if (block.key or "").startswith(CARD_PREFIX + "-"):
            name, value = block.markdown[0].value.split("\n\n")
            found.append((plain(name), plain(value)))
    return found + [(m.label, m.value) for m in at.metric]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp_path, script: str = "serve.py", env_extra: dict | None = None):
    """``streamlit run SCRIPT`` on a free loopback port, local mode (no users file, no settings
    file, a SQLite database in ``tmp_path``) unless ``env_extra`` says otherwise; returns (process,
    port, log file) once /_stcore/health answers. The one server start of the tests (test_guard,
    test_browser, test_browser_leadership)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/guard.db", "DJ_SETTINGS": str(tmp_path / "none.toml")}
    for key in ("DJ_USERS_FILE", "DJ_BRANCH", "DJ_ALLOWED_HOSTS", "DJ_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"):
        env.pop(key, None)
    (tmp_path / "none.toml").write_text("", encoding="utf-8")
    env.update(env_extra or {})
    log = (tmp_path / f"{script}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}: {(tmp_path / f'{script}.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("streamlit did not answer /_stcore/health in time")
        time.sleep(0.3)
    return proc, port, log


def stop_server(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    log.close()


def drop_all_tables(url: str) -> None:
    """Drop every table the database at ``url`` holds (reflected, so tables of any MetaData): a test on
    TEST_DATABASE_URL, or a benchmark on PostgreSQL, starts from an empty database."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    engine.dispose()
