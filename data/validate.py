"""Cell-level parsing and validation of register rows: pure functions, no I/O.

``validate_frame`` turns a raw frame (one column per column key holding cell values as the
reader found them, plus ``_row``) into a typed frame following the schema DataFrame contract,
and lists every problem as an ``Issue``. Each distinct raw value is parsed once (registers
repeat dates, types and names a lot); checks on parsed values are vectorised with pandas.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import numpy as np
import pandas as pd

from data import schema, texts


class Level(StrEnum):
    """How bad an ``Issue`` is (labels in ``texts.ISSUE_LEVELS``)."""

    ERROR = "error"  # the file is refused
    WARNING = "warning"  # shown, the file can still be stored


@dataclass(kw_only=True)
class Issue:
    """One problem, ready to show in a table (also exported as ``data.reader.Issue``). Build one with
    ``Issue.error(...)`` or ``Issue.warning(...)``."""

    level: Level
    file: str
    sheet: str | None = None
    row: int | None = None  # Excel row number, as Excel shows it
    column: str | None = None  # canonical Chinese label of the column
    value: str | None = None  # the raw cell value as text
    message: str  # full Chinese sentence naming file, sheet, row, column, value and what is expected

    @classmethod
    def error(cls, file: str, message: str, **where) -> Issue:
        """An error in ``file``; ``where``: sheet, row, column, value."""
        return cls(level=Level.ERROR, file=file, message=message, **where)

    @classmethod
    def warning(cls, file: str, message: str, **where) -> Issue:
        """A warning in ``file``; ``where``: sheet, row, column, value."""
        return cls(level=Level.WARNING, file=file, message=message, **where)


# Problem codes a parsed cell can carry (int8 arrays: they compare fast on 100k-row columns).
OK, EMPTY, BAD, NOT_WHOLE, RANGE, ABOVE, INDICATOR = range(7)

# A number typed in a date column is an Excel serial (1900 date system) in this range (1954-2119).
SERIAL_MIN, SERIAL_MAX = 20000, 80000
# Years a register date may have (also keeps every date inside datetime64[ns]).
DATE_YEARS = (1949, 2100)
_EXCEL_EPOCH = pd.Timestamp(1899, 12, 30)

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_YMD_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_UNITS = ("小时|学时|课时|时|h|hr|hrs|人次|人|名|位|次|个|家|场次|场|项|条|处|批次|批|年度|年")
_NUMBER_RE = re.compile(rf"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:{_UNITS})?", re.IGNORECASE)
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


# --- single values ----------------------------------------------------------------------------

def cell_text(value: object) -> str:
    """A raw cell value as text, as Excel would show it (for messages)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return "" if math.isnan(value) else format(value, ".15g")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def is_blank(value: object) -> bool:
    """True for None, NaN and strings of whitespace only (full-width and NBSP included)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def parse_date(value: object) -> pd.Timestamp | None:
    """A date cell as a midnight Timestamp; None if blank; ValueError if not a date.

    Accepts Excel dates and date-times, Excel serial numbers (1900 system, 20000-80000),
    YYYYMMDD numbers, and text such as 2022-03-15, 2022/3/15, 2022.3.15, 2022年3月15日,
    20220315, with an optional time. A year outside DATE_YEARS is a typo, not a date.
    """
    day = _parse_date(value)
    if day is not None and not DATE_YEARS[0] <= day.year <= DATE_YEARS[1]:
        raise ValueError(value)
    return day


def _parse_date(value: object) -> pd.Timestamp | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (dt.datetime, dt.date, np.datetime64)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float)):
        return _date_from_number(float(value))
    if not isinstance(value, str):
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", value).strip()
    if m := _DATE_RE.fullmatch(text):
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return _date_from_number(float(text))
    raise ValueError(value)


def _date_from_number(x: float) -> pd.Timestamp:
    if x.is_integer() and (m := _YMD_RE.fullmatch(str(int(x)))):
        return pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))
    if SERIAL_MIN <= x <= SERIAL_MAX:
        return _EXCEL_EPOCH + pd.Timedelta(days=math.floor(x))
    raise ValueError(x)


def parse_number(value: object) -> float | None:
    """A number cell as float; None if blank; ValueError if not a number.

    Accepts full-width digits, thousands separators and a unit suffix (2.5小时, 30人, 3次).
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", value).replace(" ", "")
    text = _THOUSANDS_RE.sub("", text)
    if m := _NUMBER_RE.fullmatch(text):
        return float(m[1])
    raise ValueError(value)


def _text(value: object) -> str | None:
    text = schema.normalize_text(value if isinstance(value, str) else cell_text(value))
    return text or None


@cache
def _enum_lookup(register_key: str, column_key: str) -> dict[str, str]:
    col = schema.REGISTERS[register_key].column(column_key)
    lookup = {schema.header_key(v): v for v in col.values}
    lookup.update({schema.header_key(a): v for a, v in col.value_aliases.items()})
    return lookup


# --- columns ------------------------------------------------------------------------------------

def _parse_unique(values: pd.Series, parse) -> tuple[list, list, np.ndarray]:
    """Apply ``parse`` (value -> parsed, raising ValueError when bad) once per distinct value.

    Returns (parsed values, problem codes) per distinct value, the last entry standing for blank
    cells (None, NaN), and ``take``: the entry of each of ``values``. Typed columns are built from
    the distinct values too, then expanded with ``take``.
    """
    arr = values.to_numpy(dtype=object)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    # True == 1 == 1.0 for hashing: if a boolean may have merged with a number (a distinct value
    # equals 0 or 1), factorize again with the booleans made text.
    if any(isinstance(u, numbers.Number) and u in (0, 1) for u in uniques) and bool in set(map(type, arr)):
        is_bool = np.fromiter((type(v) is bool for v in arr), dtype=bool, count=len(arr))
        arr = arr.copy()
        arr[is_bool] = [cell_text(v) for v in arr[is_bool]]
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    parsed, problems = [], []
    for u in uniques:
        if is_blank(u):
            parsed.append(None)
            problems.append(EMPTY)
            continue
        try:
            parsed.append(parse(u))
            problems.append(OK)
        except ValueError:
            parsed.append(None)
            problems.append(BAD)
    parsed.append(None)
    problems.append(EMPTY)
    return parsed, problems, np.where(codes < 0, len(uniques), codes)


def _typed_column(register_key: str, col: schema.Column, values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(typed column, problem codes) for one column; bounds are checked here too."""
    index = values.index
    if col.kind == schema.DATE:
        parsed, problems, take = _parse_unique(values, parse_date)
        dates = pd.to_datetime(pd.Series(parsed, dtype=object)).astype("datetime64[ns]").to_numpy()
        return pd.Series(dates[take], index=index), np.array(problems, dtype=np.int8)[take]
    if col.kind in (schema.INT, schema.FLOAT, schema.YEAR):
        parsed, problems, take = _parse_unique(values, parse_number)
        nums = pd.Series(np.array([np.nan if p is None else p for p in parsed], dtype="float64")[take], index=index)
        problems = np.array(problems, dtype=np.int8)[take]
        if col.kind in (schema.INT, schema.YEAR):
            frac = (nums - nums.round()).abs() > 1e-9
            problems[frac.to_numpy()] = NOT_WHOLE
            nums = nums.where(~frac)
        # inf and -inf (a cell holding 1E+400 or "inf") are out of range for every number column,
        # bounded or not; NaN never gets here (a NaN cell reads as empty).
        out = pd.Series(~np.isfinite(nums.to_numpy()) & nums.notna().to_numpy(), index=index)
        if col.min is not None:
            out |= nums.le(col.min) if col.min_exclusive else nums.lt(col.min)
        if col.max is not None:
            out |= nums.gt(col.max)
        if col.kind != schema.FLOAT:  # whole numbers must fit Int64 exactly, bound or not
            out |= nums.abs().gt(2**53)
        problems[out.to_numpy()] = RANGE
        nums = nums.where(~out)
        if col.kind == schema.FLOAT:
            return nums, problems
        return nums.round().astype("Int64"), problems
    if col.kind == schema.ENUM:
        lookup = _enum_lookup(register_key, col.key)

        def parse(v):
            found = lookup.get(schema.header_key(v if isinstance(v, str) else cell_text(v)))
            if found is None:
                raise ValueError(v)
            return found
    elif col.kind == schema.NAMES:
        def parse(v):
            return schema.NAME_SEPARATOR.join(schema.split_names(v if isinstance(v, str) else cell_text(v))) or None
    else:
        parse = _text
    parsed, problems, take = _parse_unique(values, parse)
    if col.kind != schema.ENUM:  # text that normalises to nothing is empty
        problems = [EMPTY if p is None else code for p, code in zip(parsed, problems)]
    text = pd.array(parsed, dtype="str").take(take)
    return pd.Series(text, index=index), np.array(problems, dtype=np.int8)[take]


def _expected(col: schema.Column) -> str:
    return col.expected() if col.kind == schema.ENUM else texts.READER_EXPECT.format(expected=col.expected())


def _known_names(names: Collection[str]) -> str:
    """The indicators to list in a message: the Chinese names if there are any, else all."""
    chinese = [n for n in names if re.search(r"[\u4e00-\u9fff]", n)]
    return "、".join(dict.fromkeys(chinese or list(names)))


# --- frames -------------------------------------------------------------------------------------

def validate_frame(register_key: str, raw: pd.DataFrame, *, file_name: str, sheet: str | None = None,
                   today: dt.date | None = None, indicator_names: Collection[str] | None = None,
                   ) -> tuple[pd.DataFrame, list[Issue]]:
    """Parse and check a raw frame of one register; return (typed frame, issues).

    ``raw`` has one column per column key (missing ones count as empty) plus ``_row`` (Excel row)
    and optionally ``_sheet`` (which then overrides ``sheet`` row by row). The typed frame has the
    register's column keys in schema order, then ``_sheet`` and ``_row``. Errors: required cell
    empty, value not recognised, not whole, out of bounds, above its ``not_above`` column, unknown
    indicator (when ``indicator_names`` is given). Warnings: a date after ``today``, a row equal to
    an earlier one. Issues come ordered by row, then column.
    """
    reg = schema.REGISTERS[register_key]
    raw = raw.reset_index(drop=True)
    n = len(raw)
    sheets = raw["_sheet"].astype(object) if "_sheet" in raw else pd.Series([sheet] * n, dtype=object)
    rows = raw["_row"].astype("int64") if "_row" in raw else pd.Series(range(2, n + 2), dtype="int64")
    today = today or dt.date.today()

    typed: dict[str, pd.Series] = {}
    problems: dict[str, np.ndarray] = {}
    empty = pd.Series([None] * n, dtype=object)
    for col in reg.columns:
        typed[col.key], problems[col.key] = _typed_column(register_key, col, raw.get(col.key, empty))

    for col in reg.columns:
        if col.not_above:
            above = (typed[col.key] > typed[col.not_above]).fillna(False).to_numpy(dtype=bool)
            problems[col.key][above] = ABOVE
            typed[col.key] = typed[col.key].where(~above)
        if col.key == "indicator" and indicator_names is not None:
            known = {schema.header_key(x) for x in indicator_names}
            values = typed[col.key]
            unknown = (values.notna() & ~values.map(schema.header_key, na_action="ignore").isin(known)).to_numpy(bool)
            problems[col.key][unknown] = INDICATOR
            typed[col.key] = values.where(~unknown)

    found: list[tuple[int, int, Issue]] = []

    def add(level: Level, pos: int, ci: int, col: schema.Column, template: str, **fields) -> None:
        value = raw.at[pos, col.key] if col.key in raw else None
        where = texts.READER_WHERE.format(file=file_name, sheet=sheets[pos], row=rows[pos])
        text = cell_text(value)
        message = template.format(where=where, column=col.label, value=text, expected=_expected(col),
                                  hint=col.expected(), **fields)
        found.append((pos, ci, Issue(level=level, file=file_name, sheet=sheets[pos], row=int(rows[pos]),
                                     column=col.label, value=text if not is_blank(value) else None,
                                     message=message)))

    for ci, col in enumerate(reg.columns):
        codes = problems[col.key]
        if col.required:
            for pos in np.flatnonzero(codes == EMPTY):
                add(Level.ERROR, pos, ci, col, texts.READER_REQUIRED)
        for pos in np.flatnonzero(codes == BAD):
            add(Level.ERROR, pos, ci, col, texts.READER_UNRECOGNISED)
        for pos in np.flatnonzero(codes == NOT_WHOLE):
            add(Level.ERROR, pos, ci, col, texts.READER_NOT_WHOLE)
        for pos in np.flatnonzero(codes == RANGE):
            add(Level.ERROR, pos, ci, col, texts.READER_OUT_OF_RANGE)
        for pos in np.flatnonzero(codes == ABOVE):
            other = reg.column(col.not_above)
            add(Level.ERROR, pos, ci, col, texts.READER_ABOVE, other=other.label,
                other_value=cell_text(raw.at[pos, other.key]))
        for pos in np.flatnonzero(codes == INDICATOR):
            add(Level.ERROR, pos, ci, col, texts.READER_UNKNOWN_INDICATOR, names=_known_names(indicator_names))
        if col.kind == schema.DATE:
            future = (typed[col.key] > pd.Timestamp(today)).to_numpy(dtype=bool)
            for pos in np.flatnonzero(future):
                add(Level.WARNING, pos, ci, col, texts.READER_FUTURE_DATE, today=today.isoformat())

    frame = pd.DataFrame(typed)
    frame["_sheet"] = sheets.astype("str")
    frame["_row"] = rows
    found.extend(_duplicates(frame, reg, file_name))
    found.sort(key=lambda t: (t[0], t[1]))
    return frame, [issue for _, _, issue in found]


def _duplicates(frame: pd.DataFrame, reg: schema.Register, file_name: str) -> list[tuple[int, int, Issue]]:
    """A warning for each row equal (on every register column) to an earlier row."""
    dup = frame.duplicated(subset=reg.keys, keep="first").to_numpy(dtype=bool)
    if not dup.any():
        return []
    group = frame.groupby(reg.keys, dropna=False, sort=False).ngroup().to_numpy()
    groups, firsts = np.unique(group, return_index=True)
    first_pos = dict(zip(groups.tolist(), firsts.tolist()))
    out = []
    for pos in np.flatnonzero(dup):
        first = first_pos[group[pos]]
        sheet, first_sheet = frame.at[pos, "_sheet"], frame.at[first, "_sheet"]
        where = texts.READER_WHERE.format(file=file_name, sheet=sheet, row=frame.at[pos, "_row"])
        message = texts.READER_DUPLICATE.format(
            where=where, other="" if first_sheet == sheet else f"「{first_sheet}」", first=frame.at[first, "_row"])
        out.append((pos, len(reg.columns), Issue.warning(file_name, message, sheet=sheet,
                                                         row=int(frame.at[pos, "_row"]))))
    return out


def month_warnings(typed: Mapping[str, pd.DataFrame], raw: Mapping[str, pd.DataFrame], file_name: str,
                   *, min_gap: int = 3, max_share: float = 0.1) -> list[Issue]:
    """Warn about dates far from the months the rest of the file covers.

    The distinct months of every month-period register in the file are grouped, a new group
    starting after a gap of ``min_gap`` months or more (two empty months). Dates in a group that is
    smaller than the largest and holds a single row or at most ``max_share`` of the dated rows are warned:
    typically a mistyped year. ``typed``/``raw`` are aligned frames per register key.
    """
    parts = []
    for key, frame in typed.items():
        reg = schema.REGISTERS[key]
        if reg.period == schema.Period.MONTH and reg.period_column and len(frame):
            dates = frame[reg.period_column]
            month = dates.dt.year * 12 + dates.dt.month - 1
            parts.append(pd.DataFrame({"key": key, "pos": range(len(frame)), "month": month}).dropna())
    if not parts:
        return []
    rows = pd.concat(parts, ignore_index=True)
    counts = rows.groupby("month").size().sort_index()
    if len(counts) < 2:
        return []
    months = counts.index.to_numpy(dtype="int64")
    cluster = np.concatenate([[0], np.cumsum(np.diff(months) >= min_gap)])
    sizes = pd.Series(counts.to_numpy(), index=cluster).groupby(level=0).sum()
    main = int(sizes.idxmax())
    total = int(sizes.sum())
    outlying = [c for c, size in sizes.items()
                if size < sizes[main] and (size == 1 or size <= max_share * total)]
    if not outlying:
        return []
    main_months = months[cluster == main]
    span = _span(int(main_months.min()), int(main_months.max()))
    bad_months = set(months[np.isin(cluster, outlying)].tolist())
    out = []
    for key, pos in rows.loc[rows["month"].isin(bad_months), ["key", "pos"]].itertuples(index=False):
        reg = schema.REGISTERS[key]
        col = reg.column(reg.period_column)
        frame = typed[key]
        sheet, row = frame.at[pos, "_sheet"], int(frame.at[pos, "_row"])
        value = cell_text(raw[key].iloc[pos].get(col.key))
        where = texts.READER_WHERE.format(file=file_name, sheet=sheet, row=row)
        out.append(Issue.warning(file_name, texts.READER_OUTLYING_MONTH.format(
            where=where, column=col.label, value=value, span=span), sheet=sheet, row=row, column=col.label,
            value=value))
    return out


def _span(start: int, end: int) -> str:
    def month(m: int) -> str:
        return texts.READER_MONTH.format(year=m // 12, month=m % 12 + 1)

    return month(start) if start == end else texts.READER_SPAN.format(start=month(start), end=month(end))
