"""Derived tables for the dashboard charts (metrics.breakdowns); answers worked by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics import breakdowns as b
from metrics.catalogue import values
from metrics.compliance import compliance
from metrics.frames import contract_frame
from metrics.progress import progress_table, series
from metrics.states import Mark

STUDY = contract_frame("study", [
    {"date": "2023-01-05", "type": "集中学习", "topic": "t", "expected": 10, "present": 9},
    {"date": "2023-01-20", "type": "集中学习　", "topic": "t", "expected": 10, "present": 10},  # U+3000: same type
    {"date": "2023-02-10", "type": "讲党课", "topic": "t", "expected": 10, "present": 6},
    {"date": "2023-02-11", "type": "集中学习", "topic": "t"},
    {"date": "2023-04-01", "type": "主题党日", "topic": "t", "expected": 8, "present": 8},
    {"date": "2022-12-30", "type": "集中学习", "topic": "t"},           # the year before
])
INSPECTIONS = contract_frame("inspections", [
    {"date": "2023-01-03", "type": "调研", "object": "甲公司", "category": "企业", "issues": 2, "rectify": "已整改"},
    {"date": "2023-01-09", "type": "统计执法检查", "object": "乙公司", "category": "企业", "issues": 3,
     "rectify": "整改中"},
    {"date": "2023-02-01", "type": "统计执法检查", "object": " 甲公司", "category": "企业", "issues": 1,
     "rectify": "已整改"},
    {"date": "2023-02-02", "type": "数据质量核查", "object": "丙项目", "category": "入库项目", "issues": 0},
    {"date": "2023-03-30", "type": "统计执法检查", "object": "乙公司", "category": "企业"},
])
VOLUNTEER = contract_frame("volunteer", [
    {"date": "2023-01-07", "name": "甲", "activity": "a", "category": "环境整治", "hours": 2.5},
    {"date": "2023-01-07", "name": "乙", "activity": "a", "category": "环境整治", "hours": 2.5},
    {"date": "2023-02-14", "name": "甲", "activity": "b", "hours": 4.0},
    {"date": "2023-02-20", "name": "丙", "activity": "c", "category": "社区服务", "hours": 1.0},
    {"date": "2023-02-21", "name": "丙", "activity": "c", "category": "社区服务", "hours": 1.0},
])
FRAMES = {"study": STUDY, "inspections": INSPECTIONS, "volunteer": VOLUNTEER}


def as_records(df: pd.DataFrame, *columns: str) -> list[tuple]:
    return list(df[list(columns)].itertuples(index=False, name=None))


@pytest.mark.parametrize("year, as_of, expected", [
    (2023, None, list(range(1, 13))),
    (2023, dt.date(2023, 3, 1), [1, 2, 3]),
    (2023, "2023-01-31", [1]),
    (2023, dt.date(2024, 5, 1), list(range(1, 13))),   # after the year: the whole year
    (2023, dt.date(2022, 12, 31), []),                  # before the year: nothing yet
])
def test_months_shown(year, as_of, expected):
    assert b.months_shown(year, as_of) == expected


@pytest.mark.parametrize("register, as_of, expected", [
    ("study", None, 5),
    ("study", "2023-02-10", 3),
    ("inspections", "2023-01-31", 2),
    ("volunteer", None, 5),
    ("volunteer", "2022-12-31", 0),
])
def test_row_count(register, as_of, expected):
    assert b.row_count(FRAMES, 2023, as_of, register) == expected


def test_monthly_counts_by_enum_in_schema_order_with_zero_months():
    df = b.monthly(FRAMES, 2023, "2023-04-15", "study", "type")
    # 集中学习, 讲党课, 主题党日 follow the schema's 类型 order; months 1..4 for each.
    assert as_records(df, "group", "label", "value") == [
        ("集中学习", "1月", 2), ("集中学习", "2月", 1), ("集中学习", "3月", 0), ("集中学习", "4月", 0),
        ("讲党课", "1月", 0), ("讲党课", "2月", 1), ("讲党课", "3月", 0), ("讲党课", "4月", 0),
        ("主题党日", "1月", 0), ("主题党日", "2月", 0), ("主题党日", "3月", 0), ("主题党日", "4月", 1),
    ]
    assert str(df["value"].dtype) == "int64"


def test_monthly_only_groups_present_up_to_as_of():
    df = b.monthly(FRAMES, 2023, "2023-01-31", "study", "type")
    assert df["group"].unique().tolist() == ["集中学习"]


def test_monthly_without_by_is_one_series():
    df = b.monthly(FRAMES, 2023, "2023-03-31", "inspections")
    assert as_records(df, "month", "group", "value") == [(1, None, 2), (2, None, 2), (3, None, 1)]


def test_monthly_sum_blank_group_last_and_zero_sum_groups_dropped():
    hours = b.monthly(FRAMES, 2023, "2023-02-28", "volunteer", "category", "hours")
    assert as_records(hours, "group", "month", "value") == [
        ("环境整治", 1, 5.0), ("环境整治", 2, 0.0), ("社区服务", 1, 0.0), ("社区服务", 2, 2.0),
        ("未填写", 1, 0.0), ("未填写", 2, 4.0)]
    issues = b.monthly(FRAMES, 2023, None, "inspections", "rectify", "issues")
    # 丙项目 (blank 整改状态, 0 issues) and the last row (no issues) add nothing: no 未填写 group.
    assert sorted(issues.groupby("group")["value"].sum().items()) == [("已整改", 3.0), ("整改中", 3.0)]


def test_monthly_totals_agree_with_catalogue_values():
    full = values(FRAMES, 2023)
    assert b.monthly(FRAMES, 2023, None, "volunteer", "category", "hours")["value"].sum() == full["volunteer.hours"]
    assert b.monthly(FRAMES, 2023, None, "volunteer", "category")["value"].sum() == full["volunteer.person_times"]
    assert b.monthly(FRAMES, 2023, None, "inspections", "rectify", "issues")["value"].sum() == full["inspect.issues"]


def test_monthly_empty_register():
    assert b.monthly({}, 2023, None, "study", "type").empty
    assert b.monthly({}, 2023, "2023-02-01", "study")["value"].tolist() == [0, 0]


@pytest.mark.parametrize("key, as_of, expected", [
    # January: (9 + 10) / (10 + 10); February: 6 / 10; March: nothing to divide; April: 8 / 8.
    ("study.attendance", "2023-04-30", [0.95, 0.6, math.nan, 1.0]),
    ("study.collective", "2023-02-28", [2, 1]),
    # 甲公司 is first seen in January (调研 does not count): enforcement enterprises 乙 (Jan), 甲 (Feb).
    ("inspect.enforcement_enterprises", "2023-03-31", [1, 1, 0]),
    # 整改率 over rows with 已整改/整改中/未整改: January 1 of 2, February 1 of 1.
    ("inspect.rectified", "2023-02-28", [0.5, 1.0]),
])
def test_monthly_indicator(key, as_of, expected):
    got = b.monthly_indicator(FRAMES, 2023, as_of, key)
    assert got["month"].tolist() == list(range(1, len(expected) + 1))
    assert got["value"].tolist() == pytest.approx(expected, nan_ok=True)


def test_top_values_by_rows_then_name():
    top = b.top_values(FRAMES, 2023, None, "inspections", "object")
    # " 甲公司" is normalised to "甲公司"; ties ordered by name.
    assert as_records(top, "value", "rows") == [("乙公司", 2), ("甲公司", 2), ("丙项目", 1)]


def test_top_values_by_weight_and_limit():
    top = b.top_values(FRAMES, 2023, None, "volunteer", "name", "hours", 2)
    assert as_records(top, "value", "rows", "total") == [("甲", 2, 6.5), ("乙", 1, 2.5)]


def test_top_values_empty():
    assert b.top_values({}, 2023, None, "volunteer", "name", "hours").empty


def test_cumulative_keys_targeted_or_all():
    targets = contract_frame("targets", [{"year": 2023, "indicator": "志愿服务时长", "target": 100},
                                         {"year": 2023, "indicator": "平均出勤率", "target": 90}])
    table = progress_table({**FRAMES, "targets": targets}, 2023)
    assert b.cumulative_keys(table, "volunteer") == ["volunteer.hours"]
    # No target on a study count: every study count, never the rate.
    study = b.cumulative_keys(table, "study")
    assert "study.attendance" not in study and study[0] == "study.collective" and len(study) == 8


def test_cumulative_rows_keep_only_the_charted_indicators():
    targets = contract_frame("targets", [{"year": 2023, "indicator": "志愿服务时长", "target": 100}])
    frames = {**FRAMES, "targets": targets}
    rows = b.cumulative_rows(series(frames, 2023), progress_table(frames, 2023), "volunteer")
    assert set(rows["key"]) == {"volunteer.hours"}


def test_compliance_cells_spread_over_months():
    grid = compliance(FRAMES, 2023, "2023-04-30").grid
    cells = b.compliance_cells(grid)
    assert len(cells) == 12 * grid["rule"].nunique()     # no 党小组 named: one row per rule, 12 months each
    assembly = cells.loc[cells["rule"] == "assembly"]
    assert as_records(assembly.iloc[[0, 2, 3, 11]], "month", "label", "status") == [
        (1, "第一季度", Mark.MISSED), (3, "第一季度", Mark.MISSED), (4, "第二季度", Mark.NOT_DUE), (12, "第四季度", Mark.NOT_DUE)]
    theme = cells.loc[cells["rule"] == "theme_day"]
    assert theme["status"].tolist()[:5] == [Mark.MISSED, Mark.MISSED, Mark.MISSED, Mark.MET, Mark.NOT_DUE]
    assert theme["count"].tolist()[3] == 1


def test_compliance_cells_name_the_group():
    study = contract_frame("study", [{"date": "2023-01-10", "type": "党小组会", "topic": "t", "group": "第一党小组"}])
    cells = b.compliance_cells(compliance({"study": study}, 2023, "2023-01-31").grid)
    assert "党小组会每月1次（第一党小组）" in set(cells["row"])


def test_compliance_counts():
    grid = compliance(FRAMES, 2023, "2023-04-30").grid
    counts = b.compliance_counts(grid)
    assert list(counts) == [Mark.MET, Mark.MISSED, Mark.NOT_DUE, Mark.NOT_UPLOADED]
    # 43 cells: 支部党员大会 4 quarters, 支委会 / 党小组会 / 主题党日 12 months each, 3 yearly rules.
    # 达标: 主题党日 in April, 书记讲党课 (no roster: the February 讲党课 counts).
    # 缺失: Q1 大会; 支委会 and 党小组会 January to April; 主题党日 January to March.
    assert counts == {Mark.MET: 2, Mark.MISSED: 1 + 4 + 4 + 3, Mark.NOT_DUE: 43 - 2 - 12, Mark.NOT_UPLOADED: 0}
