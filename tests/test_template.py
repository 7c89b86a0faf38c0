"""The blank template: sheets, headers, dropdowns and formats from the schema; fill it in, read it back."""

import io
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from data import texts
from data.reader import read_workbook
from data.schema import DATE, ENUM, REGISTERS, split_names
from data.template import build_template


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_template()


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_one_sheet_per_register_plus_guide(template):
    assert load(template).sheetnames == [r.name for r in REGISTERS.values()] + [texts.TEMPLATE_GUIDE_SHEET]


@pytest.mark.parametrize("key", REGISTERS)
def test_headers_frozen_dropdowns_and_date_formats(template, key):
    register = REGISTERS[key]
    sheet = load(template)[register.name]
    assert [c.value for c in sheet[1]] == [c.label for c in register.columns]
    assert sheet.max_row == 1
    assert sheet.freeze_panes == "A2"
    assert all(c.font.b for c in sheet[1])
    dropdowns = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    for j, col in enumerate(register.columns, start=1):
        letter = get_column_letter(j)
        area = f"{letter}2:{letter}1048576"
        if col.kind == ENUM:
            assert dropdowns[area].type == "list"
            assert dropdowns[area].formula1.strip('"').split(",") == list(col.values)
            assert len(dropdowns[area].formula1) <= 255  # Excel's limit for an inline list
        else:
            assert area not in dropdowns
        assert (sheet.column_dimensions[letter].number_format == "yyyy-mm-dd") == (col.kind == DATE)
    assert len(dropdowns) == sum(c.kind == ENUM for c in register.columns)


def test_guide_explains_every_column(template):
    rows = list(load(template)[texts.TEMPLATE_GUIDE_SHEET].iter_rows(values_only=True))
    by_column = {(r[0], r[1]): r for r in rows if r[0] in {reg.name for reg in REGISTERS.values()}}
    for register in REGISTERS.values():
        for col in register.columns:
            row = by_column[(register.name, col.label)]
            assert row[2] == (texts.TEMPLATE_REQUIRED if col.required else texts.TEMPLATE_OPTIONAL)
            assert row[3] == col.expected()
            assert (row[4] or "") == "、".join(col.aliases)


def test_blank_template_is_refused_as_having_no_data_rows(template):
    parsed = read_workbook(template, "模板.xlsx")
    assert {k: len(f) for k, f in parsed.frames.items()} == {k: 0 for k in REGISTERS}
    sheets = texts.capped(r.name for r in REGISTERS.values())
    assert [i.message for i in parsed.issues] == [texts.READER_NO_ROWS.format(file="模板.xlsx", sheets=sheets)]
    # The guide sheet is skipped silently; every register sheet is recognised.
    assert {s.sheet: bool(s.skipped) for s in parsed.sheets} == {**{r.name: False for r in REGISTERS.values()},
                                                                  texts.TEMPLATE_GUIDE_SHEET: False}


# One filled row per case, in schema key order; None leaves the cell empty.
ROWS = {
    "study": [
        [datetime(2025, 3, 15), "集中学习", "学习党章", "王明", 35, 33, "王明、李华", 2.5, None, "会议室", None],
        [datetime(2025, 3, 20), "党小组会", "3月党小组学习", "李华", 12, 12, "李华", 1.5, "第一党小组", None, "备注"],
    ],
    "inspections": [
        [datetime(2025, 4, 1), "统计执法检查", "甲科技有限公司", "企业", "王明、李华", 2, "已整改", None],
        [datetime(2025, 4, 2), "调研", "东城区统计局", "县区统计局", None, None, None, "座谈"],
    ],
    "volunteer": [
        [datetime(2025, 5, 4), "王明", "社区环境整治", "环境整治", "惠民街社区", 2.5, "签到", None],
        [datetime(2025, 5, 4), "李华", "社区环境整治", None, None, 3, "补录", "补记"],
    ],
    "targets": [[2025, "study.collective", 24, "集中学习次数"], [2025, "volunteer.hours", 800.5, None]],
    "roster": [["王明", "第一党小组", "正式党员", "书记", None], ["李华", "第二党小组", "预备党员", None, None]],
}


def test_filled_template_round_trips(template, tmp_path):
    book = load(template)
    for key, rows in ROWS.items():
        sheet = book[REGISTERS[key].name]
        for row in rows:
            sheet.append(row)
    path = tmp_path / "filled.xlsx"
    book.save(path)
    parsed = read_workbook(path)
    assert parsed.ok and not parsed.issues, [i.message for i in parsed.issues]
    for key, rows in ROWS.items():
        register = REGISTERS[key]
        frame = parsed.frames[key]
        assert frame[register.keys].columns.tolist() == register.keys
        got = [[None if pd.isna(v) else v for v in record] for record in frame[register.keys].itertuples(index=False)]
        assert got == [[pd.Timestamp(v) if isinstance(v, datetime) else v for v in row] for row in rows], key
    assert split_names(parsed.frames["study"]["attendees"].iloc[0]) == ["王明", "李华"]
