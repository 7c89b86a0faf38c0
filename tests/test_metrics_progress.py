"""Progress against the plan, 序时进度, series and 同比, and the indicator report; answers worked by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest

from data import texts
from metrics.catalogue import CATALOGUE
from metrics.frames import contract_frame
from metrics.progress import default_as_of, progress_table, series, targets_for, time_progress
from metrics.report import format_indicator_table, indicator_report
from metrics.states import Status

AS_OF = "2023-05-15"          # day 135 of 365, in the middle of Q2: 序时进度 135/365 = 36.99% -> "37.0"
TP = 135 / 365


def study(*rows):
    keys = ("date", "type", "expected", "present")
    return contract_frame("study", [dict(zip(keys, r), topic="t") for r in rows])


STUDY = study(
    ("2022-01-20", "集中学习", 10, 10), ("2022-04-01", "集中学习"), ("2022-06-01", "集中学习"),
    ("2023-01-05", "集中学习", 10, 9), ("2023-02-10", "集中学习", 10, 7), ("2023-03-15", "集中学习"),
    ("2023-03-01", "讲党课"), ("2023-05-10", "集中学习"), ("2023-05-20", "集中学习"), ("2023-08-01", "集中学习"),
)
TARGETS = contract_frame("targets", [
    {"year": 2023, "indicator": "集中学习次数", "target": 8},
    {"year": 2023, "indicator": "study.lecture", "target": 4},
    {"year": 2023, "indicator": "平均出勤率", "target": 90},      # a percentage for a rate: 0.9
    {"year": 2023, "indicator": "调研批次", "target": 0},          # a target of zero
    {"year": 2023, "indicator": "不存在的指标", "target": 5},      # unknown: skipped
    {"year": 2022, "indicator": "集中学习次数", "target": 100},
])


@pytest.fixture
def frames():
    return {"study": STUDY, "targets": TARGETS}


@pytest.mark.parametrize("year, today, expected", [
    (2023, dt.date(2023, 5, 15), dt.date(2023, 5, 15)),
    (2022, dt.date(2023, 5, 15), dt.date(2022, 12, 31)),
    (2024, dt.date(2023, 5, 15), dt.date(2023, 5, 15)),   # a future year: nothing counted yet
])
def test_default_as_of(year, today, expected):
    assert default_as_of(year, today) == expected


@pytest.mark.parametrize("year, as_of, expected", [
    (2023, "2023-05-15", 135 / 365),
    (2023, dt.date(2023, 1, 1), 1 / 365),
    (2023, "2023-12-31", 1.0),
    (2023, None, 1.0),
    (2022, "2023-05-15", 1.0),         # a past year
    (2023, "2022-12-31", 0.0),         # before the year
    (2024, "2024-03-01", 61 / 366),    # leap year: 31 + 29 + 1
])
def test_time_progress(year, as_of, expected):
    assert time_progress(year, as_of) == pytest.approx(expected)


def test_targets_by_name_or_key_percent_rates_and_year(frames):
    assert targets_for(frames, 2023) == {"study.collective": 8, "study.lecture": 4, "study.attendance": 0.9,
                                         "inspect.research": 0}
    assert targets_for(frames, 2022) == {"study.collective": 100}
    assert targets_for({}, 2023) == {}


def row(table, key):
    return table.set_index("key").loc[key].to_dict()


def test_progress_table_mid_quarter(frames):
    table = progress_table(frames, 2023, AS_OF)
    # 集中学习 up to 15 May: 5 Jan, 10 Feb, 15 Mar, 10 May = 4; 50.0% vs 37.0% -> 正常, +13.0.
    # Same period 2022 (to 15 May 2022): 20 Jan, 1 Apr = 2 -> 同比 +100%.
    assert row(table, "study.collective") == {
        "name": "集中学习次数", "unit": "次", "value": 4, "target": 8, "completion": 0.5,
        "time_progress": pytest.approx(TP), "status": Status.ON_TRACK, "gap_pp": 13.0,
        "summary": "完成50.0%，高于序时进度13.0个百分点", "previous": 2, "yoy": 1.0}
    # 讲党课: 1 of 4 = 25.0% < 37.0% -> 滞后 by 12.0 points; none last year -> no growth rate.
    assert row(table, "study.lecture") == {
        "name": "讲党课次数", "unit": "次", "value": 1, "target": 4, "completion": 0.25,
        "time_progress": pytest.approx(TP), "status": Status.BEHIND, "gap_pp": -12.0,
        "summary": "完成25.0%，低于序时进度12.0个百分点", "previous": 0, "yoy": None}
    # 出勤率: (9 + 7) / (10 + 10) = 0.8 against 0.9: a rate is compared with its target.
    got = row(table, "study.attendance")
    assert got["value"] == pytest.approx(0.8) and got["completion"] == pytest.approx(0.8 / 0.9)
    assert (got["status"], got["gap_pp"], got["summary"]) == (Status.BEHIND, -10.0, "为80.0%，低于目标（90.0%）10.0个百分点")
    assert (got["previous"], got["yoy"]) == (1.0, None)
    # A target of zero is met; completion is undefined. No inspections at all: no 同比.
    assert row(table, "inspect.research") == {
        "name": "调研批次", "unit": "批次", "value": 0, "target": 0, "completion": None,
        "time_progress": pytest.approx(TP), "status": Status.DONE, "gap_pp": None, "summary": "目标为0，已完成",
        "previous": None, "yoy": None}
    # A missing target.
    got = row(table, "study.discussion")
    assert [got[k] for k in ("value", "target", "completion", "status", "summary")] == [0, None, None, None, None]


def test_the_issue_wording_example():
    # 5 of 8 by 30 Sep (day 273 of 365 = 74.79% -> "74.8"): 62.5 - 74.8 = -12.3 points.
    frames = {"study": study(*[(f"2023-0{m}-01", "集中学习") for m in range(1, 6)]),
              "targets": contract_frame("targets", [{"year": 2023, "indicator": "集中学习次数", "target": 8}])}
    got = row(progress_table(frames, 2023, "2023-09-30"), "study.collective")
    assert (got["status"], got["summary"]) == (Status.BEHIND, "完成62.5%，低于序时进度12.3个百分点")


@pytest.mark.parametrize("as_of, status, summary", [
    ("2023-12-31", Status.BEHIND, "完成75.0%，低于序时进度25.0个百分点"),    # 6 of 8 at year end
    ("2023-03-31", Status.ON_TRACK, "完成37.5%，高于序时进度12.8个百分点"),    # 3 of 8 vs 90/365 = 24.7%
    (None, Status.BEHIND, "完成75.0%，低于序时进度25.0个百分点"),
])
def test_status_moves_with_the_as_of_date(frames, as_of, status, summary):
    got = row(progress_table(frames, 2023, as_of), "study.collective")
    assert (got["status"], got["summary"]) == (status, summary)


def test_done_when_value_reaches_target(frames):
    frames = {**frames, "targets": contract_frame("targets", [{"year": 2023, "indicator": "集中学习次数", "target": 4}])}
    got = row(progress_table(frames, 2023, AS_OF), "study.collective")
    assert (got["status"], got["completion"], got["summary"]) == (Status.DONE, 1.0, "完成100.0%，已完成目标")


def test_past_year_has_full_time_progress(frames):
    got = row(progress_table(frames, 2022, AS_OF), "study.collective")
    assert (got["value"], got["time_progress"], got["status"]) == (3, 1.0, Status.BEHIND)
    assert got["summary"] == "完成3.0%，低于序时进度97.0个百分点"


def test_empty_registers_with_targets():
    table = progress_table({"targets": TARGETS}, 2023, AS_OF)
    got = row(table, "study.collective")
    assert (got["value"], got["status"], got["summary"]) == (0, Status.BEHIND, "完成0.0%，低于序时进度37.0个百分点")
    got = row(table, "study.attendance")
    assert (got["value"], got["completion"], got["status"], got["summary"]) == (None, None, Status.NO_DATA, "暂无数据")
    assert progress_table({}, 2023)["value"].tolist() == [None if k in ("study.attendance", "inspect.rectified")
                                                          else 0 for k in table["key"]]


def test_same_day_last_year_for_29_february():
    frames = {"study": study(("2023-02-28", "集中学习"), ("2023-03-01", "集中学习"), ("2024-02-29", "集中学习"))}
    got = row(progress_table(frames, 2024, "2024-02-29"), "study.collective")
    assert (got["value"], got["previous"], got["yoy"]) == (1, 1, 0.0)


def month_end_share(month: int) -> float:
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return sum(days[:month]) / 365


def test_monthly_series(frames):
    s = series(frames, 2023, AS_OF)
    assert len(s) == 12 * len(CATALOGUE)
    c = s[s["key"] == "study.collective"]
    assert c["label"].tolist()[:3] == ["1月", "2月", "3月"]
    nan = float("nan")
    expected = [1, 2, 3, 3, 4] + [nan] * 7          # 20 May counts from the as-of date on: not yet
    assert c["value"].tolist() == pytest.approx(expected, nan_ok=True)
    assert c["plan"].tolist() == pytest.approx([8 * month_end_share(m) for m in range(1, 13)])
    assert c["previous"].tolist() == [1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3]
    a = s[s["key"] == "study.attendance"]
    assert a["value"].tolist()[:5] == pytest.approx([0.9, 0.8, 0.8, 0.8, 0.8])
    assert a["plan"].tolist() == [0.9] * 12
    assert a["previous"].tolist() == [1.0] * 12
    r = s[s["key"] == "inspect.research"]
    assert r["plan"].tolist() == [0.0] * 12 and r["previous"].isna().all()
    d = s[s["key"] == "study.discussion"]
    assert d["plan"].isna().all()


def test_quarterly_series(frames):
    c = series(frames, 2023, AS_OF, freq="quarter").query("key == 'study.collective'")
    assert c["label"].tolist() == ["第一季度", "第二季度", "第三季度", "第四季度"]
    assert c["value"].tolist() == pytest.approx([3, 4, float("nan"), float("nan")], nan_ok=True)
    assert c["plan"].tolist() == pytest.approx([8 * 90 / 365, 8 * 181 / 365, 8 * 273 / 365, 8])
    assert c["previous"].tolist() == [1, 3, 3, 3]


def test_series_before_the_year_and_empty():
    s = series({}, 2023, "2022-06-01", freq="quarter")
    assert s["value"].isna().all() and s["previous"].isna().all() and s["plan"].isna().all()


def test_indicator_report_json(frames):
    df, records = indicator_report(frames, 2023, AS_OF)
    assert len(records) == len(df) == len(CATALOGUE)
    parsed = json.loads(json.dumps(records, ensure_ascii=False))
    for rec in parsed:
        assert {"key", "name", "value", "unit", "target", "completion", "time_progress", "status"} <= rec.keys()
    by = {r["key"]: r for r in parsed}
    assert by["study.collective"]["value"] == 4 and by["study.collective"]["target"] == 8
    assert by["study.attendance"]["value"] == pytest.approx(0.8) and by["study.attendance"]["target"] == 0.9
    assert by["study.discussion"]["target"] is None and by["study.discussion"]["status"] is None
    assert by["study.discussion"]["status_label"] is None
    # The stable value and its label side by side: 集中学习 is on track, 讲党课 behind (see above).
    assert (by["study.collective"]["status"], by["study.collective"]["status_label"]) == ("on_track", "正常")
    assert (by["study.lecture"]["status"], by["study.lecture"]["status_label"]) == ("behind", "滞后")
    assert all(r["status_label"] == texts.STATUS_LABELS[r["status"]] for r in parsed if r["status"])
    assert by["inspect.rectified"]["value"] is None
    assert "学习教育" in by["study.collective"]["description"]
    assert not any(isinstance(v, float) and math.isnan(v) for r in parsed for v in r.values())


def test_format_indicator_table(frames):
    df, _ = indicator_report(frames, 2023, AS_OF)
    text = format_indicator_table(df, 2023, AS_OF)
    lines = text.splitlines()
    assert lines[0] == "2023年指标完成情况（截至2023年5月15日）"
    assert lines[1].split() == ["指标", "数值", "目标", "完成率", "序时进度", "状态", "说明", "去年同期"]
    line = next(ln for ln in lines if ln.startswith("集中学习次数"))
    assert line.split() == ["集中学习次数", "4次", "8次", "50.0%", "37.0%", "正常",
                            "完成50.0%，高于序时进度13.0个百分点", "2次"]
    line = next(ln for ln in lines if ln.startswith("平均出勤率"))
    assert line.split()[1:3] == ["80.0%", "90.0%"]
    line = next(ln for ln in lines if ln.startswith("问题整改率"))
    assert line.split()[1:3] == ["—", "—"]
    assert len(lines) == 2 + 1 + len(CATALOGUE)


def test_renaming_a_label_changes_no_logic(frames, monkeypatch):
    """Logic and JSON values key on the stable Status; only the label follows data.texts."""
    before = progress_table(frames, 2023, AS_OF)
    renamed = {value: f"<{value}>" for value in texts.STATUS_LABELS}
    monkeypatch.setattr(texts, "STATUS_LABELS", renamed)
    after = progress_table(frames, 2023, AS_OF)
    assert after["status"].tolist() == before["status"].tolist()
    _, records = indicator_report(frames, 2023, AS_OF)
    lecture = next(r for r in records if r["key"] == "study.lecture")
    assert (lecture["status"], lecture["status_label"]) == ("behind", "<behind>")
    assert Status.BEHIND.label == "<behind>" and Status("behind") is Status.BEHIND
