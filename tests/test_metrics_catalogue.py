"""The indicator catalogue against a hand-built fixture whose answers are worked out below."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.importer import indicator_key, known_indicator_names
from data.schema import INSPECTION_TYPES, OBJECT_CATEGORIES
from metrics.catalogue import (CATALOGUE, COUNT, DISTINCT, Indicator, by_key, check_catalogue, describe,
                               indicator_names, resolve, rows_for, unknown_indicator_message, value, values)
from metrics.frames import contract_frame

STUDY = [
    {"date": "2022-12-31", "type": "集中学习", "topic": "去年最后一天"},
    {"date": "2023-01-01", "type": "集中学习", "topic": "新年第一天"},
    {"date": "2023-01-10", "type": "集中学习\u3000", "topic": "全角空格"},
    {"date": "2023-02-03", "type": "研讨交流", "topic": "研讨", "expected": 20},  # no 实到: not in attendance
    {"date": "2023-03-01", "type": "讲党课", "topic": "党课"},
    {"date": "2023-03-20", "type": "支部党员大会", "topic": "大会", "expected": 20, "present": 18},
    {"date": "2023-04-05", "type": "支委会", "topic": "支委", "expected": 5, "present": 5},
    {"date": "2023-04-12", "type": "党小组会", "topic": "小组"},
    {"date": "2023-05-06", "type": "主题党日", "topic": "党日", "expected": 20, "present": 15},
    {"date": "2023-06-01", "type": "廉政教育", "topic": "廉政"},
    {"date": "2023-06-15", "type": "警示教育", "topic": "警示"},
    {"date": "2023-12-31", "type": "集中学习", "topic": "年末"},
    {"date": "2024-01-01", "type": "集中学习", "topic": "明年", "expected": 10, "present": 1},
]
INSPECTIONS = [
    {"date": "2022-12-31", "type": "统计执法检查", "object": "己公司", "category": "企业", "issues": 9,
     "rectify": "已整改"},
    {"date": "2023-03-01", "type": "统计执法检查", "object": "甲公司", "category": "企业", "issues": 2,
     "rectify": "已整改"},
    # the same enterprise visited twice (spelt with a full-width space the second time)
    {"date": "2023-04-01", "type": "统计执法检查", "object": "甲公司\u3000", "category": "企业", "issues": 1,
     "rectify": "整改中"},
    {"date": "2023-04-02", "type": "统计执法检查", "object": "乙公司", "category": "企业", "issues": 0,
     "rectify": "无需整改"},
    {"date": "2023-04-03", "type": "统计执法检查", "object": "丙项目", "category": "入库项目", "issues": 3,
     "rectify": "未整改"},
    {"date": "2023-05-10", "type": "数据质量核查", "object": "甲公司", "category": "企业"},
    {"date": "2023-05-11", "type": "数据质量核查", "object": "丁公司", "category": "企业"},
    # one 调研 day with three objects, then another day
    {"date": "2023-06-01", "type": "调研", "object": "A县统计局", "category": "县区统计局"},
    {"date": "2023-06-01", "type": "调研", "object": "B园区", "category": "工业园区"},
    {"date": "2023-06-01", "type": "调研", "object": "戊公司", "category": "企业"},
    {"date": "2023-07-01", "type": "调研", "object": "戊公司", "category": "企业"},
]
VOLUNTEER = [
    {"date": "2023-03-05", "name": "张三", "activity": "植树", "hours": 2.5},
    {"date": "2023-03-05", "name": "李四", "activity": "植树", "hours": 2.5},
    {"date": "2023-03-05", "name": "王五", "activity": "植树", "hours": 2.0},
    {"date": "2023-04-10", "name": "张三", "activity": "社区服务", "hours": 3.0},
    {"date": "2023-04-11", "name": "李四 ", "activity": "植树", "hours": 1.5},
    {"date": "2024-01-01", "name": "赵六", "activity": "植树", "hours": 4.0},
]

MEMBERSHIP = [
    {"date": "2022-12-30", "name": "钱一", "event": "接收预备党员"},
    {"date": "2023-04-16", "name": "孙二", "event": "接收预备党员"},
    {"date": "2023-04-16", "name": "周三", "event": "接收预备党员"},
    {"date": "2023-05-02", "name": "孙二 ", "event": "接收预备党员", "note": "重复登记"},
    {"date": "2023-06-18", "name": "钱一", "event": "预备党员转正"},
    {"date": "2023-02-20", "name": "吴四", "event": "组织关系转入"},
    {"date": "2023-11-05", "name": "郑五", "event": "组织关系转出"},
    {"date": "2023-03-12", "name": "冯六", "event": "确定入党积极分子"},
]


@pytest.fixture
def frames():
    return {"study": contract_frame("study", STUDY), "inspections": contract_frame("inspections", INSPECTIONS),
            "volunteer": contract_frame("volunteer", VOLUNTEER), "membership": contract_frame("membership", MEMBERSHIP)}


# Worked out by hand from the rows above, for 2023 as a whole.
EXPECTED_2023 = {
    "study.collective": 3,            # 1 Jan, 10 Jan (full-width space), 31 Dec; not 31 Dec 2022 nor 1 Jan 2024
    "study.discussion": 1,
    "study.lecture": 1,
    "study.assembly": 1,
    "study.committee": 1,
    "study.group": 1,
    "study.theme_day": 1,
    "study.integrity": 2,             # 廉政教育 + 警示教育
    "study.attendance": 38 / 45,      # (18 + 5 + 15) / (20 + 5 + 20)
    "inspect.enforcement_enterprises": 2,  # 甲 (twice) and 乙
    "inspect.enforcement_projects": 1,
    "inspect.quality_enterprises": 2,      # 甲, 丁
    "inspect.research": 2,                 # 1 Jun (three objects) and 1 Jul
    "inspect.issues": 6,                   # 2 + 1 + 0 + 3
    "inspect.rectified": 1 / 3,            # 已整改 1 of 已整改/整改中/未整改 3
    "volunteer.hours": 11.5,               # 2.5 + 2.5 + 2 + 3 + 1.5
    "volunteer.person_times": 5,
    "volunteer.people": 3,                 # 张三, 李四 (once with a trailing space), 王五
    "volunteer.activities": 3,             # (3-05 植树), (4-10 社区服务), (4-11 植树)
    "members.probationary": 2,             # 孙二 (twice, once with a trailing space), 周三; not 钱一 (2022)
    "members.full": 1,                     # 钱一
    "members.transfers": 2,                # 吴四 in, 郑五 out
}

# The same rows counted up to 30 Jun 2023.
EXPECTED_JUNE = {**EXPECTED_2023, "study.collective": 2, "inspect.research": 1, "members.transfers": 1}


def test_catalogue_has_exactly_the_issue_indicators():
    assert [(i.key, i.name) for i in CATALOGUE] == [
        ("study.collective", "集中学习次数"), ("study.discussion", "研讨交流次数"), ("study.lecture", "讲党课次数"),
        ("study.assembly", "支部党员大会次数"), ("study.committee", "支委会次数"), ("study.group", "党小组会次数"),
        ("study.theme_day", "主题党日次数"), ("study.integrity", "廉政教育次数"), ("study.attendance", "平均出勤率"),
        ("inspect.enforcement_enterprises", "执法检查企业数"), ("inspect.enforcement_projects", "执法检查入库项目数"),
        ("inspect.quality_enterprises", "数据质量核查企业数"), ("inspect.research", "调研批次"),
        ("inspect.issues", "发现问题数"), ("inspect.rectified", "问题整改率"), ("volunteer.hours", "志愿服务时长"),
        ("volunteer.person_times", "志愿服务人次"), ("volunteer.people", "志愿服务参与人数"),
        ("volunteer.activities", "志愿服务活动场次"), ("members.probationary", "发展预备党员人数"),
        ("members.full", "预备党员转正人数"), ("members.transfers", "组织关系转接人数"),
    ]
    assert {i.unit for i in CATALOGUE if i.fraction} == {"%"}


@pytest.mark.parametrize("as_of, expected", [(None, EXPECTED_2023), ("2023-06-30", EXPECTED_JUNE)])
def test_every_indicator_value(frames, as_of, expected):
    got = values(frames, 2023, as_of)
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        assert got[key] == pytest.approx(want), key
        assert value(by_key(key), frames, 2023, as_of) == pytest.approx(want), key


def test_counts_are_ints_and_rates_fractions(frames):
    got = values(frames, 2023)
    assert type(got["study.collective"]) is int and type(got["inspect.issues"]) is int
    assert type(got["volunteer.hours"]) is float
    assert 0 <= got["study.attendance"] <= 1


def test_text_columns_of_pandas_str_dtype(frames):
    frames = {k: df.astype({c: "str" for c in ("type", "object", "category", "name", "activity") if c in df})
              for k, df in frames.items()}
    assert values(frames, 2023) == pytest.approx(EXPECTED_2023)


@pytest.mark.parametrize("year, key, expected", [
    (2022, "study.collective", 1),     # only 31 Dec 2022
    (2024, "study.collective", 1),     # only 1 Jan 2024
    (2024, "study.attendance", 0.1),   # 1 / 10
    (2022, "inspect.enforcement_enterprises", 1),
    (2022, "inspect.rectified", 1.0),
    (2021, "study.attendance", None),  # nothing to divide by
    (2021, "inspect.rectified", None),
])
def test_year_boundaries(frames, year, key, expected):
    assert value(by_key(key), frames, year) == expected


def test_as_of_before_the_year_counts_nothing(frames):
    assert value(by_key("study.collective"), frames, 2023, "2022-12-31") == 0


@pytest.mark.parametrize("frames", [{}, {"study": pd.DataFrame(), "inspections": contract_frame("inspections", []),
                                        "volunteer": None}])
def test_empty_or_missing_registers(frames):
    got = values(frames, 2023)
    assert got == {i.key: (None if i.fraction else 0) for i in CATALOGUE}
    assert all(rows_for(i, frames, 2023).empty for i in CATALOGUE)


@pytest.mark.parametrize("key, rows, distinct", [
    ("inspect.enforcement_enterprises", 3, 2),   # 甲 twice + 乙
    ("inspect.research", 4, 2),                   # four 调研 rows over two days
    ("volunteer.people", 5, 3),
    ("volunteer.activities", 5, 3),
])
def test_rows_behind_a_distinct_count(frames, key, rows, distinct):
    ind = by_key(key)
    behind = rows_for(ind, frames, 2023)
    assert len(behind) == rows
    keys = behind[list(ind.columns)].map(lambda v: v.strip() if isinstance(v, str) else v)
    assert len(keys.drop_duplicates()) == distinct == value(ind, frames, 2023)


@pytest.mark.parametrize("key, dates", [
    ("study.collective", ["2023-01-01", "2023-01-10", "2023-12-31"]),
    ("study.attendance", ["2023-03-20", "2023-04-05", "2023-05-06"]),
    ("inspect.rectified", ["2023-03-01", "2023-04-01", "2023-04-03"]),
    ("inspect.issues", ["2023-03-01", "2023-04-01", "2023-04-02", "2023-04-03"]),
])
def test_rows_behind_a_count_sum_or_rate(frames, key, dates):
    behind = rows_for(by_key(key), frames, 2023)
    assert behind["date"].dt.strftime("%Y-%m-%d").tolist() == dates
    assert behind.index.isin(frames[by_key(key).register].index).all()


@pytest.mark.parametrize("text, key", [
    ("集中学习次数", "study.collective"), ("study.collective", "study.collective"),
    (" 调研批次\u3000", "inspect.research"), ("STUDY.ATTENDANCE", "study.attendance"),
    ("问题 整改率", "inspect.rectified"), ("不存在的指标", None), ("", None), (None, None),
])
def test_resolve(text, key):
    ind = resolve(text)
    assert (ind.key if ind else None) == key


def test_indicator_names_and_unknown_message():
    names = indicator_names()
    assert "志愿服务人次" in names and "volunteer.person_times" in names and len(names) == 2 * len(CATALOGUE)
    message = unknown_indicator_message("学习次数")
    assert "学习次数" in message and "集中学习次数" in message and "inspect.research" in message


def test_importer_knows_the_catalogues_indicators():
    """data.importer does not import metrics: its list (texts.INDICATOR_NAMES) is the catalogue's."""
    assert known_indicator_names() == list(indicator_names())
    texts_ = ["集中学习次数", " study.COLLECTIVE ", "问题 整改率", "随便写", None]
    assert [indicator_key(t) for t in texts_] == [(i.key if (i := resolve(t)) else None) for t in texts_]


@pytest.mark.parametrize("key, parts", [
    ("study.integrity", ["学习教育", "类型", "“廉政教育”或“警示教育”", "每行计1次"]),
    ("inspect.enforcement_enterprises", ["检查核查", "“统计执法检查”", "对象类别", "“企业”", "对象名称", "去重"]),
    ("study.attendance", ["实到人数", "应到人数", "全部记录"]),
    ("volunteer.activities", ["日期与活动名称", "去重"]),
    ("inspect.rectified", ["整改状态为“已整改”的行数占比"]),
])
def test_describe(key, parts):
    text = describe(by_key(key))
    for part in parts:
        assert part in text


def test_adding_an_indicator_is_adding_an_entry(frames):
    talks = Indicator("study.discussion_or_lecture", "研讨或党课次数", "study", COUNT, "次",
                      {"type": ("研讨交流", "讲党课 ")})
    days = Indicator("inspect.days", "检查天数", "inspections", DISTINCT, "天", {}, ("date",))
    check_catalogue((*CATALOGUE, talks, days))
    assert values(frames, 2023, catalogue=(talks, days)) == {talks.key: 2, days.key: 8}
    assert resolve("研讨或党课次数", (talks,)) is talks


@pytest.mark.parametrize("bad", [
    Indicator("x.a", "甲", "study", COUNT, "次", {"type": ("不是类型",)}),
    Indicator("x.b", "乙", "study", COUNT, "次", {"nosuchcolumn": ("a",)}),
    Indicator("x.c", "丙", "study", "median", "次"),
    Indicator("x.d", "丁", "study", DISTINCT, "个"),
    Indicator("study.collective", "重复", "study", COUNT, "次"),
])
def test_bad_catalogue_entries_are_refused(bad):
    with pytest.raises((ValueError, KeyError)):
        check_catalogue((*CATALOGUE, bad))


objects = st.sampled_from(["甲公司", "甲公司\u3000", " 乙公司", "乙公司", "丙", None])
inspection_rows = st.lists(st.fixed_dictionaries({
    "date": st.dates(min_value=pd.Timestamp("2022-12-01").date(), max_value=pd.Timestamp("2024-01-31").date()),
    "type": st.sampled_from(INSPECTION_TYPES), "category": st.sampled_from(OBJECT_CATEGORIES),
    "object": objects}), max_size=30)


@settings(max_examples=60, deadline=None)
@given(inspection_rows)
def test_distinct_enterprises_match_a_plain_count(rows):
    frames = {"inspections": contract_frame("inspections", rows)}
    expected = {r["object"].strip() for r in rows
                if r["date"].year == 2023 and r["type"] == "统计执法检查" and r["category"] == "企业"
                and r["object"] is not None}
    assert value(by_key("inspect.enforcement_enterprises"), frames, 2023) == len(expected)
