"""The board pages (总览, 学习教育, 检查核查, 志愿服务) through Streamlit's AppTest, from app.py.

Every page on an empty database and on the demo year; the figures shown equal the metrics (and
``python cli.py indicators --json``) for the year and as-of date the page states under its title;
the first-run panel loads the demo year.

Note: ``AppTest.switch_page`` to a file under ``pages/`` currently runs that file without app.py
(Streamlit treats a ``pages/`` folder beside the main script as a v1 multipage app); see
``test_switched_page_runs_through_the_router``. The other tests do not rely on the sidebar after a
switch: a page without the sidebar uses the default year and as-of date, which they check.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from data import texts
from data.demo import DEMO_YEAR, load_demo
from data.store import Store
from metrics import glance
from metrics.catalogue import by_key
from metrics.compliance import compliance
from metrics.progress import progress_table
from ui.charts import number
from tests.helpers import ROOT, figures, goto

BOARD_PAGES = ("pages/overview.py", "pages/study.py", "pages/inspections.py", "pages/volunteer.py")
JUNE_30 = dt.date(DEMO_YEAR, 6, 30)
REGISTER_OF_PAGE = {"pages/study.py": "study", "pages/inspections.py": "inspections",
                    "pages/volunteer.py": "volunteer"}


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """The demo year imported once per session; each test gets its own copy (``demo_app``)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DJ_BRANCH", raising=False)
        store = Store(f"sqlite:///{path}")
        assert not load_demo(store).rejected
        store.engine.dispose()
    return path


@pytest.fixture
def demo_app(app, app_db, demo_file):
    """``app`` on a database holding the demo year (a consistent copy, WAL included)."""
    with sqlite3.connect(demo_file) as src, sqlite3.connect(app_db.removeprefix("sqlite:///")) as dst:
        src.backup(dst)
    return app


def started(app):
    """The app after its first run; the sidebar has chosen the year and as-of date."""
    at = app()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def selected(at) -> tuple[int, dt.date]:
    """The year and as-of date in the sidebar (the main page, run through app.py)."""
    return at.selectbox(key="year").value, at.date_input(key="as_of").value


def stated(at) -> tuple[int, dt.date]:
    """The year and as-of date a board page states under its title; checks they are the demo
    year's defaults (today, or 31 Dec once the year is over)."""
    as_of = min(dt.date.today(), dt.date(DEMO_YEAR, 12, 31))
    subtitle = texts.BOARD_SUBTITLE.format(year=DEMO_YEAR, as_of=texts.long_date(as_of))
    assert subtitle in [c.value for c in at.caption]
    return DEMO_YEAR, as_of


def shown_metrics(at) -> dict[str, str]:
    return dict(figures(at))


def full_catalogue(store: Store) -> tuple:
    """The built-in catalogue and the branch's own indicators (the demo stores the example ones)."""
    from data.indicators import settings_definitions, stored_definitions
    from metrics.catalogue import catalogue_with

    return catalogue_with(settings_definitions(), stored_definitions(store))


def expected_table(app_db: str, year: int, as_of) -> list[dict]:
    store = Store(app_db)
    frames = store.frames([year - 1, year])
    return progress_table(frames, year, as_of, full_catalogue(store)).to_dict("records")


def charts_of(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


@pytest.mark.parametrize("page", BOARD_PAGES)
def test_page_on_empty_database(app, page):
    at = goto(started(app), page)
    assert not at.get("plotly_chart")
    if page == "pages/overview.py":
        assert [b.label for b in at.button] == [texts.BOARD_DEMO_BUTTON]
        assert [d.label for d in at.get("download_button")][0] == texts.BOARD_TEMPLATE_BUTTON
    else:
        assert at.info, "an empty register says so"


def test_overview_cards_equal_the_metrics(demo_app, app_db):
    at = started(demo_app)  # the default page is 总览
    year, as_of = stated(at)   # the demo year is selected
    table = expected_table(app_db, year, as_of)
    targeted = [r for r in table if r["target"] is not None]
    assert targeted, "the demo year has targets"
    assert shown_metrics(at) == {r["name"]: number(r["value"], r["unit"]) for r in targeted}
    page_text = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    for row in targeted:
        assert row["summary"] in page_text and row["status"].label in page_text
    bars = next(c for c in charts_of(at) if c["layout"]["title"]["text"] == texts.CHART_COMPLETION_TITLE)
    # The chart lists the cards' indicators worst first (metrics.glance.worst_first).
    worst = glance.worst_first(glance.with_tolerance(pd.DataFrame(table, dtype=object)))
    shown = worst.loc[worst["completion"].notna()]
    assert bars["data"][0]["y"] == shown["name"].tolist()
    assert bars["data"][0]["x"] == pytest.approx([c * 100 for c in shown["completion"]])
    assert [name for name, _ in figures(at)] == worst["name"].tolist()


def test_overview_compliance_and_imports(demo_app, app_db):
    at = started(demo_app)
    year, as_of = selected(at)
    result = compliance(Store(app_db).frames([year - 1, year]), year, as_of)
    missing = at.dataframe[0].value
    assert missing[texts.BOARD_MISSING_COLUMNS["message"]].tolist() == result.missing
    imports = at.dataframe[1].value
    assert imports[texts.BOARD_IMPORT_COLUMNS["file_name"]].tolist() == ["2025-12.xlsx", "2025-11.xlsx",
                                                                        "2025-10.xlsx", "2025-09.xlsx",
                                                                        "2025-08.xlsx"]


def test_overview_equals_cli_indicators_json(demo_app, app_db):
    at = started(demo_app)
    year, as_of = selected(at)
    run = subprocess.run([sys.executable, "cli.py", "indicators", "--year", str(year), "--as-of", str(as_of),
                          "--json"], cwd=ROOT, env={**os.environ, "DATABASE_URL": app_db},
                         capture_output=True, text=True, timeout=60, check=True)
    records = json.loads(run.stdout)
    cards = {r["name"]: number(r["value"], r["unit"]) for r in records if r["target"] is not None}
    assert shown_metrics(at) == cards


@pytest.mark.parametrize("page", BOARD_PAGES[1:])
def test_register_page_on_demo_year(demo_app, app_db, page):
    at = goto(started(demo_app), page)
    year, as_of = stated(at)
    register = REGISTER_OF_PAGE[page]
    catalogue = full_catalogue(Store(app_db))
    rows = [r for r in expected_table(app_db, year, as_of) if by_key(r["key"], catalogue).register == register]
    assert shown_metrics(at) == {r["name"]: number(r["value"], r["unit"]) for r in rows}
    figures = charts_of(at)
    assert len(figures) >= 4
    assert all(f["layout"]["title"]["text"] for f in figures), "every chart has a title"


def test_study_heatmap_shows_the_compliance_grid(demo_app, app_db):
    at = goto(started(demo_app), "pages/study.py")
    year, as_of = stated(at)
    result = compliance(Store(app_db).frames([year - 1, year]), year, as_of)
    heatmap = next(f for f in charts_of(at) if f["data"][0]["type"] == "heatmap")["data"][0]
    assert len(heatmap["y"]) == len(result.grid.drop_duplicates(["rule", "group"]))
    assert heatmap["x"] == [texts.METRIC_MONTH.format(month=m) for m in range(1, 13)]
    # One red (缺失) cell per missing month-rule: the demo year misses two monthly meetings.
    codes = [z for row in heatmap["z"] for z in row]
    assert codes.count(1) == len(result.missing)


def test_volunteer_page_lists_members_without_service(demo_app, app_db):
    at = goto(started(demo_app), "pages/volunteer.py")
    year, as_of = stated(at)
    from metrics.coverage import coverage

    expected = coverage(Store(app_db).frames([year - 1, year]), year, as_of)
    tables = [d.value for d in at.dataframe]
    name = texts.COVERAGE_COLUMNS["name"]
    assert tables[0][name].tolist() == expected.without_volunteer
    assert tables[1][texts.COVERAGE_COLUMNS["hours"]].tolist() == expected.volunteer["hours"].tolist()


def test_first_run_loads_the_demo_year(app, app_db):
    at = started(app)
    assert not figures(at)
    at.button[0].click().run()
    assert not at.exception
    counts = Store(app_db).counts()
    assert all(counts[k] for k in ("study", "inspections", "volunteer", "targets", "roster"))
    assert at.success[0].value == texts.CLI_DEMO_DONE.format(files=12, rows=sum(counts.values()))
    year, as_of = stated(at)   # the demo year is selected
    table = expected_table(app_db, year, as_of)
    assert shown_metrics(at) == {r["name"]: number(r["value"], r["unit"]) for r in table if r["target"] is not None}


def test_as_of_changes_the_figures(demo_app, app_db):
    at = started(demo_app)
    at.date_input(key="as_of").set_value(JUNE_30).run()
    assert not at.exception
    table = expected_table(app_db, DEMO_YEAR, JUNE_30)
    assert shown_metrics(at) == {r["name"]: number(r["value"], r["unit"]) for r in table if r["target"] is not None}
    # 序时进度 of 30 June 2025: 181 of 365 days.
    assert any("49.6%" in c.value for c in at.caption)


def test_switched_page_runs_through_the_router(demo_app):
    at = started(demo_app)
    at.date_input(key="as_of").set_value(JUNE_30).run()
    goto(at, "pages/volunteer.py")
    assert selected(at) == (DEMO_YEAR, JUNE_30)   # the sidebar is there and kept the choice


@pytest.mark.parametrize("page", [None, "pages/study.py", "pages/summary.py"])
def test_a_malformed_local_rule_is_shown_not_raised(demo_app, tmp_path, monkeypatch, page):
    """The three pages that use the local rules show the settings' error (a SettingsError) as an
    error message; other exceptions are no longer caught there."""
    settings = tmp_path / "settings.toml"
    settings.write_text('[[local_rules]]\ntype = "讲党课"\nevery = "fortnight"\n', encoding="utf-8")
    monkeypatch.setenv("DJ_SETTINGS", str(settings))
    at = started(demo_app)
    if page:
        at = goto(at, page)
    errors = [e.value for e in at.error]
    assert any("第1条" in e and "fortnight" in e for e in errors), errors
