"""The 年度总结 page (AppTest of the real app on a SQLite file): the sentences carry the metrics of the
demo year, and choosing a number shows exactly the rows that produce it."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pandas as pd
import pytest

from data import texts
from data.demo import SAMPLES_DIR
from data.importer import import_files
from data.store import Store
from metrics.catalogue import by_key, rows_for, values

PAGE = "pages/summary.py"
YEAR = 2025
CHOOSER = "summary.figure.w"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """The demo year imported once into a SQLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert not import_files(Store(f"sqlite:///{path}"), sorted(SAMPLES_DIR.glob("*.xlsx")), user="demo").rejected
    return path


@pytest.fixture
def demo(app_db, demo_file):
    with closing(sqlite3.connect(demo_file)) as src, closing(sqlite3.connect(app_db.removeprefix("sqlite:///"))) as dst:
        src.backup(dst)  # a consistent copy, WAL included
    return Store(app_db).frames(years=[YEAR - 1, YEAR])


def open_page(app):
    at = app()
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_empty_database_says_so(app):
    at = open_page(app)
    assert [i.value for i in at.info] == [texts.SUMMARY_EMPTY]


def test_sentences_show_the_years_numbers(app, demo):
    at = open_page(app)
    metric = values(demo, YEAR)
    shown = "\n".join(m.value for m in at.markdown)
    assert f"开展集中学习{metric['study.collective']}次，研讨交流{metric['study.discussion']}次" in shown
    assert (f"累计服务{metric['volunteer.person_times']}人次，"
            f"服务时长{metric['volunteer.hours']:.0f}小时") in shown
    labels = [b.proto.label for b in at.get("download_button")]
    assert texts.SUMMARY_DOWNLOAD in labels and texts.SUMMARY_ROWS_DOWNLOAD in labels


@pytest.mark.parametrize("key", ["study.collective", "inspect.enforcement_enterprises", "inspect.research",
                                 "volunteer.people", "study.attendance"])
def test_choosing_a_number_shows_exactly_its_rows(app, demo, key):
    at = open_page(app)
    at.selectbox(key=CHOOSER).set_value(key).run()
    assert not at.exception
    expected = rows_for(by_key(key), demo, YEAR)
    shown = at.dataframe[0].value
    assert sorted(shown.index) == sorted(expected.index)
    assert shown["date"].tolist() == pd.to_datetime(expected["date"]).tolist()
    assert any(f"{len(expected)} 行记录" in c.value for c in at.caption)


def test_placeholders_are_listed(app, demo):
    at = open_page(app)
    listed = at.dataframe[-1].value
    column = texts.REPORT_PLACEHOLDER_COLUMNS["name"]
    assert "{{集中学习次数}}" in set(listed[column])
    assert "{{study.collective}}" in set(listed[texts.REPORT_PLACEHOLDER_COLUMNS["key"]])


def test_pending_items_are_listed_with_what_fills_them(app, demo):
    """The demo keeps no 工作台账 indicators: the seed's items that need them are listed, never as 0."""
    at = open_page(app)
    shown = "\n".join(m.value for m in at.markdown)
    assert texts.REPORT_PENDING_MARK.format(name=texts.REPORT_PENDING["work.reports"][0]) in shown
    table = at.table[0].value
    assert texts.REPORT_PENDING["work.reports"][0] in set(table.index)
    assert texts.REPORT_PENDING["work.reports"][1] in set(table[texts.SUMMARY_PENDING_COLUMNS["need"]])


def test_the_branchs_own_indicators_fill_the_page_and_open_their_rows(app, app_db):
    """``load_demo`` stores the example indicators on 指标设置: the page's sentences have no 【待补充】,
    quote 统计专报 and its 签批 as counted with pandas, and choosing 统计专报篇数 shows exactly its rows."""
    from data.demo import load_demo

    store = Store(app_db)
    assert not load_demo(store).rejected
    work = store.frames(years=[YEAR])["work"]
    work = work.loc[pd.to_datetime(work["date"]).dt.year == YEAR]
    reports = work.loc[work["category"] == "统计专报"]
    signed = work.loc[work["category"] == "专报签批", "quantity"].fillna(1).sum()
    at = open_page(app)
    shown = "\n".join(m.value for m in at.markdown)
    assert "【待补充" not in shown
    assert f"报送统计专报{reports['quantity'].fillna(1).sum():.0f}篇，其中获领导签批{signed:.0f}篇" in shown
    at.selectbox(key=CHOOSER).set_value("work.reports").run()
    assert not at.exception
    assert sorted(at.dataframe[0].value.index) == sorted(reports.index)
