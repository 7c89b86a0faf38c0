"""Exports: .xlsx read back with openpyxl/calamine, CSV with the csv module, formula neutralisation."""

import csv
import io
import re
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from data import texts
from data.export import FORMULA_PREFIXES, neutralize, to_csv, to_xlsx
from data.reader import read_workbook
from data.schema import REGISTERS, normalize_text

PAYLOADS = ['=HYPERLINK("http://x")', "+1", "-1", "@SUM(A1)", "\tx", "\rx", "a\r\nb", "=cmd|' /C calc'!A0", "\0cmd",
            "a\nb\rc"]


def study_frame(topics: list[str]) -> pd.DataFrame:
    """A study frame shaped like the store's: schema keys (plus store columns), schema dtypes."""
    n = len(topics)
    return pd.DataFrame({
        "id": range(n),  # not a register column: never exported
        "date": pd.to_datetime([f"2025-03-{1 + i % 28:02d}" for i in range(n)]),
        "type": ["集中学习"] * n,
        "topic": topics,
        "speaker": [None] * n,
        "expected": pd.array([35] + [None] * (n - 1), dtype="Int64"),
        "present": pd.array([33] * n, dtype="Int64"),
        "attendees": ["张三、李四"] * n,
        "hours": [2.5] + [float("nan")] * (n - 1),
    })


def sheet_rows(data: bytes, sheet: str) -> list[list]:
    """Cell values as Excel shows them (calamine decodes OOXML escapes such as _x000D_)."""
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python()


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("\0x", "'\0x"), ("a\r\nb", "a\r\nb"), ("1=1", "1=1"), ("集中学习", "集中学习"),
    ("", ""), (" =1", " =1"), ("'=1", "'=1"),
])
def test_neutralize(text, expected):
    assert neutralize(text) == expected


def test_xlsx_headers_types_and_layout():
    frame = study_frame(["学习党章", "研讨" * 40])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, "study")))
    assert book.sheetnames == [REGISTERS["study"].name, texts.EXPORT_NOTE_SHEET]
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.label for c in REGISTERS["study"].columns]
    assert rows[1][:9] == (datetime(2025, 3, 1), "集中学习", "学习党章", None, 35, 33, "张三、李四", 2.5, None)
    assert rows[2][4] is None and rows[2][7] is None
    assert sheet["A2"].number_format == "yyyy-mm-dd" and sheet["A2"].is_date
    assert sheet["E2"].data_type == "n"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K3"
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEFGHIJK"}
    # long text: wide but capped (XlsxWriter adds 0.71 to every width)
    assert widths["A"] >= len("yyyy-mm-dd") and 40 <= widths["C"] < 61
    assert all(8 <= w < 61 for w in widths.values())


@pytest.mark.parametrize("register", REGISTERS)
def test_every_register_exports_its_labels_in_schema_order(register):
    reg = REGISTERS[register]
    frame = pd.DataFrame({key: [] for key in reversed(reg.keys)} | {"branch": []})
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame, register))).worksheets[0]
    assert [c.value for c in sheet[1]] == [c.label for c in reg.columns]
    assert sheet.max_row == 1
    assert next(csv.reader(io.StringIO(to_csv(frame, register).decode("utf-8-sig")))) == [c.label for c in reg.columns]


def test_note_sheet_states_register_filters_rows_and_time():
    data = to_xlsx(study_frame(["a", "b", "c"]), "study", filters={"起始日期": "2025-01-01", "类型": "=集中学习"},
                   exported_at=datetime(2025, 6, 30, 9, 5, 1))
    note = [tuple(r) for r in sheet_rows(data, texts.EXPORT_NOTE_SHEET)]
    assert note[0] == texts.EXPORT_NOTE_HEADERS
    assert (texts.EXPORT_NOTE_REGISTER, "学习教育") in note
    assert (texts.EXPORT_NOTE_FILTERS, "起始日期：2025-01-01") in note
    assert (texts.EXPORT_NOTE_FILTERS, "类型：=集中学习") in note  # not at the start: stays as typed
    assert (texts.EXPORT_NOTE_ROWS, 3.0) in note
    assert (texts.EXPORT_NOTE_TIME, "2025-06-30 09:05:01") in note


def test_note_sheet_without_filters():
    note = [tuple(r) for r in sheet_rows(to_xlsx(study_frame(["a"]), "study"), texts.EXPORT_NOTE_SHEET)]
    assert (texts.EXPORT_NOTE_FILTERS, texts.EXPORT_NOTE_NO_FILTER) in note


def test_xlsx_payloads_are_text_never_formulas():
    data = to_xlsx(study_frame(PAYLOADS), "study", filters={"=关键词": "=1+1"})
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and all(c.data_type != "f" for c in cells)
    topics = [row[2] for row in sheet_rows(data, "学习教育")[1:]]
    assert topics == [neutralize(p) for p in PAYLOADS]
    assert topics[:4] == ['\'=HYPERLINK("http://x")', "'+1", "'-1", "'@SUM(A1)"]
    assert (texts.EXPORT_NOTE_FILTERS, "'=关键词：=1+1") in [tuple(r) for r in sheet_rows(data, "口径说明")]


def test_csv_bom_quoting_dates_and_payloads():
    frame = study_frame(PAYLOADS)
    data = to_csv(frame, "study")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == len(PAYLOADS) + 1  # "a\r\nb" did not split a row
    assert rows[0] == [c.label for c in REGISTERS["study"].columns]
    assert rows[1][:9] == ["2025-03-01", "集中学习", neutralize(PAYLOADS[0]), "", "35", "33", "张三、李四", "2.5", ""]
    assert [r[2] for r in rows[1:]] == [neutralize(p) for p in PAYLOADS]
    quoted_all = io.StringIO()
    csv.writer(quoted_all, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    assert text == quoted_all.getvalue()  # every field quoted


def test_xlsx_export_imports_back():
    frame = study_frame(["学习党章", "=SUM(1)"])
    parsed = read_workbook(to_xlsx(frame, "study"), "export.xlsx")
    assert parsed.ok
    got = parsed.frames["study"]
    assert got["topic"].tolist() == ["学习党章", "'=SUM(1)"]
    assert got["date"].tolist() == frame["date"].tolist()
    assert got["hours"].iloc[0] == 2.5 and got["expected"].iloc[0] == 35


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_text_round_trips_neutralised(text):
    frame = study_frame(["主题", "主题"]).assign(note=[text, "x"])
    xlsx, data = to_xlsx(frame, "study"), to_csv(frame, "study")
    expected = neutralize(text)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 3 and rows[1][10] == expected
    shown = sheet_rows(xlsx, "学习教育")
    assert len(shown) == 3
    # XML cannot hold U+FFFE/U+FFFF: the xlsx drops them, nothing else changes.
    assert (shown[1][10] or "") == expected.replace("\ufffe", "").replace("\uffff", "")
    parsed = read_workbook(xlsx, "export.xlsx")
    assert parsed.ok and len(parsed.frames["study"]) == 2
    note = parsed.frames["study"]["note"].iloc[0]
    assert (note if isinstance(note, str) else "") == normalize_text(shown[1][10] or "")


# Every text column at once, with text that starts like a formula half of the time and may hold
# CR, LF, tab and NUL anywhere.
_ANY_CHAR = st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("\r\n\t\0=+-@'\"")
_TEXT = st.text(_ANY_CHAR, max_size=20)
_CELL = st.tuples(st.sampled_from(FORMULA_PREFIXES), _TEXT).map("".join) | _TEXT
_TEXT_COLUMNS = ("topic", "speaker", "attendees", "place", "note")
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s/>]")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(*[_CELL] * len(_TEXT_COLUMNS)), min_size=1, max_size=4))
def test_every_text_cell_is_neutralised_in_xlsx_and_csv(rows):
    columns = {key: [row[j] for row in rows] for j, key in enumerate(_TEXT_COLUMNS)}
    frame = study_frame(["主题"] * len(rows)).assign(**columns)
    labels = [c.label for c in REGISTERS["study"].columns]
    where = {key: labels.index(REGISTERS["study"].column(key).label) for key in _TEXT_COLUMNS}
    xlsx, data = to_xlsx(frame, "study"), to_csv(frame, "study")

    with zipfile.ZipFile(io.BytesIO(xlsx)) as zf:  # no formula element anywhere in the workbook
        assert not any(_FORMULA_TAG.search(zf.read(n)) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert all(c.data_type != "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    shown = sheet_rows(xlsx, "学习教育")[1:]
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1:]
    assert len(shown) == len(lines) == len(rows)  # no CR or LF split a row
    for key, values in columns.items():
        for i, value in enumerate(values):
            expected = neutralize(value)
            assert lines[i][where[key]] == expected
            assert (shown[i][where[key]] or "") == expected.replace("\ufffe", "").replace("\uffff", "")
            assert not expected.startswith(FORMULA_PREFIXES)
