"""The app in a real browser: Playwright (sync API) driving Debian's Chromium against
``streamlit run`` on 127.0.0.1 with a fresh database.

Sign in as an editor (a users file in tmp_path), load the demo from the 总览 first-run panel, see
the cards, upload a workbook on 数据上传 and see a card change on 总览, filter 数据查询 and download
the .xlsx, then check its rows and that the audit log names the editor. A screenshot of
every page goes to ``test-artifacts/screens/`` (git-ignored).

Skips with a reason when /usr/bin/chromium or the playwright package is missing, except under
``CI=true``, where a missing browser is a failure.
"""

import os
import re
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from data import audit, schema, texts, users
from data.export import to_xlsx
from data.settings import load_settings
from data.store import Store
from tests.helpers import ROOT, start_server, stop_server

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = ROOT / "test-artifacts" / "screens"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STEP_TIMEOUT_MS = 30_000
MAX_SHOT_HEIGHT = 8000
INDICATOR = "集中学习次数"
EDITOR, EDITOR_PASSWORD = "干事甲", "editor-password"  # a made-up user


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI=true the browser test must run (.ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture
def sync_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    _require(sync_playwright is not None, "the playwright package is not installed (requirements-dev.txt)")
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return sync_playwright


@pytest.fixture
def server(tmp_path):
    """``streamlit run serve.py`` on a free port with a fresh SQLite database; yields (url, db url)."""
    db_url = f"sqlite:///{tmp_path}/browser.db"
    users_file = tmp_path / "users.toml"
    users.save_users(users_file, {EDITOR: users.User(EDITOR, "editor", users.hash_password(EDITOR_PASSWORD, rounds=4))})
    proc, port, log = start_server(tmp_path, "serve.py", {"DATABASE_URL": db_url, "DJ_USERS_FILE": str(users_file)})
    try:
        yield f"http://127.0.0.1:{port}", db_url
    finally:
        stop_server(proc, log)


def shoot(page, name: str) -> None:
    """Screenshot of the whole page: Streamlit scrolls inside its main block, so the viewport is made
    as tall as that block's content for the shot."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), MAX_SHOT_HEIGHT)})
    page.wait_for_timeout(700)  # let charts redraw at the new size; not an assertion
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def open_page(page, title: str) -> None:
    """Click a page in the sidebar navigation (keeps the session) and wait for its header."""
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for()
    idle(page)


def idle(page) -> None:
    """Wait until the script run is over (Streamlit marks its root with the script state)."""
    page.wait_for_timeout(200)  # a click's rerun request reaches the server first
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()


def card_value(page, name: str) -> int:
    """The whole number a 总览 card shows (its first markdown: the name, then the value)."""
    card = page.locator('[class*="st-key-keep-card"]').filter(has_text=name).first
    card.wait_for()
    value = card.get_by_test_id("stMarkdownContainer").first.locator("p").nth(1).inner_text()
    return int(re.match(r"\d+", value.replace("\u2060", "").strip()).group())


def wait_card(page, name: str, value: int) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT_MS / 1000
    while card_value(page, name) != value:
        if time.monotonic() > deadline:
            pytest.fail(f"card {name} shows {card_value(page, name)}, expected {value}")
        page.wait_for_timeout(300)


def test_demo_upload_query_download_in_chromium(sync_playwright, server, tmp_path):
    base, db_url = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
            page.set_default_timeout(STEP_TIMEOUT_MS)
            page.goto(base, timeout=STEP_TIMEOUT_MS)

            # 登录 as an editor (a users file is configured, so nothing else is reachable before).
            page.get_by_label(texts.SIGNIN_NAME).fill(EDITOR, timeout=2 * STEP_TIMEOUT_MS)  # cold start
            page.get_by_label(texts.SIGNIN_PASSWORD, exact=True).fill(EDITOR_PASSWORD)
            page.get_by_role("button", name=texts.SIGNIN_BUTTON).click()

            # 总览, first run: load the demo year, then the cards.
            page.get_by_text(texts.BOARD_FIRST_RUN_TITLE).wait_for(timeout=2 * STEP_TIMEOUT_MS)  # cold start
            idle(page)
            shoot(page, "00-first-run")
            page.get_by_role("button", name=texts.BOARD_DEMO_BUTTON).click()
            page.get_by_text(texts.BOARD_CARDS_TITLE).wait_for()
            idle(page)
            before = card_value(page, INDICATOR)
            assert page.locator('[class*="st-key-keep-card"]').count() >= 4
            shoot(page, "01-overview")
            for title, name in ((texts.PAGE_STUDY, "02-study"), (texts.PAGE_INSPECTIONS, "03-inspections"),
                                (texts.PAGE_VOLUNTEER, "04-volunteer"), (texts.PAGE_TARGETS, "05-targets")):
                open_page(page, title)
                shoot(page, name)

            # 数据上传: December's study rows as stored, plus two more 集中学习 sessions.
            store = Store(db_url, branch=load_settings().branch)
            study = store.load("study", date_from="2025-12-01", date_to="2025-12-31")
            extra = study.iloc[:2].assign(type="集中学习", topic=["新增学习一", "新增学习二"])
            workbook = tmp_path / "2025-12-补充.xlsx"
            workbook.write_bytes(to_xlsx(pd.concat([study, extra], ignore_index=True), "study"))
            open_page(page, texts.PAGE_UPLOAD)
            page.locator("input[type=file]").first.set_input_files(str(workbook))
            page.get_by_role("button", name=texts.UPLOAD_CONFIRM).wait_for()
            idle(page)
            shoot(page, "06-upload-check")
            page.get_by_role("button", name=texts.UPLOAD_CONFIRM).click()
            page.get_by_text("已导入（批次 13）").wait_for()
            idle(page)
            shoot(page, "07-upload-done")

            open_page(page, texts.PAGE_OVERVIEW)
            wait_card(page, INDICATOR, before + 2)

            # 数据查询: 学习教育 of 2025, 类型 集中学习; download the .xlsx and read it back.
            open_page(page, texts.PAGE_QUERY)
            page.get_by_test_id("stMultiSelect").filter(has_text="类型").first.click()
            page.keyboard.type("集中学习")
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            page.get_by_text(texts.QUERY_ROWS.format(rows=before + 2)).wait_for()
            page.get_by_role("button", name=texts.QUERY_PREPARE).click()
            with page.expect_download(timeout=STEP_TIMEOUT_MS) as download:
                page.get_by_role("button", name=texts.QUERY_DOWNLOAD_XLSX).click()
            saved = tmp_path / download.value.suggested_filename
            download.value.save_as(saved)
            shoot(page, "08-query")
        except Exception:
            shoot(page, "failure")  # what the page showed when a step failed
            raise
        finally:
            browser.close()

    book = openpyxl.load_workbook(saved)
    rows = list(book[schema.STUDY.name].iter_rows(values_only=True))
    assert list(rows[0]) == [c.label for c in schema.STUDY.columns]
    assert len(rows) - 1 == before + 2
    assert {r[1] for r in rows[1:]} == {"集中学习"}
    assert {"新增学习一", "新增学习二"} <= {r[2] for r in rows[1:]}
    assert all(r[0].year == 2025 for r in rows[1:])
    assert saved.name.startswith(schema.STUDY.name) and saved.suffix == ".xlsx"
    log = audit.entries(Store(db_url, branch=load_settings().branch))
    assert set(log["user"]) == {EDITOR} and log["action"].tolist().count("import") == 13


# --- user text is shown as text (issue #13.8) ---------------------------------------------------------

HOSTILE_USER = "![x](http://127.0.0.1:1/a.png) [link](http://evil.example)"  # an admin's name
HOSTILE_OPERATOR = "<img src=x onerror=alert(1)> **粗体** :red[红]"  # who ran an import (cli --user)
HOSTILE_FILE = "[三月](javascript:alert(1)) <b onmouseover=alert(2)>台账.xlsx"


def test_user_text_is_rendered_as_text_in_chromium(sync_playwright, tmp_path):
    """Names and file names written as markdown and HTML show up literally in the real front end:
    no image is fetched, no link or element is made, no script runs."""
    from data.importer import import_files
    from tests.xlsx_factory import register_rows, xlsx_bytes

    users_file = tmp_path / "users.toml"
    users.save_users(users_file, {HOSTILE_USER: users.User(HOSTILE_USER, "admin",
                                                           users.hash_password(EDITOR_PASSWORD, rounds=4))})
    db_url = f"sqlite:///{tmp_path}/hostile.db"
    workbook = tmp_path / HOSTILE_FILE
    workbook.write_bytes(xlsx_bytes({"学习教育": register_rows("study", [
        {"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])}))
    import_files(Store(db_url, branch=load_settings().branch), [workbook], user=HOSTILE_OPERATOR)
    proc, port, log = start_server(tmp_path, "serve.py", {"DATABASE_URL": db_url, "DJ_USERS_FILE": str(users_file)})
    dialogs, stray = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
                page.set_default_timeout(STEP_TIMEOUT_MS)
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.on("request", lambda r: stray.append(r.url) if ":1/" in r.url or "evil" in r.url
                        or r.url.endswith("/x") else None)
                page.goto(f"http://127.0.0.1:{port}", timeout=STEP_TIMEOUT_MS)
                page.get_by_label(texts.SIGNIN_NAME).fill(HOSTILE_USER, timeout=2 * STEP_TIMEOUT_MS)
                page.get_by_label(texts.SIGNIN_PASSWORD, exact=True).fill(EDITOR_PASSWORD)
                page.get_by_role("button", name=texts.SIGNIN_BUTTON).click()
                page.get_by_text(texts.SIGNOUT_BUTTON).wait_for(timeout=2 * STEP_TIMEOUT_MS)
                idle(page)
                sidebar = page.get_by_test_id("stSidebar").inner_text().replace("\u2060", "")  # md()'s joiners
                assert texts.SIDEBAR_SIGNED_IN.format(name=HOSTILE_USER, role="管理") in sidebar
                assert HOSTILE_OPERATOR in sidebar
                open_page(page, texts.PAGE_UPLOAD)
                main = page.get_by_test_id("stMain").inner_text().replace("\u2060", "")
                assert HOSTILE_FILE in main
                shoot(page, "09-hostile-text")
                for selector in ("img[src='x']", "img[src*='127.0.0.1:1']", "a[href*='evil']", "a[href^='javascript']", "b:text('台账')",
                                 "strong:text('粗体')"):
                    found = page.locator(selector)
                    assert found.count() == 0, [found.nth(i).evaluate("e => e.parentElement.outerHTML")
                                                for i in range(found.count())]
            finally:
                browser.close()
    finally:
        stop_server(proc, log)
    assert dialogs == [] and stray == []
