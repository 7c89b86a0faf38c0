"""data.grids reads an .xlsx sheet column by column while calamine's rows stream by, with one object
per distinct value (bench item 5: the peak memory of a 100k-row import). What the reader sees must be
exactly what python-calamine's own ``to_python`` gives: the same values of the same types, cell by cell."""

from __future__ import annotations

import io
import math
from datetime import date, datetime, time

import pytest
from python_calamine import CalamineWorkbook

from data import grids
from data.grids import ColumnGrid, read_grids
from tests.xlsx_factory import Sheet, xlsx_bytes

# A column mixing what hashes alike but must stay apart: 1, 1.0 and True; 0.0, -0.0 and False;
# a date and the same day as a date-time; texts repeated over blocks; blank cells.
MIXED = [
    ["日期", "数量", "主题", "备注"],
    [date(2025, 3, 1), 1, "学习党章", True],
    [datetime(2025, 3, 1), 1.0, "学习党章", 1],
    [date(2025, 3, 1), True, "学习党章", 1.0],
    ["2025.3.1", 0.0, "集中学习", False],
    [date(2025, 3, 2), -0.0, None, 0],
    [time(9, 30), False, "集中学习", "-0"],
    [date(2025, 3, 2), 2.5, "学习党章", None],
    [None, None, None, None],
    ["填表人：张三", 3, "学习党章", "x"],
]


def _same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b


def _sheets(data: bytes):
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [(name, book.get_sheet_by_name(name)) for name in book.sheet_names]


@pytest.mark.parametrize("block", [2, 3, ColumnGrid.BLOCK])
@pytest.mark.parametrize("origin", ["A1", "C4"])
def test_column_grid_is_what_calamine_gives(monkeypatch, block, origin):
    monkeypatch.setattr(ColumnGrid, "BLOCK", block)
    data = xlsx_bytes({"学习教育": Sheet(rows=MIXED, origin=origin, merges=[]),
                       "空表": Sheet(rows=[])})
    for name, sheet in _sheets(data):
        expected = sheet.to_python()
        grid = ColumnGrid.of(sheet)
        assert len(grid) == len(expected), name
        for r, row in enumerate(expected):
            got = grid[r]
            assert len(got) == len(row) and all(_same(a, b) for a, b in zip(got, row)), (name, r, got, row)
        start = min(2, len(expected))
        body = grid.body(start)
        assert body.shape == (len(expected) - start, len(expected[0]) if expected else 0)
        assert all(_same(a, b) for got, row in zip(body.tolist(), expected[start:]) for a, b in zip(got, row))


def test_repeated_values_are_one_object_across_blocks(monkeypatch):
    monkeypatch.setattr(ColumnGrid, "BLOCK", 2)
    rows = [["主题", "学时"]] + [[f"专题{i % 3}", 1.5] for i in range(12)]
    (_name, sheet), = _sheets(xlsx_bytes({"学习教育": rows}))
    grid = ColumnGrid.of(sheet)
    topics, hours = grid.columns
    assert len({id(v) for v in topics[1:]}) == 3
    assert len({id(v) for v in hours[1:]}) == 1


def test_read_grids_gives_column_grids_for_xlsx():
    data = xlsx_bytes({"学习教育": MIXED})
    sheet, = read_grids(data, "台账.xlsx")
    assert isinstance(sheet.grid, ColumnGrid) and len(sheet.grid) == len(MIXED)
    assert sheet.grid[1][0] == date(2025, 3, 1) and grids.ColumnGrid is ColumnGrid
