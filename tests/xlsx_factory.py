"""Tiny helpers to build test workbooks with openpyxl: cells, merges, number formats.

    path = write_xlsx(tmp_path / "t.xlsx", {"学习教育": Sheet(rows=[...], merges=["A1:C1"])})
    rows = register_rows("study", [{"date": "2022-03-15", "type": "集中学习", "topic": "…"}])

Values are written as given (str, int, float, date, datetime); ``None`` leaves a cell empty.
Note that openpyxl empties every cell of a merged range except the top-left one, like Excel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

from data import schema


@dataclass
class Sheet:
    rows: list[list]
    merges: list[str] = field(default_factory=list)  # e.g. ["A1:H1", "B4:B6"]
    formats: dict[str, str] = field(default_factory=dict)  # cell -> number format, e.g. {"B4": "yyyy/m/d"}
    origin: str = "A1"  # top-left cell of ``rows``
    hidden: bool = False


def build_workbook(sheets: dict[str, Sheet | list[list]]) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for name, spec in sheets.items():
        spec = spec if isinstance(spec, Sheet) else Sheet(rows=spec)
        ws = wb.create_sheet(name)
        col_letter, row0 = coordinate_from_string(spec.origin)
        col0 = column_index_from_string(col_letter)
        for i, values in enumerate(spec.rows):
            for j, value in enumerate(values):
                if value is not None:
                    ws.cell(row=row0 + i, column=col0 + j, value=value)
        for cell, fmt in spec.formats.items():
            ws[cell].number_format = fmt
        for rng in spec.merges:
            ws.merge_cells(rng)
        if spec.hidden:
            ws.sheet_state = "hidden"
    return wb


def write_xlsx(path: str | Path, sheets: dict[str, Sheet | list[list]]) -> Path:
    """Write a workbook with the given sheets (in order) and return its path."""
    path = Path(path)
    build_workbook(sheets).save(path)
    return path


def xlsx_bytes(sheets: dict[str, Sheet | list[list]]) -> bytes:
    buf = io.BytesIO()
    build_workbook(sheets).save(buf)
    return buf.getvalue()


def register_rows(register_key: str, records: list[dict], keys: list[str] | None = None,
                  title: str | None = None) -> list[list]:
    """Header (canonical labels from the schema) and one row per record (dict of column key -> value).

    ``keys``: the columns to write, default the required ones plus those any record uses.
    """
    reg = schema.REGISTERS[register_key]
    if keys is None:
        used = {k for rec in records for k in rec}
        keys = [c.key for c in reg.columns if c.required or c.key in used]
    rows = [[reg.column(k).label for k in keys]] + [[rec.get(k) for k in keys] for rec in records]
    return ([[title]] if title else []) + rows
