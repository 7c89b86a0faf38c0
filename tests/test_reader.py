"""data.reader on real xlsx files built by the tests: every shape of real register (issue §3).

Each case is a workbook, and per register the rows expected once parsed (column key -> value,
"_row" is the Excel row). The parsed frames are also stored in a real SQLite store.
"""

from datetime import date, datetime

import pandas as pd
import pytest

from data import schema
from data.errors import RejectedFile
from data.reader import read_workbook
from tests.xlsx_factory import Sheet, register_rows, write_xlsx, xlsx_bytes

TODAY = date(2022, 12, 31)
D = pd.Timestamp


def label(register: str, key: str) -> str:
    return schema.REGISTERS[register].column(key).label


STUDY_HEAD = [label("study", k) for k in ("date", "type", "topic")]
MEETING = ["2022-03-15", "集中学习", "学习党章"]

CASES = [
    pytest.param(
        {"学习教育": Sheet(rows=[["2022年市统计局党支部学习台账"], ["填报单位：机关党支部", None, "2022年度"], [],
                              STUDY_HEAD, MEETING, ["2022-03-20", "研讨交流", "专题研讨"]],
                        merges=["A1:C1"])},
        {"study": [{"_row": 5, "date": D("2022-03-15"), "type": "集中学习", "topic": "学习党章"},
                   {"_row": 6, "date": D("2022-03-20"), "type": "研讨交流"}]},
        id="title rows above the header"),
    pytest.param(
        {"学习教育": [["序号", *STUDY_HEAD], [1, *MEETING], [2, "2022-03-22", "讲党课", "党课"], [3], [4]]},
        {"study": [{"_row": 2, "type": "集中学习"}, {"_row": 3, "type": "讲党课"}]},
        id="序号 column, pre-numbered empty rows"),
    pytest.param(
        {"学习教育": Sheet(rows=[["2022年学习台账"],
                              [*STUDY_HEAD, "人数", None, label("study", "hours")],
                              [None, None, None, "应到", "实到"],
                              [*MEETING, 30, 28, 2],
                              ["2022-03-22", "党课", "讲党课", 30, 30, 1.5]],
                        merges=["A1:F1", "D2:E2", "A2:A3", "B2:B3", "C2:C3", "F2:F3"])},
        {"study": [{"_row": 4, "expected": 30, "present": 28, "hours": 2.0},
                   {"_row": 5, "type": "讲党课", "expected": 30, "present": 30, "hours": 1.5}]},
        id="two-row header, merged 人数 over 应到|实到"),
    pytest.param(
        {"学习教育": Sheet(rows=[STUDY_HEAD, [date(2022, 3, 15), "集中学习", "a"], [None, "研讨交流", "b"],
                              [None, "讲党课", "c"], ["2022-04-01", "集中学习", "d"]],
                        merges=["A2:A4"])},
        {"study": [{"_row": 2, "date": D("2022-03-15")}, {"_row": 3, "date": D("2022-03-15")},
                   {"_row": 4, "date": D("2022-03-15")}, {"_row": 5, "date": D("2022-04-01")}]},
        id="date merged down over several rows"),
    pytest.param(
        {"志愿服务": [["日\u3000期", "\u00a0姓名 ", "活动名称（内容）", "时长（小时）", "服务类别"],
                    ["2022-03-12", "\u3000张三\u00a0", "植树（义务）", "2", "植树绿化\u3000"]]},
        {"volunteer": [{"_row": 2, "name": "张三", "activity": "植树(义务)", "hours": 2.0, "category": "植树绿化"}]},
        id="full-width and non-breaking spaces and brackets"),
    pytest.param(
        {"学习教育": [[*STUDY_HEAD, label("study", "expected"), label("study", "present"), label("study", "hours")],
                    [*MEETING, "30人", "２８人", "2.5小时"], ["2022-03-16", "集中学习", "b", "3,000人", 3, "3学时"]]},
        {"study": [{"expected": 30, "present": 28, "hours": 2.5},
                   {"expected": 3000, "present": 3, "hours": 3.0}]},
        id="numbers with units and full-width digits"),
    pytest.param(
        {"学习教育": [[*STUDY_HEAD, label("study", "attendees")]]
                  + [["2022-03-15", "集中学习", f"t{i}", names]
                     for i, names in enumerate(["张三、李四", "张三，李四", "张三,李四", "张三;李四", "张三 李四",
                                                "张三\u3000李四", "张三；李四", " 张三、、李四、"])]},
        {"study": [{"topic": f"t{i}", "attendees": "张三、李四"} for i in range(8)]},
        id="names joined by 、，,; and spaces"),
    pytest.param(
        {"学习教育": [STUDY_HEAD, [], MEETING, [None, None, "  "], [], ["2022-03-16", "集中学习", "b"], []]},
        {"study": [{"_row": 3, "topic": "学习党章"}, {"_row": 6, "topic": "b"}]},
        id="blank rows"),
    pytest.param(
        {"学习教育": [["序号", *STUDY_HEAD], [1, *MEETING], ["小计", None, None, None],
                    [2, "2022-04-15", "集中学习", "b"], [None, "总 计", "2次"], ["合计", None, None, None], [],
                    ["填表人：某某", None, "审核人：某某"], [3, "2022-04-20", "集中学习", "after footer"]]},
        {"study": [{"_row": 2, "topic": "学习党章"}, {"_row": 4, "topic": "b"}]},
        id="合计/小计/总计 rows and 填表人 lines excluded"),
    pytest.param(
        {"学习教育": [STUDY_HEAD, MEETING, [], ["审核人: 某某"], ["2022-03-16", "集中学习", "x"]]},
        {"study": [{"_row": 2}]},
        id="审核人 footer with ASCII colon ends the table"),
    pytest.param(
        {"学习教育": [STUDY_HEAD, MEETING, ["注：以上为三月份学习情况"], ["2022-03-16", "集中学习", "x"]]},
        {"study": [{"_row": 2}]},
        id="注： note line ends the table"),
    pytest.param(
        {"学习教育": [STUDY_HEAD, MEETING],
         "检查核查": register_rows("inspections", [{"date": "2022-03-10", "type": "执法检查", "object": "甲公司",
                                                 "category": "企业", "inspectors": "张三，李四"}]),
         "志愿服务": register_rows("volunteer", [{"date": "2022/3/12", "name": "张三", "activity": "植树",
                                               "hours": "2小时"}]),
         "计划目标": register_rows("targets", [{"year": "2022年", "indicator": "集中学习次数", "target": 12}]),
         "党员名册": register_rows("roster", [{"name": "张三", "status": "正式"}, {"name": "李四", "status": "预备"}])},
        {"study": [{"_row": 2}],
         "inspections": [{"type": "统计执法检查", "object": "甲公司", "category": "企业", "inspectors": "张三、李四"}],
         "volunteer": [{"date": D("2022-03-12"), "hours": 2.0}],
         "targets": [{"year": 2022, "indicator": "集中学习次数", "target": 12.0}],
         "roster": [{"name": "张三", "status": "正式党员"}, {"name": "李四", "status": "预备党员"}]},
        id="several registers in one workbook"),
    pytest.param(
        {"党员花名册": register_rows("roster", [{"name": "张三", "group": "第一党小组", "position": "支部书记"}])},
        {"roster": [{"_row": 2, "name": "张三", "group": "第一党小组", "position": "支部书记"}]},
        id="one register alone, sheet named by an alias"),
    pytest.param(
        {"学习教育": Sheet(rows=[["学习台账"], STUDY_HEAD, MEETING], origin="C4", merges=["C4:E4"])},
        {"study": [{"_row": 6, "date": D("2022-03-15"), "topic": "学习党章"}]},
        id="table not at A1"),
    pytest.param(
        {"学习教育": [STUDY_HEAD, MEETING, ["2022-03-15", "集中学习", "学习党章"]],
         "学习教育(2)": [STUDY_HEAD, ["2022-04-15", "集中学习", "b"]]},
        {"study": [{"_sheet": "学习教育", "_row": 2}, {"_sheet": "学习教育", "_row": 3},
                   {"_sheet": "学习教育(2)", "_row": 2}]},
        id="two sheets of one register are concatenated"),
]


def check_frame(frame: pd.DataFrame, expected: list[dict]) -> None:
    assert len(frame) == len(expected)
    for i, want in enumerate(expected):
        for key, value in want.items():
            got = frame[key].iloc[i]
            assert (pd.isna(got) if value is None else got == value), (i, key, got, value)


@pytest.mark.parametrize("sheets, expected", CASES)
def test_real_workbook_shapes(tmp_path, store, sheets, expected):
    path = write_xlsx(tmp_path / "台账.xlsx", sheets)
    parsed = read_workbook(path, today=TODAY)
    assert parsed.errors == []
    assert sorted(parsed.frames) == sorted(expected)
    for key, rows in expected.items():
        frame = parsed.frames[key]
        assert list(frame.columns) == [*schema.REGISTERS[key].keys, "_sheet", "_row"]
        check_frame(frame, rows)
    store.import_frames(parsed.frames, file_name=parsed.file_name, sha256=parsed.sha256, user="test")
    counts = store.counts()
    assert {key: counts[key] for key in expected} == {key: len(rows) for key, rows in expected.items()}


@pytest.mark.parametrize("value, fmt", [
    (date(2022, 3, 15), "yyyy-mm-dd"),
    (datetime(2022, 3, 15, 14, 30), "yyyy-mm-dd hh:mm"),
    (44635, None),  # Excel serial typed as a plain number
    (44635.6, None),  # serial with a time of day
    (44635, "yyyy/m/d"),  # serial shown as a date
    ("2022-03-15", None),
    ("2022/3/15", None),
    ("2022.3.15", None),
    ("2022年3月15日", None),
    ("2022-03-15 09:30:00", None),
    ("2022年3月15日 9:30", None),
    ("２０２２．３．１５", None),
    (20220315, None),
    ("20220315", None),
    (" 2022 年 3 月 15 日 ", None),
])
def test_date_forms(tmp_path, value, fmt):
    sheet = Sheet(rows=[STUDY_HEAD, [value, "集中学习", "t"]], formats={"A2": fmt} if fmt else {})
    parsed = read_workbook(write_xlsx(tmp_path / "d.xlsx", {"学习教育": sheet}), today=TODAY)
    assert parsed.errors == []
    frame = parsed.frames["study"]
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["date"].tolist() == [D("2022-03-15")]


def test_typed_frame_dtypes(tmp_path):
    rows = register_rows("study", [{"date": "2022-03-15", "type": "集中学习", "topic": "t", "expected": 3,
                                    "hours": 1, "attendees": "张三"}])
    frame = read_workbook(xlsx_bytes({"学习教育": rows}), "a.xlsx", today=TODAY).frames["study"]
    dtypes = {k: str(t) for k, t in frame.dtypes.items()}
    assert dtypes["date"] == "datetime64[ns]"
    assert dtypes["expected"] == dtypes["present"] == "Int64"
    assert dtypes["hours"] == "float64"
    assert dtypes["_row"] == "int64"
    assert pd.isna(frame["present"].iloc[0]) and pd.isna(frame["speaker"].iloc[0])


def test_sheet_recognised_by_headers_and_explanation_sheet_skipped(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", {
        "填表说明": [["填表说明"], ["1. 日期请填写为 2022-03-15 格式"], ["2. 类型从下拉列表选择"]],
        "Sheet1": register_rows("inspections", [{"date": "2022-03-10", "type": "调研", "object": "乙园区",
                                                "category": "工业园区"}]),
        "签到表": [["序号", "姓名", "签名"], [1, "张三", None]],
        "空白": [],
    })
    parsed = read_workbook(path, today=TODAY)
    assert parsed.ok
    by_name = {s.sheet: s for s in parsed.sheets}
    assert (by_name["Sheet1"].register, by_name["Sheet1"].header_row, by_name["Sheet1"].rows) == ("inspections", 1, 1)
    for name in ("签到表", "空白"):
        assert by_name[name].register is None and by_name[name].skipped
    # The template's own guide sheet is skipped silently: not listed as a skipped sheet.
    assert by_name["填表说明"].register is None and not by_name["填表说明"].skipped
    assert parsed.frames["inspections"]["object"].tolist() == ["乙园区"]
    assert all(i.sheet not in ("填表说明", "签到表", "空白") for i in parsed.issues)


def test_unknown_sheet_close_to_a_register_says_what_is_missing(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", {
        "学习教育": [STUDY_HEAD, MEETING],
        "活动": [[label("study", "date"), label("study", "topic")], ["2022-03-01", "x"]],
    })
    parsed = read_workbook(path, today=TODAY)
    skipped = {s.sheet: s.skipped for s in parsed.sheets}
    assert skipped["活动"] == "未识别为任何台账：表头最接近「学习教育」，但缺少「类型」"
    assert parsed.ok


def test_hidden_sheet_skipped(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", {"学习教育": [STUDY_HEAD, MEETING],
                                            "旧学习教育": Sheet(rows=[STUDY_HEAD, MEETING], hidden=True)})
    parsed = read_workbook(path, today=TODAY)
    assert len(parsed.frames["study"]) == 1
    assert [s.skipped for s in parsed.sheets] == [None, "隐藏的工作表"]


def test_missing_required_column_is_one_error_for_the_sheet(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"学习教育": [["标题"], ["序号", "日期", "主题", "备注"],
                                                            [1, "2022-03-15", "x", None]]})
    parsed = read_workbook(path, today=TODAY)
    assert [(i.level, i.sheet, i.row, i.column, i.message) for i in parsed.issues] == [
        ("error", "学习教育", 2, "类型", "台账.xlsx 学习教育 缺少必填列「类型」，找到的表头：序号、日期、主题、备注")]
    assert "study" not in parsed.frames


def test_extra_columns_are_ignored_with_a_warning(tmp_path):
    path = write_xlsx(tmp_path / "台账.xlsx", {"学习教育": [["序号", *STUDY_HEAD, "签名", "照片"], [1, *MEETING, "x", "y"]]})
    parsed = read_workbook(path, today=TODAY)
    assert parsed.ok
    assert [i.message for i in parsed.warnings] == [
        "台账.xlsx 学习教育 第1行 以下列不属于「学习教育」，已忽略：签名、照片"]
    assert list(parsed.frames["study"].columns) == [*schema.STUDY.keys, "_sheet", "_row"]


def test_workbook_with_no_register_is_an_error(tmp_path):
    parsed = read_workbook(xlsx_bytes({"填表说明": [["说明"]]}), "说明.xlsx", today=TODAY)
    assert [i.message for i in parsed.errors] == [
        "说明.xlsx 中没有识别出任何台账：工作表名或表头应与以下台账之一对应：学习教育、检查核查、志愿服务、党员发展与组织关系、工作台账、计划目标、党员名册。"]
    assert parsed.frames == {}


@pytest.mark.parametrize("content", [b"", b"not a workbook", b"PK\x03\x04broken zip", "姓名,日期\n".encode()])
def test_not_a_workbook_is_rejected(content):
    # data.safety (when present) refuses these first with its own messages; either way one
    # Chinese sentence naming the file, never a parser exception.
    with pytest.raises(RejectedFile) as err:
        read_workbook(content, "x.xlsx")
    assert err.value.message.startswith("x.xlsx ")


def test_file_name_and_sha256(tmp_path):
    import hashlib

    path = write_xlsx(tmp_path / "三月.xlsx", {"学习教育": [STUDY_HEAD, MEETING]})
    from_path = read_workbook(path, today=TODAY)
    from_bytes = read_workbook(path.read_bytes(), "上传.xlsx", today=TODAY)
    assert from_path.file_name == "三月.xlsx" and from_bytes.file_name == "上传.xlsx"
    assert from_path.sha256 == from_bytes.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert from_path.frames["study"].equals(from_bytes.frames["study"])
