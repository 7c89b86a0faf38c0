"""Metrics on what staff really upload: an xlsx built here, imported into a SQLite file, read back
from the store. Every expected number is worked out by hand from the rows below."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from data.importer import import_files
from metrics.coverage import coverage
from metrics.report import compliance_report, format_indicator_table, indicator_report
from metrics.states import Mark, Status

STUDY = [
    ["日期", "类型", "主题", "主讲人", "应到人数", "实到人数", "参加人员"],
    [date(2022, 12, 31), "集中学习", "年末学习", "李明", 10, 10, "张三、李四"],
    [date(2023, 1, 1), "集中学习", "新年学习", "李明", 10, 8, "张三、李四"],
    ["2023.2.10", "支部党员大会", "党员大会", "李明", 10, 4, "张三"],
    ["2023年3月1日", "讲党课\u3000", "党课", "李明", None, None, None],
    [date(2023, 4, 5), "集中学习", "四月学习", "王五", 10, 9, "张三、王五"],
]
INSPECTIONS = [
    ["日期", "类型", "对象名称", "对象类别", "发现问题数", "整改状态"],
    [date(2023, 3, 1), "统计执法检查", "甲公司", "企业", 2, "已整改"],
    [date(2023, 4, 1), "统计执法检查", "甲公司\u3000", "企业", 1, "整改中"],
    [date(2023, 4, 20), "调研", "A县统计局", "县区统计局", None, None],
    [date(2023, 4, 20), "调研", "B园区", "工业园区", None, None],
    [date(2023, 4, 20), "调研", "丙公司", "企业", None, None],
]
VOLUNTEER = [
    ["日期", "姓名", "活动名称", "时长"],
    [date(2023, 3, 5), "张三", "植树", 2.5],
    [date(2023, 3, 5), "李四", "植树", 2.5],
    [date(2023, 5, 20), "张三", "社区服务", 3],
]
TARGETS = [
    ["年度", "指标", "目标值"],
    [2023, "集中学习次数", 8],
    [2023, "inspect.research", 0],
]
ROSTER = [
    ["姓名", "党小组", "职务"],
    ["李明", "第一党小组", "党支部书记"], ["张三", "第一党小组", None], ["李四", "第二党小组", None],
    ["王五", "第二党小组", None],
]


@pytest.fixture
def frames(store, tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("学习教育", STUDY), ("检查核查", INSPECTIONS), ("志愿服务", VOLUNTEER),
                       ("计划目标", TARGETS), ("党员名册", ROSTER)):
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    path = tmp_path / "台账.xlsx"
    wb.save(path)
    outcome = import_files(store, [path], user="tester", today=date(2023, 12, 31))
    assert not outcome.rejected, [i.message for i in outcome.errors]
    return store.frames(years=[2022, 2023])


def test_indicators_from_the_store(frames):
    table, records = indicator_report(frames, 2023, date(2023, 5, 15))
    got = {r["key"]: r for r in json.loads(json.dumps(records, ensure_ascii=False))}
    # 集中学习 in 2023 up to 15 May: 1 Jan and 5 Apr (31 Dec 2022 is last year's) = 2 of 8.
    # 25.0% against 序时进度 135/365 = 37.0%.
    assert (got["study.collective"]["value"], got["study.collective"]["status"],
            got["study.collective"]["summary"]) == (2, Status.BEHIND, "完成25.0%，低于序时进度12.0个百分点")
    assert got["study.collective"]["previous"] == 0          # nothing by 15 May 2022
    assert got["study.lecture"]["value"] == 1                 # "讲党课　" with a full-width space
    assert got["study.attendance"]["value"] == pytest.approx((8 + 4 + 9) / 30)
    assert got["inspect.enforcement_enterprises"]["value"] == 1   # 甲公司 visited twice
    assert got["inspect.research"]["value"] == 1                  # one day, three objects
    assert (got["inspect.research"]["status"], got["inspect.research"]["target"]) == (Status.DONE, 0)
    assert got["inspect.issues"]["value"] == 3
    assert got["inspect.rectified"]["value"] == pytest.approx(1 / 2)
    assert got["volunteer.hours"]["value"] == pytest.approx(5.0)     # 20 May is after the as-of date
    assert got["volunteer.people"]["value"] == 2
    assert got["study.discussion"]["target"] is None
    assert "集中学习次数" in format_indicator_table(table)


def test_compliance_and_coverage_from_the_store(frames):
    result = compliance_report(frames, 2023, date(2023, 5, 15))
    assert "1月未召开支委会" in result.missing and "第一季度未召开支部党员大会" not in result.missing
    assert "2023年2月10日支部党员大会实到4人，应到10人，未超过半数" in result.notes
    secretary = result.grid[result.grid["rule"] == "secretary_lecture"].iloc[0]
    assert secretary["status"] == Mark.MET                     # 李明 is 党支部书记
    cov = coverage(frames, 2023, date(2023, 5, 15))
    # The store returns the roster sorted its own way: compare by name.
    assert dict(zip(cov.volunteer["name"], cov.volunteer["hours"])) == {
        "李明": 0.0, "张三": 2.5, "李四": 2.5, "王五": 0.0}
    assert sorted(cov.without_volunteer) == sorted(["李明", "王五"])
    # Sessions in 2023 listing 参加人员: 1 Jan, 10 Feb, 5 Apr.
    assert dict(zip(cov.attendance["name"], cov.attendance["attended"])) == {
        "李明": 0, "张三": 3, "李四": 1, "王五": 1}
    assert set(cov.attendance["sessions"]) == {3}
