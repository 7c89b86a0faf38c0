"""Read a workbook of registers (台账): find each sheet's register and header, take the data
rows, then validate them (``data.validate``). Bad cells never raise: they become ``Issue``s.

Real registers are messy; this reader copes with title rows above the header, a 序号 column,
two-row headers (a merged 人数 over 应到 | 实到), values merged down over several rows, blank
rows, 合计/总计/小计 rows and 填表人：-style footer lines (excluded, with everything below).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from datetime import time as dt_time
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from data import schema, texts
from data.errors import RejectedFile
from data.bulk import arrow_system_pool, gc_paused
from data.grids import ColumnGrid, SheetGrid, read_grids
from data.validate import Issue, Level, cell_text, is_blank, month_warnings, validate_frame

__all__ = ["Issue", "SheetResult", "ParsedWorkbook", "read_workbook"]

arrow_system_pool()  # pandas is loaded: imports of 100k rows peak lower (data.bulk)

# How many rows from the top of a sheet are searched for the header.
HEADER_SCAN_ROWS = 15
_TOTAL_PREFIXES = ("合计", "总计", "小计")
_FOOTER_RE = re.compile(r"(?:填表人|审核人|制表人|填报人|负责人|填表日期|制表日期|说明|注)[:：]")
# Headers that are expected in registers but carry nothing (never reported as extra columns).
_IGNORED_HEADERS = {"序号", "序", "编号", "no", "no."}


@dataclass
class SheetResult:
    sheet: str
    register: str | None  # register key, None when the sheet was not recognised
    header_row: int | None  # Excel row of the (first) header row
    rows: int  # data rows taken (blank, total and footer rows excluded)
    skipped: str | None = None  # Chinese reason when the sheet was skipped
    # Header texts of a register sheet that name no column of it (mappable to a column on the page)
    unmatched: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()  # keys of the required columns the sheet lacks


@dataclass
class ParsedWorkbook:
    file_name: str
    sha256: str
    sheets: list[SheetResult]
    issues: list[Issue]
    # register key -> typed frame: the register's column keys in schema order, then _sheet, _row.
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == Level.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == Level.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- header detection ----------------------------------------------------------------------------

@cache
def _header_lookup(register_key: str) -> dict[str, schema.Column]:
    return {schema.header_key(h): col for col in schema.REGISTERS[register_key].columns for h in col.headers}


def _column_for(register_key: str, header: str, extra: dict[str, schema.Column] | None = None) -> schema.Column | None:
    """The column a header names: exactly, or once a bracketed unit or a * mark is removed.
    ``extra``: the branch's own header aliases for the register (header key -> column)."""
    lookup = _header_lookup(register_key)
    key = schema.header_key(header)
    stripped = re.sub(r"\(.*?\)|\*", "", key)
    found = lookup.get(key) or lookup.get(stripped)
    if found is None and extra:
        found = extra.get(key) or extra.get(stripped)
    return found


@dataclass
class _Header:
    row: int  # index in the grid of the first header row
    span: int  # 1 or 2 header rows
    labels: dict[int, list[str]]  # grid column -> header texts to try, best first
    shown: dict[int, str]  # grid column -> header as shown to users


@dataclass
class _Match:
    register: schema.Register
    header: _Header
    columns: dict[int, schema.Column]  # grid column -> register column

    @property
    def complete(self) -> bool:
        found = {c.key for c in self.columns.values()}
        return all(c.key in found for c in self.register.required)

    @property
    def missing(self) -> list[schema.Column]:
        found = {c.key for c in self.columns.values()}
        return [c for c in self.register.required if c.key not in found]

    def rank(self) -> tuple:
        return (self.complete, len(self.columns), -self.header.span, len(self.header.shown), -self.header.row)


def _text(value: object) -> str:
    return "" if is_blank(value) else schema.normalize_text(cell_text(value))


def _headers(grid: list[list], merges: list[tuple[int, int, int, int]], r: int) -> list[_Header]:
    """Ways to read row ``r`` as the header: alone, and with the row below when row ``r`` has a
    merged cell spanning columns (人数 over 应到 | 实到) with child headers under it."""
    width = len(grid[r])
    single = {c: _text(grid[r][c]) for c in range(width)}
    single = {c: t for c, t in single.items() if t}
    out = [_Header(r, 1, {c: [t] for c, t in single.items()}, dict(single))]
    if r + 1 >= len(grid):
        return out
    below = {c: _text(grid[r + 1][c]) for c in range(width)}
    parents: dict[int, str] = {}
    for top, left, bottom, right in merges:
        if top == r and bottom == r and right > left:
            for c in range(left, min(right, width - 1) + 1):
                parents[c] = _text(grid[r][left])
    if not any(below.get(c) for c in parents):
        return out
    labels, shown = {}, {}
    for c in range(width):
        parent, child = parents.get(c), below[c]
        if parent is not None and child:
            labels[c] = [child, child + parent, parent + child]
            shown[c] = f"{parent}/{child}" if parent else child
        elif single.get(c):
            labels[c], shown[c] = [single[c]], single[c]
        elif child:
            labels[c], shown[c] = [child], child
    out.append(_Header(r, 2, labels, shown))
    return out


def _match(register: schema.Register, header: _Header, aliases=None) -> _Match:
    columns: dict[int, schema.Column] = {}
    used: set[str] = set()
    extra = aliases.header_columns(register.key) if aliases is not None else None
    for c, candidates in header.labels.items():
        for text in candidates:
            col = _column_for(register.key, text, extra)
            if col is not None and col.key not in used:
                columns[c] = col
                used.add(col.key)
                break
    return _Match(register, header, columns)


def _find_header(grid, merges, registers: list[schema.Register], aliases=None) -> list[_Match]:
    """For each register, its best reading of the first rows as a header."""
    headers = [h for r in range(min(HEADER_SCAN_ROWS, len(grid))) for h in _headers(grid, merges, r)]
    best = []
    for reg in registers:
        matches = [_match(reg, h, aliases) for h in headers]
        best.append(max(matches, key=_Match.rank))
    return best


# Sheet names that name a register only loosely: a sheet so named whose headers do not fit is
# skipped with a warning (an extra 计划 sheet may hold a study plan) instead of refusing the file.
# The exact register names and the specific aliases (学习台账, 计划目标 …) keep strict matching.
GENERIC_SHEET_NAMES = frozenset(schema.header_key(n) for n in (
    "计划", "目标", "年度计划", "名册", "花名册", "党员花名册", "志愿者服务", "组织生活", "三会一课", "执法检查"))


def _recognise(sheet_name: str, grid, merges, aliases=None) -> tuple[_Match | None, str | None, bool]:
    """(match, skip reason, whether the skip is worth a warning): by sheet name first, else by headers (all required columns and at least
    two known ones). A sheet named after a register always gets its match, complete or not, unless
    the name is only a generic one (GENERIC_SHEET_NAMES): then headers that do not fit that register
    are recognised as any register's, or the sheet is skipped with a warning."""
    named = schema.register_by_sheet(sheet_name)
    if named is not None:
        match = _find_header(grid, merges, [named], aliases)[0]
        if match.complete or schema.header_key(sheet_name) not in GENERIC_SHEET_NAMES:
            return match, None, False
        other, _ = _recognise_by_headers(grid, merges, aliases)
        if other is not None:
            return other, None, False
        return None, texts.READER_SKIP_GENERIC.format(
            sheet=sheet_name, register=named.name, columns=_labels(match.missing)), True
    return *_recognise_by_headers(grid, merges, aliases), False


def _recognise_by_headers(grid, merges, aliases=None) -> tuple[_Match | None, str | None]:
    candidates = _find_header(grid, merges, list(schema.REGISTERS.values()), aliases)
    complete = [m for m in candidates if m.complete and len(m.columns) >= 2]
    if complete:
        return max(complete, key=lambda m: (len(m.columns), len(m.columns) / len(m.register.columns))), None
    closest = max(candidates, key=lambda m: len(m.columns))
    if len(closest.columns) >= 2:
        return None, texts.READER_SKIP_CLOSEST.format(
            register=closest.register.name, columns=_labels(closest.missing))
    return None, texts.READER_SKIP_UNKNOWN


def _unmatched(header: _Header, match: _Match) -> list[str]:
    """The header texts that name no column of the matched register (序号 and the like aside)."""
    return [t for c, t in header.shown.items()
            if c not in match.columns and schema.header_key(t).lower() not in _IGNORED_HEADERS]


def _labels(columns) -> str:
    return texts.capped((f"「{c.label}」" for c in columns), sep="")


def _with_bad_cells(reason: str | None, sheet: SheetGrid) -> str | None:
    """A skipped sheet's reason, noting the cells calamine could not convert (not imported)."""
    if not sheet.bad_cells:
        return reason
    cells = texts.capped(f"{c.ref} {c.shown}" for c in sheet.bad_cells)
    return texts.READER_SKIP_BAD_CELLS.format(reason=reason or "", cells=cells)


_CLOCK = re.compile(r"^\s*(\d{1,2})[:：]([0-5]\d)(?:[:：]([0-5]\d))?\s*$")


def _hours_as_time(raw: pd.DataFrame, register: schema.Register) -> None:
    """A 时长/学时 typed as a time ("3:00", "1:30", or a number in a time-formatted cell, which
    calamine gives as a time or duration) means hours and minutes: becomes hours (3.0, 1.5)."""
    if "hours" not in raw:
        return
    values = raw["hours"]
    codes, uniques = pd.factorize(values.to_numpy(dtype=object))  # each distinct value looked at once
    clock = [isinstance(v, (dt_time, timedelta)) or (isinstance(v, str) and bool(_CLOCK.match(v))) for v in uniques]
    mask = pd.Series(np.array([*clock, False], dtype=bool)[codes], index=values.index)
    if mask.any():
        raw.loc[mask, "hours"] = values[mask].map(_clock_hours)


def _clock_hours(value) -> float:
    if isinstance(value, dt_time):
        return value.hour + value.minute / 60 + value.second / 3600
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600
    h, m, sec = _CLOCK.match(value).groups()
    return int(h) + int(m) / 60 + int(sec or 0) / 3600


# --- data rows -------------------------------------------------------------------------------------

def _blank(values: np.ndarray) -> np.ndarray:
    """``is_blank`` of each value of a 1-D object array, evaluated once per distinct value."""
    codes, uniques = pd.factorize(values)
    return np.array([is_blank(u) for u in uniques] + [True], dtype=bool)[codes]


def _first_filled(body: np.ndarray, columns: list[int], rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``, the first of ``columns`` whose cell is not blank, -1 if none. A column
    is only looked at for the rows still without one: the first column usually settles them all."""
    found = np.full(len(rows), -1, dtype=np.int64)
    pending = np.arange(len(rows))
    for c in columns:
        if not pending.size:
            break
        blank = _blank(body[rows[pending], c])
        found[pending[~blank]] = c
        pending = pending[blank]
    return found


_PLAIN, _TOTAL, _FOOTER = 0, 1, 2


def _kind(value: object) -> int:
    """Whether a row whose first non-blank cell is ``value`` is data, a total or the footer."""
    if not isinstance(value, str):
        return _PLAIN
    key = schema.header_key(value)
    return _FOOTER if _FOOTER_RE.match(key) else _TOTAL if key.startswith(_TOTAL_PREFIXES) else _PLAIN


def _body(lines: list[list]) -> np.ndarray:
    """The rows as a 2-D object array (rows padded with None should their lengths differ)."""
    lengths = set(map(len, lines))
    width = max(lengths, default=0)
    if len(lengths) > 1:
        lines = [line + [None] * (width - len(line)) for line in lines]
    body = np.empty((len(lines), width), dtype=object)
    if body.size:
        body[:] = lines
    return body


def _data_rows(grid, merges, match: _Match, first_excel_row: int) -> tuple[pd.DataFrame, int]:
    """Raw frame of the rows under the header (column keys + _row) and the number of rows kept.

    Skipped: blank rows, rows whose first non-blank cell starts with 合计/总计/小计, rows with only
    unmatched columns filled (a pre-filled 序号); the footer line and everything below it ends
    the table. Blank cells under a vertically merged cell take its value. Column-wise, with each
    distinct value looked at once (100k-row sheets)."""
    cols = sorted(match.columns)
    keys = [match.columns[c].key for c in cols]
    start = match.header.row + match.header.span
    body = grid.body(start) if isinstance(grid, ColumnGrid) else _body(grid[start:])
    n, width = body.shape
    first_col = _first_filled(body, list(range(width)), np.arange(n))
    used = np.flatnonzero(first_col >= 0)
    codes, uniques = pd.factorize(body[used, first_col[used]])
    kinds = np.full(n, _PLAIN, dtype=np.int8)
    kinds[used] = np.array([_kind(u) for u in uniques] + [_PLAIN], dtype=np.int8)[codes]
    # A row has a value in a matched column if its first filled cell is one; else look further.
    has_value = np.isin(first_col, cols)
    unmatched = used[~has_value[used]]
    has_value[unmatched] = _first_filled(body, cols, unmatched) >= 0
    footer = used[kinds[used] == _FOOTER]
    keep = (kinds == _PLAIN) & has_value
    keep[footer[0] if len(footer) else n:] = False
    picked = np.flatnonzero(keep)
    out = body[np.ix_(picked, cols)]
    filled: dict[tuple[int, int], object] = {}
    for top, left, bottom, _right in merges:
        if bottom > top and top >= start and left in match.columns:
            for r in range(top + 1, bottom + 1):
                filled[(r - start, left)] = grid[top][left]
    if filled:
        at = {r: i for i, r in enumerate(picked.tolist())}
        where = {c: j for j, c in enumerate(cols)}
        for (r, c), value in filled.items():
            if r in at and is_blank(body[r, c]):
                out[at[r], where[c]] = value
    raw = pd.DataFrame({k: out[:, j] for j, k in enumerate(keys)}, columns=keys, dtype=object)
    raw["_row"] = pd.Series(first_excel_row + start + picked, dtype="int64")
    return raw, len(picked)


# --- workbook ---------------------------------------------------------------------------------------

def _load(source, file_name: str | None) -> tuple[bytes, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), file_name or texts.READER_DEFAULT_FILE_NAME
    if hasattr(source, "read"):  # an uploaded file object
        return source.read(), file_name or getattr(source, "name", None) or texts.READER_DEFAULT_FILE_NAME
    path = Path(source)
    name = file_name or path.name
    try:
        return path.read_bytes(), name
    except OSError as err:
        raise RejectedFile(texts.READER_NO_FILE.format(file=name), code="unreadable") from err


def read_workbook(source: bytes | str | os.PathLike, file_name: str | None = None, *, today: date | None = None,
                  indicator_names=None, aliases=None) -> ParsedWorkbook:
    """Read, normalise and validate a workbook: an .xlsx that ``data.safety`` lets through, or an
.xls read in the sandbox (``data.grids``).

    Never raises for bad cells (they become Issues); raises ``RejectedFile`` with a Chinese
    message only when the file is not a readable workbook at all. ``indicator_names``: the known
    indicator keys and names for the 计划目标 register (None skips that check). ``aliases``: the
    branch's own words (a ``data.aliases.Vocabulary``), recognised beside the schema's headers and values.
    """
    with gc_paused():
        return _read(source, file_name, today, indicator_names, aliases)


def _read(source, file_name: str | None, today: date | None, indicator_names, aliases=None) -> ParsedWorkbook:
    data, name = _load(source, file_name)
    sheets: list[SheetResult] = []
    issues: list[Issue] = []
    raws: dict[str, list[pd.DataFrame]] = {}
    bad_cells: dict[str, dict[tuple[int, str], object]] = {}  # register -> (row, column label) -> cell
    pending = read_grids(data, name)[::-1]
    while pending:
        grid_sheet = pending.pop()  # dropped once read: a sheet's cells are not kept past its rows
        sheet_name = grid_sheet.name
        if grid_sheet.skipped:
            sheets.append(SheetResult(sheet_name, None, None, 0, grid_sheet.skipped))
            continue
        if grid_sheet.unreadable:
            issues.append(Issue.error(name, grid_sheet.unreadable, sheet=sheet_name))
            sheets.append(SheetResult(sheet_name, None, None, 0, None))
            continue
        grid, merges, first_row = grid_sheet.grid, grid_sheet.merges, grid_sheet.first_row
        if not grid:
            sheets.append(SheetResult(sheet_name, None, None, 0, texts.READER_SKIP_EMPTY))
            continue
        if schema.header_key(sheet_name) == schema.header_key(texts.TEMPLATE_GUIDE_SHEET):
            sheets.append(SheetResult(sheet_name, None, None, 0, None))  # the template's own guide
            continue
        match, reason, warn = _recognise(sheet_name, grid, merges, aliases)
        if match is None:
            if warn:
                issues.append(Issue.warning(name, texts.READER_GENERIC_SKIPPED.format(file=name, reason=reason),
                                            sheet=sheet_name))
            sheets.append(SheetResult(sheet_name, None, None, 0, _with_bad_cells(reason, grid_sheet)))
            continue
        reg, header = match.register, match.header
        header_row = first_row + header.row
        if not match.complete:
            found = texts.capped(header.shown.values()) or texts.READER_NO_HEADERS
            missing = match.missing
            issues.append(Issue.error(name, texts.READER_MISSING_COLUMNS.format(
                file=name, sheet=sheet_name, columns=_labels(missing), headers=found),
                sheet=sheet_name, row=header_row if match.columns else None,
                column="、".join(c.label for c in missing)))
            sheets.append(SheetResult(sheet_name, reg.key, header_row if match.columns else None, 0,
                                      unmatched=tuple(_unmatched(header, match)),
                                      missing=tuple(c.key for c in missing)))
            continue
        extra = _unmatched(header, match)
        if extra:
            issues.append(Issue.warning(name, texts.READER_EXTRA_COLUMNS.format(
                file=name, sheet=sheet_name, row=header_row, register=reg.name, headers=texts.capped(extra)),
                sheet=sheet_name, row=header_row))
        raw, count = _data_rows(grid, merges, match, first_row)
        _hours_as_time(raw, reg)
        raw["_sheet"] = sheet_name
        raws.setdefault(reg.key, []).append(raw)
        sheets.append(SheetResult(sheet_name, reg.key, header_row, count, unmatched=tuple(extra)))
        columns = {c + grid_sheet.first_col: col for c, col in match.columns.items()}
        for cell in grid_sheet.bad_cells:
            if cell.col in columns and cell.row > header_row:
                col = columns[cell.col]
                bad_cells.setdefault(reg.key, {})[(cell.row, col.label)] = cell
                where = texts.READER_WHERE.format(file=name, sheet=sheet_name, row=cell.row)
                issues.append(Issue.error(name, texts.READER_BAD_CELL.format(
                    where=where, column=col.label, value=cell.shown, kind=texts.READER_BAD_CELL_KINDS[cell.kind]),
                    sheet=sheet_name, row=cell.row, column=col.label, value=cell.shown))
    grid_sheet = grid = None  # the last sheet's cells: free before validating

    frames: dict[str, pd.DataFrame] = {}
    raw_frames: dict[str, pd.DataFrame] = {}
    for key in schema.REGISTER_KEYS:
        if key in raws:
            raw = pd.concat(raws[key], ignore_index=True) if len(raws[key]) > 1 else raws[key][0]
            frames[key], found = validate_frame(key, raw, file_name=name, today=today,
                                                indicator_names=indicator_names,
                                                value_aliases=aliases.values.get(key) if aliases else None)
            raw_frames[key] = raw
            bad = bad_cells.get(key, {})  # already reported as cells calamine could not convert
            issues.extend(i for i in found if (i.row, i.column) not in bad)
    issues.extend(month_warnings(frames, raw_frames, name))
    if not any(s.register for s in sheets) and not any(i.level == Level.ERROR for i in issues):
        names = texts.capped(r.name for r in schema.REGISTERS.values())
        issues.append(Issue.error(name, texts.READER_NO_REGISTER.format(file=name, names=names)))
    elif not any(s.rows for s in sheets) and not any(i.level == Level.ERROR for i in issues):
        only_headers = texts.capped(s.sheet for s in sheets if s.register)
        issues.append(Issue.error(name, texts.READER_NO_ROWS.format(file=name, sheets=only_headers)))
    order = {s.sheet: i for i, s in enumerate(sheets)}
    issues.sort(key=lambda i: (order.get(i.sheet, -1), i.row or 0))
    return ParsedWorkbook(name, hashlib.sha256(data).hexdigest(), sheets, issues, frames)
