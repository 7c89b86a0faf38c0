"""The format-1 backup writer (``dangjian-backup/1``: one .xlsx workbook) as the previous version
of data/backup.py wrote it, kept here only to make old backups for the restore tests."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import sqlalchemy as sa
import xlsxwriter

from data import texts
from data.backup import LEGACY_FORMAT as FORMAT, sheet_name, tables
from data.errors import DataError
from data.store import Store
from data.tables import METADATA

_EXACT_INT = 2**53


def _snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key, read in one transaction (one consistent state)."""
    engine = store.engine
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.begin() as conn:
        return {t.name: conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                for t in METADATA.sorted_tables}


def _write_cell(sheet, row: int, col: int, value, column: sa.Column, date_format) -> None:
    if value is None:
        return
    kind = column.type
    if isinstance(kind, sa.DateTime):
        sheet.write_string(row, col, value.isoformat(sep=" "))
    elif isinstance(kind, sa.Date):
        if value.year >= 1900:
            sheet.write_datetime(row, col, datetime.combine(value, time()), date_format)
        else:
            sheet.write_string(row, col, value.isoformat())
    elif isinstance(kind, sa.Integer):
        if abs(value) < _EXACT_INT:
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, str(value))
    elif isinstance(kind, sa.Float):
        if float(f"{value:.16G}") == value:  # what XlsxWriter writes
            sheet.write_number(row, col, value)
        else:
            sheet.write_string(row, col, repr(value))
    elif sheet.write_string(row, col, value) == -2:  # XlsxWriter would cut it at 32767 characters
        raise DataError(texts.BACKUP_TOO_LONG.format(
            sheet=sheet.get_name(), row=row + 1, column=column.name))


def backup_bytes(store: Store, *, now: datetime | None = None) -> bytes:
    """The workbook of every table (all branches), stamped ``now`` (UTC); writes nothing."""
    data = _snapshot(store)
    buffer = io.BytesIO()
    # constant_memory: rows go to temporary files as written, and text is written as inline
    # strings, which XlsxWriter escapes fully and openpyxl reads back as written.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    info = book.add_worksheet(texts.BACKUP_INFO_SHEET)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S")
    lines = [(texts.BACKUP_INFO_FORMAT, FORMAT), (texts.BACKUP_INFO_TIME, stamp),
             (texts.BACKUP_INFO_NOTE, texts.BACKUP_INFO_NOTE_TEXT)]
    lines += [(texts.BACKUP_INFO_ROWS.format(sheet=sheet_name(t)), len(data[t.name]))
              for t in tables()]
    for j, header in enumerate(texts.BACKUP_INFO_HEADERS):
        info.write_string(0, j, header, bold)
    for i, (key, value) in enumerate(lines, start=1):
        info.write_string(i, 0, key)
        if isinstance(value, str):
            info.write_string(i, 1, value)
        else:
            info.write_number(i, 1, value)
    info.set_column(0, 0, 24)
    info.set_column(1, 1, 100)
    for t in tables():
        sheet = book.add_worksheet(sheet_name(t))
        columns = list(t.columns)
        for j, column in enumerate(columns):
            sheet.write_string(0, j, column.name, bold)
            sheet.set_column(j, j, 14)
        for i, row in enumerate(data[t.name], start=1):
            for j, (value, column) in enumerate(zip(row, columns)):
                _write_cell(sheet, i, j, value, column, date_format)
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
