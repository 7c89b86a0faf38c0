"""The metrics on the narrow frames the board reads (``Store.frames(columns=metric_columns(...))``,
``ui.cache.frames``) give exactly what they give on every column: every metric a board page
computes, on the demo year in a real SQLite store, with the branch's own indicators counting and
filtering on columns no built-in metric reads."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from data.demo import DEMO_YEAR, load_demo
from data.indicators import stored_definitions
from data.store import Store
from metrics import breakdowns, glance
from metrics.catalogue import catalogue_with
from metrics.compliance import compliance
from metrics.coverage import coverage
from metrics.frames import METRIC_COLUMNS, metric_columns
from metrics.progress import progress_table, series
from metrics.study_hours import study_hours
from metrics.summary import summarize

OWN = [  # the branch's own indicators, on columns METRIC_COLUMNS leaves out
    {"key": "own.places", "name": "学习地点数", "register": "学习教育", "agg": "去重", "columns": ["地点"], "unit": "处"},
    {"key": "own.noted", "name": "有备注的服务", "register": "志愿服务", "agg": "计数", "unit": "次",
     "filter": {"记录方式": ["补录"]}},
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('narrow')}/t.db", branch="测试支部")
    assert not load_demo(store).rejected  # also stores the demo's own indicators (指标设置)
    catalogue = catalogue_with((), [*stored_definitions(store), *OWN])
    years = [DEMO_YEAR - 1, DEMO_YEAR]
    return store.frames(years, columns=metric_columns(catalogue)), store.frames(years), catalogue


def _same(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            _same(getattr(a, f.name), getattr(b, f.name))
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b or (a != a and b != b)


def _page_metrics(catalogue):
    """(name, fn(frames, year, as_of)) for what 总览, 学习教育, 检查核查, 志愿服务 and 年度总结 compute."""
    return [
        ("progress", lambda f, y, a: progress_table(f, y, a, catalogue)),
        ("series", lambda f, y, a: series(f, y, a, catalogue=catalogue)),
        ("compliance", lambda f, y, a: glance.with_uploads(compliance(f, y, a), f)),
        ("uploads", glance.uploads),
        ("freshness", glance.freshness),
        ("coverage", coverage),
        ("study_hours", study_hours),
        ("study by type", lambda f, y, a: breakdowns.monthly(f, y, a, "study", "type")),
        ("visits by type", lambda f, y, a: breakdowns.monthly(f, y, a, "inspections", "type")),
        ("issues by state", lambda f, y, a: breakdowns.monthly(f, y, a, "inspections", "rectify", "issues")),
        ("hours by category", lambda f, y, a: breakdowns.monthly(f, y, a, "volunteer", "category", "hours")),
        ("attendance", lambda f, y, a: breakdowns.monthly_indicator(f, y, a, "study.attendance")),
        ("rectified", lambda f, y, a: breakdowns.monthly_indicator(f, y, a, "inspect.rectified")),
        ("top volunteers", lambda f, y, a: breakdowns.top_values(f, y, a, "volunteer", "name", "hours", 10)),
        ("top objects", lambda f, y, a: breakdowns.top_values(f, y, a, "inspections", "object", None, 10)),
        ("rows", lambda f, y, a: [breakdowns.row_count(f, y, a, r) for r in METRIC_COLUMNS]),
        ("summary figures", lambda f, y, a: {k: v.value for k, v in summarize(
            f, y, a, branch="测试支部", catalogue=catalogue).figures.items()}),
    ]


@pytest.mark.parametrize("as_of", [dt.date(DEMO_YEAR, 6, 30), None])
def test_every_board_metric_is_the_same_on_the_narrow_frames(stored, as_of):
    narrow, whole, catalogue = stored
    assert set(narrow["study"].columns) < set(whole["study"].columns)  # narrowed indeed
    values = progress_table(whole, DEMO_YEAR, as_of, catalogue).set_index("key")["value"]
    assert values["own.places"] > 0 and values["own.noted"] > 0  # the own indicators count something
    for name, fn in _page_metrics(catalogue):
        try:
            _same(fn(narrow, DEMO_YEAR, as_of), fn(whole, DEMO_YEAR, as_of))
        except AssertionError as err:
            raise AssertionError(f"{name} differs on the narrow frames") from err


def test_narrow_frames_hold_the_own_indicators_columns(stored):
    narrow, _whole, catalogue = stored
    wanted = metric_columns(catalogue)
    for register, columns in wanted.items():
        assert tuple(narrow[register].columns) == columns
    assert "place" in wanted["study"] and "method" in wanted["volunteer"]  # named by OWN
    assert "topic" in wanted["study"]  # a demo indicator (指标设置) filters on 主题
    assert "note" not in narrow["volunteer"] and "id" not in narrow["volunteer"] and "_row" not in narrow["study"]
    assert metric_columns()["study"] == METRIC_COLUMNS["study"]
