"""Exports of one register's rows as .xlsx (XlsxWriter) or CSV, safe to open in Excel/WPS.

Headers are the schema's Chinese labels in schema order; only register columns are written.
Text that Excel would take for a formula is neutralised by ``neutralize`` (the one place that
rule lives) and always written as a string, so an export never contains a formula cell.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pandas as pd
import xlsxwriter

from data import texts
from data.schema import DATE, FLOAT, INT, REGISTERS, YEAR, Column
from data.texts import display_width

# A cell starting with one of these is read by Excel (or by a CSV import) as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")
# U+FFFE and U+FFFF are not allowed in XML, and XlsxWriter does not escape them.
_XML_ILLEGAL = {0xFFFE: None, 0xFFFF: None}
_DATE_FORMAT = "yyyy-mm-dd"
_MIN_WIDTH, _MAX_WIDTH = 8, 60
# The header cells of every workbook the app writes (exports, audit log, backup): XlsxWriter format.
HEADER_STYLE = {"bold": True, "bg_color": "#F2DCDB", "border": 1}


def neutralize(text: str) -> str:
    """``text`` with a leading ' if it starts like a formula (= + - @ tab CR NUL), else unchanged."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def column_values(frame: pd.DataFrame, col: Column) -> list:
    """One register column of ``frame`` as cell values: datetime, int, float, str or None (empty).
    A column missing from ``frame`` is all empty."""
    if col.key not in frame.columns:
        return [None] * len(frame)
    series = frame[col.key]
    if col.kind == DATE:
        return [None if pd.isna(v) else v.to_pydatetime() for v in pd.to_datetime(series)]
    values = series.tolist()  # far faster than iterating an Arrow-backed column
    if col.kind in (INT, YEAR):
        return [None if pd.isna(v) else int(v) for v in values]
    if col.kind == FLOAT:
        return [None if pd.isna(v) else float(v) for v in values]
    return [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]


def _columns(frame: pd.DataFrame, register: str) -> list[tuple[Column, list]]:
    return [(col, column_values(frame, col)) for col in REGISTERS[register].columns]


def _width(label: str, values: list) -> int:
    widest = display_width(label) + 2
    for v in set(values):  # registers repeat values: measure each once
        if isinstance(v, datetime):
            widest = max(widest, len(_DATE_FORMAT) + 2)
        elif v is not None:
            widest = max(widest, display_width(str(v)) + 2)
            if widest >= _MAX_WIDTH:
                break
    return min(max(widest, _MIN_WIDTH), _MAX_WIDTH)


def to_xlsx(frame: pd.DataFrame, register: str, *, filters: dict[str, str] | None = None,
            exported_at: datetime | None = None) -> bytes:
    """The rows as an .xlsx: one data sheet (frozen header, autofilter) and a 口径说明 sheet."""
    columns = _columns(frame, register)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "nan_inf_to_errors": True})
    header = book.add_format({**HEADER_STYLE, "valign": "vcenter"})
    date_format = book.add_format({"num_format": _DATE_FORMAT})
    sheet = book.add_worksheet(REGISTERS[register].name)
    for j, (col, values) in enumerate(columns):
        sheet.write_string(0, j, col.label, header)
        shown = {v: neutralize(v).translate(_XML_ILLEGAL) for v in set(values) if isinstance(v, str)}
        for i, value in enumerate(values, start=1):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(i, j, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(i, j, shown[value])
            else:
                sheet.write_number(i, j, value)
        sheet.set_column(j, j, _width(col.label, values))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(frame), len(columns) - 1)

    when = exported_at or datetime.now()
    rows = [(texts.EXPORT_NOTE_REGISTER, REGISTERS[register].name)]
    rows += [(texts.EXPORT_NOTE_FILTERS, f"{key}：{value}") for key, value in (filters or {}).items()]
    if not filters:
        rows.append((texts.EXPORT_NOTE_FILTERS, texts.EXPORT_NOTE_NO_FILTER))
    rows += [(texts.EXPORT_NOTE_ROWS, len(frame)),
             (texts.EXPORT_NOTE_TIME, when.strftime("%Y-%m-%d %H:%M:%S")),
             (texts.EXPORT_NOTE_SAFETY, texts.EXPORT_NOTE_SAFETY_TEXT)]
    write_pairs(book, texts.EXPORT_NOTE_SHEET, texts.EXPORT_NOTE_HEADERS, rows, header, (14, 80))
    book.close()
    return buffer.getvalue()


def tables_to_xlsx(sheets: dict[str, pd.DataFrame], *, index: bool = True) -> bytes:
    """Several already-labelled tables as one .xlsx, one sheet each (bold frozen header, the index
    as the first column when ``index``); text neutralised against formulas, NaN as empty cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "nan_inf_to_errors": True})
    header = book.add_format({**HEADER_STYLE, "valign": "vcenter"})
    for name, frame in sheets.items():
        frame = frame.reset_index() if index else frame
        sheet = book.add_worksheet(name)
        for j, label in enumerate(frame.columns):
            sheet.write_string(0, j, neutralize(str(label)).translate(_XML_ILLEGAL), header)
            values = frame.iloc[:, j].tolist()
            for i, value in enumerate(values, start=1):
                if value is None or (isinstance(value, float) and value != value):
                    continue
                if isinstance(value, str):
                    sheet.write_string(i, j, neutralize(value).translate(_XML_ILLEGAL))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(i, j, value)
                else:
                    sheet.write_string(i, j, neutralize(str(value)).translate(_XML_ILLEGAL))
            sheet.set_column(j, j, _width(str(label), [v for v in values if isinstance(v, str)]))
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def write_pairs(book: xlsxwriter.Workbook, name: str, headers: tuple[str, str], rows: list[tuple],
                header_format, widths: tuple[int, int]) -> None:
    """A two-column sheet (项目, 内容) of ``rows`` (label, text or number): the note that heads an
    export or a backup. Text is neutralised against formulas."""
    sheet = book.add_worksheet(name)
    for j, label in enumerate(headers):
        sheet.write_string(0, j, label, header_format)
    for i, (key, value) in enumerate(rows, start=1):
        sheet.write_string(i, 0, key)
        if isinstance(value, str):
            sheet.write_string(i, 1, neutralize(value).translate(_XML_ILLEGAL))
        else:
            sheet.write_number(i, 1, value)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width)


def _csv_field(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return neutralize(value)
    return str(value)


def to_csv(frame: pd.DataFrame, register: str) -> bytes:
    """The rows as CSV: UTF-8 with BOM (Excel opens it ungarbled), every field quoted, ISO dates."""
    columns = _columns(frame, register)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow([col.label for col, _ in columns])
    for row in zip(*(values for _, values in columns)):
        writer.writerow([_csv_field(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
