"""Validation (issue §4): every kind of bad cell with its exact message, warnings, and the pure
cell parsers of data.validate. Workbooks are real xlsx files built by the tests."""

from datetime import date

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from data import schema
from data.reader import read_workbook
from data.validate import parse_date, parse_number, validate_frame
from tests.xlsx_factory import Sheet, register_rows, write_xlsx

TODAY = date(2022, 12, 31)
FILE = "台账.xlsx"
STUDY_KEYS = ["date", "type", "topic", "expected", "present", "hours"]
GOOD = {"date": "2022-03-15", "type": "集中学习", "topic": "学习党章", "expected": 30, "present": 28, "hours": 2}
INDICATORS = ["study_sessions", "集中学习次数", "党课次数"]


def read(tmp_path, sheets, **kw):
    return read_workbook(write_xlsx(tmp_path / FILE, sheets), today=TODAY, **kw)


BAD_CELLS = [
    ("study", {"type": "学习"}, "类型", "学习",
     '台账.xlsx 学习教育 第2行「类型」"学习" 无法识别，可选：集中学习、研讨交流、讲党课、支部党员大会、支委会、'
     "党小组会、主题党日、组织生活会、民主评议、谈心谈话、廉政教育、警示教育、其他"),
    ("study", {"date": "3月15日"}, "日期", "3月15日",
     '台账.xlsx 学习教育 第2行「日期」"3月15日" 无法识别，应为日期，如 2022-03-15、2022/3/15、2022年3月15日'),
    ("study", {"date": "2022-02-30"}, "日期", "2022-02-30",
     '台账.xlsx 学习教育 第2行「日期」"2022-02-30" 无法识别，应为日期，如 2022-03-15、2022/3/15、2022年3月15日'),
    ("study", {"date": 123}, "日期", "123",
     '台账.xlsx 学习教育 第2行「日期」"123" 无法识别，应为日期，如 2022-03-15、2022/3/15、2022年3月15日'),
    ("study", {"date": None}, "日期", None,
     "台账.xlsx 学习教育 第2行「日期」为空，此列必填（日期，如 2022-03-15、2022/3/15、2022年3月15日）"),
    ("study", {"topic": "\u3000 "}, "主题", None, "台账.xlsx 学习教育 第2行「主题」为空，此列必填（文字）"),
    ("study", {"hours": "两小时"}, "学时", "两小时",
     '台账.xlsx 学习教育 第2行「学时」"两小时" 无法识别，应为数字，不小于 0且不大于 24'),
    ("study", {"hours": "30分钟"}, "学时", "30分钟",
     '台账.xlsx 学习教育 第2行「学时」"30分钟" 无法识别，应为数字，不小于 0且不大于 24'),
    ("study", {"hours": 25}, "学时", "25", '台账.xlsx 学习教育 第2行「学时」"25" 超出范围，应为数字，不小于 0且不大于 24'),
    ("study", {"expected": 2.5}, "应到人数", "2.5", '台账.xlsx 学习教育 第2行「应到人数」"2.5" 不是整数，应为整数，不小于 0且不大于 100000'),
    ("study", {"expected": "-1人"}, "应到人数", "-1人", '台账.xlsx 学习教育 第2行「应到人数」"-1人" 超出范围，应为整数，不小于 0且不大于 100000'),
    ("study", {"expected": 100001}, "应到人数", "100001", '台账.xlsx 学习教育 第2行「应到人数」"100001" 超出范围，应为整数，不小于 0且不大于 100000'),
    ("study", {"present": 31}, "实到人数", "31",
     '台账.xlsx 学习教育 第2行「实到人数」"31" 大于「应到人数」"30"，应不大于「应到人数」'),
    ("volunteer", {"hours": 0}, "时长", "0", '台账.xlsx 志愿服务 第2行「时长」"0" 超出范围，应为数字，大于 0且不大于 24'),
    ("volunteer", {"method": "代签"}, "记录方式", "代签", '台账.xlsx 志愿服务 第2行「记录方式」"代签" 无法识别，可选：签到、补录'),
    ("targets", {"year": 1999}, "年度", "1999", '台账.xlsx 计划目标 第2行「年度」"1999" 超出范围，应为四位年份，如 2023'),
    ("targets", {"year": "2022.5"}, "年度", "2022.5", '台账.xlsx 计划目标 第2行「年度」"2022.5" 不是整数，应为四位年份，如 2023'),
    ("targets", {"indicator": "读书次数"}, "指标", "读书次数",
     '台账.xlsx 计划目标 第2行「指标」"读书次数" 不是已知指标，可选：集中学习次数、党课次数'),
]
GOOD_ROWS = {
    "study": GOOD,
    "volunteer": {"date": "2022-03-12", "name": "张三", "activity": "植树", "hours": 2, "method": "签到"},
    "targets": {"year": 2022, "indicator": "集中学习次数", "target": 12},
}


@pytest.mark.parametrize("register, change, column, value, message", BAD_CELLS)
def test_bad_cell_message(tmp_path, register, change, column, value, message):
    reg = schema.REGISTERS[register]
    record = {**GOOD_ROWS[register], **change}
    parsed = read(tmp_path, {reg.name: register_rows(register, [record], keys=list(GOOD_ROWS[register]))},
                  indicator_names=INDICATORS)
    assert [(i.level, i.file, i.sheet, i.row, i.column, i.value, i.message) for i in parsed.issues] == [
        ("error", FILE, reg.name, 2, column, value, message)]
    assert not parsed.ok
    key = next(iter(change))
    assert pd.isna(parsed.frames[register][key].iloc[0])  # a bad cell is never stored half-parsed


@pytest.mark.parametrize("indicator, names", [
    ("study_sessions", INDICATORS), ("集中学习次数", INDICATORS), (" 集中学习次数 ", INDICATORS), ("随便写", None)])
def test_known_indicator_or_check_skipped(tmp_path, indicator, names):
    rows = register_rows("targets", [{**GOOD_ROWS["targets"], "indicator": indicator}])
    parsed = read(tmp_path, {"计划目标": rows}, indicator_names=names)
    assert parsed.issues == []


def test_all_problems_at_once_in_row_order(tmp_path):
    rows = register_rows("study", [GOOD, {**GOOD, "type": "学习", "hours": 30}, GOOD | {"date": "x", "topic": "b"}],
                         keys=STUDY_KEYS)
    other = register_rows("volunteer", [{**GOOD_ROWS["volunteer"], "hours": "很久"}])
    parsed = read(tmp_path, {"学习教育": rows, "志愿服务": other})
    assert [(i.sheet, i.row, i.column) for i in parsed.errors] == [
        ("学习教育", 3, "类型"), ("学习教育", 3, "学时"), ("学习教育", 4, "日期"), ("志愿服务", 2, "时长")]
    assert len(parsed.frames["study"]) == 3


def test_merged_date_fills_only_its_own_rows(tmp_path):
    sheet = Sheet(rows=[["日期", "类型", "主题"], ["2022-03-15", "集中学习", "a"], [None, "集中学习", "b"],
                        [None, "集中学习", "c"]], merges=["A2:A3"])
    parsed = read(tmp_path, {"学习教育": sheet})
    assert [(i.row, i.column) for i in parsed.errors] == [(4, "日期")]
    assert parsed.frames["study"]["date"].iloc[:2].tolist() == [pd.Timestamp("2022-03-15")] * 2


def test_future_date_is_a_warning(tmp_path):
    rows = register_rows("study", [{**GOOD, "date": "2022-12-20"}, {**GOOD, "date": "2023-01-05"}], keys=STUDY_KEYS)
    parsed = read(tmp_path, {"学习教育": rows})
    assert parsed.ok
    assert [i.message for i in parsed.warnings] == ['台账.xlsx 学习教育 第3行「日期」"2023-01-05" 晚于今天（2022-12-31），请核对']


def test_duplicate_rows_are_warnings(tmp_path):
    parsed = read(tmp_path, {
        "学习教育": register_rows("study", [GOOD, {**GOOD, "topic": "b"}, {**GOOD, "topic": "学习党章 "}]),
        "学习教育2": register_rows("study", [{**GOOD, "topic": "b"}]),
    })
    assert parsed.ok
    assert [(i.sheet, i.row, i.message) for i in parsed.warnings] == [
        ("学习教育", 4, "台账.xlsx 学习教育 第4行 与第2行内容完全相同，可能重复录入"),
        ("学习教育2", 2, "台账.xlsx 学习教育2 第2行 与「学习教育」第3行内容完全相同，可能重复录入"),
    ]


def _study_dates(dates):
    return register_rows("study", [{**GOOD, "date": d, "topic": f"t{i}"} for i, d in enumerate(dates)])


YEAR_2022 = [f"2022-{m:02d}-10" for m in range(1, 13)]


@pytest.mark.parametrize("sheets, warned", [
    ({"学习教育": _study_dates([*YEAR_2022[:6], "2021-03-15", *YEAR_2022[6:]])}, [(8, "2021-03-15", "2022年1月至2022年12月")]),
    ({"学习教育": _study_dates(["2022-03-01", "2022-03-15", "2022-03-20", "2021-03-15"])}, [(5, "2021-03-15", "2022年3月")]),
    ({"学习教育": _study_dates(YEAR_2022[:1] + YEAR_2022[2:])}, []),  # a quiet February is no outlier
    ({"学习教育": _study_dates(["2022-03-01"] * 3 + ["2022-09-01"] * 3)}, []),  # two groups of equal size
    ({"学习教育": _study_dates(["2022-03-01"] * 4),
      "志愿服务": register_rows("volunteer", [{**GOOD_ROWS["volunteer"], "date": "2020-03-12"}])},
     [(2, "2020-03-12", "2022年3月")]),  # across registers: the file as a whole
])
def test_date_far_from_the_months_of_the_file(tmp_path, sheets, warned):
    parsed = read(tmp_path, sheets)
    assert parsed.ok
    expected = [f'台账.xlsx {"学习教育" if row > 2 or len(sheets) == 1 else "志愿服务"} 第{row}行「日期」"{value}" '
                f"与本文件其他记录所在月份（{span}）相隔较远，请核对" for row, value, span in warned]
    assert [i.message for i in parsed.warnings] == expected


# --- validate_frame on raw frames (the targets editor calls it directly) ---------------------------------

def test_validate_frame_on_a_raw_frame():
    raw = pd.DataFrame({
        "year": [2023, "2024年", None], "indicator": ["集中学习次数", "党课次数", "x"],
        "target": ["12次", 4.0, True], "_row": [5, 6, 7]}, dtype=object)
    typed, issues = validate_frame("targets", raw, file_name="页面", sheet="计划目标",
                                   indicator_names=INDICATORS)
    assert typed["year"].tolist()[:2] == [2023, 2024] and pd.isna(typed["year"].iloc[2])
    assert typed["target"].tolist()[:2] == [12.0, 4.0]
    assert [i.message for i in issues] == [
        "页面 计划目标 第7行「年度」为空，此列必填（四位年份，如 2023）",
        '页面 计划目标 第7行「指标」"x" 不是已知指标，可选：集中学习次数、党课次数',
        '页面 计划目标 第7行「目标值」"TRUE" 无法识别，应为数字，不小于 0且不大于 10000000',
    ]
    assert list(typed.columns) == [*schema.TARGETS.keys, "_sheet", "_row"]


def test_a_date_far_outside_the_calendar_is_an_error_not_a_crash():
    raw = pd.DataFrame({"date": ["3000-01-01", date(2999, 12, 31)], "name": ["张三", "李四"],
                        "activity": ["植树", "植树"], "hours": [2, 2], "_row": [3, 4]}, dtype=object)
    typed, issues = validate_frame("volunteer", raw, file_name="f.xlsx", sheet="志愿服务")
    # One grouped error for the column and reason, naming both rows and both values.
    assert [(i.level, i.rows, i.column, i.values) for i in issues] == [
        ("error", (3, 4), "日期", ("3000-01-01", "2999-12-31"))]
    assert issues[0].message.startswith('f.xlsx 志愿服务 第3、4行「日期」"3000-01-01"、"2999-12-31" 无法识别，应为日期')
    assert typed["date"].isna().all()


def test_validate_frame_sheet_per_row():
    raw = pd.DataFrame({"name": ["张三", None], "_row": [2, 9], "_sheet": ["名册", "名册2"]}, dtype=object)
    _, issues = validate_frame("roster", raw, file_name="f.xlsx", sheet=None)
    assert [(i.sheet, i.row, i.message) for i in issues] == [
        ("名册2", 9, "f.xlsx 名册2 第9行「姓名」为空，此列必填（文字）")]


# --- the cell parsers --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2022-03-15", "2022-03-15"), ("2022/3/5", "2022-03-05"), ("2022.12.1", "2022-12-01"),
    ("2022年3月15日", "2022-03-15"), ("20220315", "2022-03-15"), (20220315.0, "2022-03-15"),
    (44635, "2022-03-15"), (44562.99, "2022-01-01"), ("44635", "2022-03-15"), ("2022-3-15T08:00", "2022-03-15"),
    (pd.Timestamp("2022-03-15 23:59"), "2022-03-15"), (date(2022, 3, 15), "2022-03-15"),
    (None, None), ("", None), ("\u3000", None), (float("nan"), None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == (pd.Timestamp(expected) if expected else None)


@pytest.mark.parametrize("value", ["3/15", "2022-13-01", "二〇二二年三月", 100, 19991, 80001, True, "2022-03-15x",
                                   # years no register date can have (and beyond datetime64[ns])
                                   "3000-01-01", date(3000, 1, 1), 30000101, "1900-01-01", "2101-01-01"])
def test_parse_date_rejects(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize("value, expected", [
    ("2.5小时", 2.5), ("30人", 30), ("3次", 3), ("３０", 30), ("1,200", 1200), (" 4 ", 4), (".5", 0.5),
    ("2h", 2), ("5家", 5), ("2022年", 2022), (7, 7), (1.25, 1.25), ("", None), (None, None),
])
def test_parse_number(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", ["两小时", "2天", "30分钟", "1.2.3", "约3", True, "3-5"])
def test_parse_number_rejects(value):
    with pytest.raises(ValueError):
        parse_number(value)


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["", "小时", "人", "次", " 人次"]))
def test_parse_number_reads_any_decimal_with_a_unit(number, unit):
    assert parse_number(f"{number}{unit}") == float(number)


def test_row_groups_are_pandas_groups_in_order_of_first_appearance():
    """The duplicate-row warning groups rows a column at a time (less memory on 100k rows): the same
    groups as pandas' groupby(dropna=False, sort=False), empty cells equal to each other."""
    import numpy as np

    from data.validate import _row_groups

    rng = np.random.default_rng(16)
    n = 2_000
    frame = pd.DataFrame({
        "text": pd.array(rng.choice(["甲", "乙", None], n).tolist(), dtype="str"),
        "number": rng.choice([1.0, 2.5, np.nan, 0.0], n),
        "day": pd.to_datetime(rng.choice(["2025-03-01", "2025-03-02", None], n)),
        "count": pd.array(rng.choice([1, 2, None], n).tolist(), dtype="Int64"),
    })
    keys = list(frame.columns)
    expected = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    assert (_row_groups(frame, keys) == expected).all()
    assert len(set(expected)) > 20  # the case has groups and duplicates
