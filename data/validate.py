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
from collections.abc import Collection, Iterator, Mapping
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
    ``Issue.error(...)`` or ``Issue.warning(...)``.

    A problem found in many rows of one column for one reason is one grouped Issue: ``row`` is its
    first Excel row, ``rows`` all of them, ``values`` the distinct values they hold, and the message
    names the first rows and the count (at most ``LIST_LIMIT`` of each)."""

    level: Level
    file: str
    sheet: str | None = None
    row: int | None = None  # Excel row number, as Excel shows it (the first one of a grouped issue)
    column: str | None = None  # canonical Chinese label of the column
    value: str | None = None  # the raw cell value as text (grouped: the distinct values, listed and capped)
    message: str  # full Chinese sentence naming file, sheet, row(s), column, value and what is expected
    rows: tuple[int, ...] = ()  # every Excel row concerned; (row,) when not given
    values: tuple[str, ...] = ()  # every distinct raw value concerned; (value,) when not given
    expected: str | None = None  # what a valid value looks like, when the issue is about a value
    counts: tuple[int, ...] = ()  # rows holding each of ``values``
    register: str | None = None  # the register key of the rows concerned
    reason: str | None = None  # a key of REASONS for a cell problem (e.g. "unrecognised")

    @classmethod
    def error(cls, file: str, message: str, **where) -> Issue:
        """An error in ``file``; ``where``: sheet, row, column, value (and the grouped fields)."""
        return cls(level=Level.ERROR, file=file, message=message, **where)

    @classmethod
    def warning(cls, file: str, message: str, **where) -> Issue:
        """A warning in ``file``; ``where``: sheet, row, column, value (and the grouped fields)."""
        return cls(level=Level.WARNING, file=file, message=message, **where)

    def __post_init__(self) -> None:
        if not self.rows and self.row is not None:
            self.rows = (self.row,)
        if not self.values and self.value is not None:
            self.values = (self.value,)

    @property
    def count(self) -> int:
        """How many rows the issue covers (0 for a file- or sheet-level issue)."""
        return len(self.rows)


# Why a cell is refused or warned (Issue.reason), by problem code.
REASONS = {1: "required", 2: "unrecognised", 3: "not_whole", 4: "out_of_range", 5: "above", 6: "unknown_indicator"}

# A grouped message names at most this many rows, values or pairs, then "等 N 行/项".
LIST_LIMIT = 20


def capped(items: list[str], *, limit: int = LIST_LIMIT, sep: str = "、") -> str:
    """``items`` joined, at most ``limit`` of them, then "等 N 项" (``texts.capped``, the one cap rule)."""
    return texts.capped(items, sep=sep, limit=limit)


def where_rows(file_name: str, sheet: str | None, rows: np.ndarray | list[int]) -> str:
    """"file sheet 第3行", "file sheet 第3、4、5行" or "file sheet 第3、4…行等 N 行"."""
    if len(rows) == 1:
        return texts.READER_WHERE.format(file=file_name, sheet=sheet, row=int(rows[0]))
    shown = "、".join(str(int(r)) for r in rows[:LIST_LIMIT])
    if len(rows) <= LIST_LIMIT:
        return texts.READER_WHERE.format(file=file_name, sheet=sheet, row=shown)
    return texts.READER_WHERE_MANY.format(file=file_name, sheet=sheet, rows=shown, count=len(rows))


def _quoted(values: list[str]) -> str:
    return capped([f'"{v}"' for v in values])


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

def _parse_unique(values: pd.Series, parse) -> tuple[list, list, np.ndarray, list]:
    """Apply ``parse`` (value -> parsed, raising ValueError when bad) once per distinct value.

    Returns (parsed values, problem codes) per distinct value, the last entry standing for blank
    cells (None, NaN), ``take``: the entry of each of ``values``, and the distinct raw values
    (blank last). Typed columns are built from the distinct values too, then expanded with ``take``;
    grouped issues name the raw values by ``take`` as well.
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
    return parsed, problems, np.where(codes < 0, len(uniques), codes).astype(np.int32), [*uniques, None]


@dataclass
class _Parsed:
    """One column parsed: typed values, a problem code per row, and each row's distinct raw value."""

    typed: pd.Series
    problems: np.ndarray
    take: np.ndarray  # index into ``uniques`` per row
    uniques: list  # distinct raw values, blank last

    def texts(self) -> list[str]:
        """The distinct raw values as text (as Excel shows them), by ``take`` code."""
        return [cell_text(u) for u in self.uniques]


def _typed_column(register_key: str, col: schema.Column, values: pd.Series,
                  extra: Mapping[str, str] | None = None) -> _Parsed:
    """The typed column and problem codes of one column; bounds are checked here too."""
    index = values.index
    if col.kind == schema.DATE:
        parsed, problems, take, uniques = _parse_unique(values, parse_date)
        dates = pd.to_datetime(pd.Series(parsed, dtype=object)).astype("datetime64[ns]").to_numpy()
        return _Parsed(pd.Series(dates[take], index=index), np.array(problems, dtype=np.int8)[take], take, uniques)
    if col.kind in (schema.INT, schema.FLOAT, schema.YEAR):
        parsed, problems, take, uniques = _parse_unique(values, parse_number)
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
            return _Parsed(nums, problems, take, uniques)
        return _Parsed(nums.round().astype("Int64"), problems, take, uniques)
    if col.kind == schema.ENUM:
        lookup = _enum_lookup(register_key, col.key)
        if extra:  # the branch's own words for this column (data.aliases)
            lookup = {**extra, **lookup}

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
    parsed, problems, take, uniques = _parse_unique(values, parse)
    if col.kind != schema.ENUM:  # text that normalises to nothing is empty
        problems = [EMPTY if p is None else code for p, code in zip(parsed, problems)]
    text = pd.array(parsed, dtype="str").take(take)
    return _Parsed(pd.Series(text, index=index), np.array(problems, dtype=np.int8)[take], take, uniques)


def _expected(col: schema.Column) -> str:
    return col.expected() if col.kind == schema.ENUM else texts.READER_EXPECT.format(expected=col.expected())


def _known_names(names: Collection[str]) -> str:
    """The indicators to list in a message: the Chinese names if there are any, else all."""
    chinese = [n for n in names if re.search(r"[\u4e00-\u9fff]", n)]
    return "、".join(dict.fromkeys(chinese or list(names)))


# --- frames -------------------------------------------------------------------------------------

def validate_frame(register_key: str, raw: pd.DataFrame, *, file_name: str, sheet: str | None = None,
                   today: dt.date | None = None, indicator_names: Collection[str] | None = None,
                   value_aliases: Mapping[str, Mapping[str, str]] | None = None,
                   ) -> tuple[pd.DataFrame, list[Issue]]:
    """Parse and check a raw frame of one register; return (typed frame, issues).

    ``raw`` has one column per column key (missing ones count as empty) plus ``_row`` (Excel row)
    and optionally ``_sheet`` (which then overrides ``sheet`` row by row). The typed frame has the
    register's column keys in schema order, then ``_sheet`` and ``_row``. Errors: required cell
    empty, value not recognised, not whole, out of bounds, above its ``not_above`` column, unknown
    indicator (when ``indicator_names`` is given). Warnings: a date after ``today``, a row equal to
    an earlier one. Issues come ordered by row, then column. ``value_aliases``: the branch's own
    words per column key ({header_key(alias): canonical value}, ``data.aliases``).
    """
    reg = schema.REGISTERS[register_key]
    raw = raw.reset_index(drop=True)
    n = len(raw)
    sheets = raw["_sheet"].astype(object) if "_sheet" in raw else pd.Series([sheet] * n, dtype=object)
    rows = raw["_row"].astype("int64") if "_row" in raw else pd.Series(range(2, n + 2), dtype="int64")
    today = today or dt.date.today()

    parsed: dict[str, _Parsed] = {}
    empty = pd.Series([None] * n, dtype=object)
    for col in reg.columns:
        parsed[col.key] = _typed_column(register_key, col, raw.get(col.key, empty),
                                        (value_aliases or {}).get(col.key))
    typed = {k: p.typed for k, p in parsed.items()}
    problems = {k: p.problems for k, p in parsed.items()}

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

    groups = _Grouper(file_name, sheets.to_numpy(dtype=object), rows.to_numpy(dtype="int64"), register_key)
    templates = {EMPTY: texts.READER_REQUIRED, BAD: texts.READER_UNRECOGNISED, NOT_WHOLE: texts.READER_NOT_WHOLE,
                 RANGE: texts.READER_OUT_OF_RANGE, ABOVE: texts.READER_ABOVE, INDICATOR: texts.READER_UNKNOWN_INDICATOR}
    found: list[tuple[int, int, Issue]] = []
    for ci, col in enumerate(reg.columns):
        codes, p = problems[col.key], parsed[col.key]
        base = {"expected": _expected(col), "hint": col.expected()}
        for code, template in templates.items():
            if code == EMPTY and not col.required:
                continue
            pos = np.flatnonzero(codes == code)
            if not len(pos):
                continue
            fields = dict(base)
            other = None
            if code == ABOVE:
                other = parsed[col.not_above]
                fields["other"] = reg.column(col.not_above).label
            elif code == INDICATOR:
                fields["names"] = _known_names(indicator_names)
            found += [(first, ci, issue) for first, issue in groups.issues(
                Level.ERROR, col.label, template, pos, p, other_parsed=other, expects=col.expected(), reason=REASONS[code],
                **fields)]
        if col.kind == schema.DATE:
            future = np.flatnonzero((typed[col.key] > pd.Timestamp(today)).to_numpy(dtype=bool))
            if len(future):
                found += [(first, ci, issue) for first, issue in groups.issues(
                    Level.WARNING, col.label, texts.READER_FUTURE_DATE, future, p, today=today.isoformat(), reason="future",
                    **base)]

    del parsed, problems, p  # raw values and codes are not needed any more: free them before the frame is built
    frame = pd.DataFrame(typed)
    frame["_sheet"] = sheets.astype("str")
    frame["_row"] = rows
    found.extend((first, len(reg.columns), issue) for first, issue in _duplicates(frame, reg, groups))
    found.sort(key=lambda t: (t[0], t[1]))
    return frame, [issue for _, _, issue in found]


class _Grouper:
    """Builds grouped Issues: one per sheet for the rows (positions) that share a column and a
    reason, naming the first rows and the count. Positions are grouped with numpy, and each distinct
    raw value is turned into text once, so refusing 100k bad rows costs about as much as reading them."""

    def __init__(self, file_name: str, sheets: np.ndarray, rows: np.ndarray, register: str | None = None):
        self.file_name = file_name
        self.register = register
        self.rows = rows
        codes, self.sheet_names = pd.factorize(sheets, use_na_sentinel=False)
        self.sheet_codes = codes
        self.single_sheet = len(self.sheet_names) <= 1

    def by_sheet(self, pos: np.ndarray) -> Iterator[tuple[object, np.ndarray]]:
        """(sheet name, positions) for each sheet among ``pos`` (sorted), in order of first row."""
        if self.single_sheet:
            if len(pos):
                yield (self.sheet_names[0] if len(self.sheet_names) else None), pos
            return
        codes = self.sheet_codes[pos]
        for code in pd.unique(codes):
            yield self.sheet_names[code], pos[codes == code]

    def issues(self, level: Level, label: str | None, template: str, pos: np.ndarray, parsed: _Parsed | None, *,
               other_parsed: _Parsed | None = None, expects: str | None = None, reason: str | None = None,
               **fields) -> list[tuple[int, Issue]]:
        out = []
        value_texts = parsed.texts() if parsed is not None else None
        other = other_parsed
        other_texts = other.texts() if other is not None else None
        for sheet, p in self.by_sheet(pos):
            rows = self.rows[p]
            per_value = _distinct(parsed.take[p], value_texts) if parsed is not None else {}
            per_value = {v: n for v, n in per_value.items() if not is_blank(v)}  # blank cells: no value to show
            values = list(per_value)
            shown = template
            if len(values) > 1:  # the template quotes one value: several are quoted one by one
                shown = shown.replace('"{value}"', "{value}")
                fields["value"] = _quoted(values)
            else:
                fields["value"] = values[0] if values else ""
            if other is not None:
                other_values = list(_distinct(other.take[p], other_texts))
                if len(other_values) > 1:
                    shown = shown.replace('"{other_value}"', "{other_value}")
                    fields["other_value"] = _quoted(other_values)
                else:
                    fields["other_value"] = other_values[0] if other_values else ""
            message = shown.format(where=where_rows(self.file_name, sheet, rows), column=label, **fields)
            value = (values[0] if len(values) == 1 else capped(values)) if values else None
            out.append((int(p[0]), Issue(level=level, file=self.file_name, sheet=sheet, row=int(rows[0]), column=label,
                                         value=value, message=message,
                                         rows=tuple(rows.tolist()), values=tuple(values), expected=expects,
                                         counts=tuple(per_value.values()),
                                         register=self.register, reason=reason)))
        return out


def _distinct(take: np.ndarray, value_texts: list[str]) -> dict[str, int]:
    """The distinct texts of ``take`` codes, in order of first appearance, with how many rows hold each."""
    counts = pd.Series(take).value_counts(sort=False)  # in order of first appearance
    out: dict[str, int] = {}
    for code, n in counts.items():
        text = value_texts[code]
        out[text] = out.get(text, 0) + int(n)
    return out


def _row_groups(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Per row, the id of its combination of ``keys`` values: 0, 1, 2 … in order of first appearance,
    empty cells equal to each other (``frame.groupby(keys, dropna=False, sort=False).ngroup()``).
    Built a column at a time, so that a 100k-row frame needs a few MB beside it, not one array per
    column at once."""
    ids = np.zeros(len(frame), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(frame[key], use_na_sentinel=False)
        # ids < rows and codes < rows: the combined key stays far below 2**63 for any sheet
        ids, _ = pd.factorize(ids * len(uniques) + codes)
    return ids


def _duplicates(frame: pd.DataFrame, reg: schema.Register, groups: _Grouper) -> list[tuple[int, Issue]]:
    """A warning for the rows equal (on every register column) to an earlier row, per sheet."""
    group = _row_groups(frame, reg.keys)
    first_of = np.flatnonzero(np.diff(np.maximum.accumulate(group), prepend=-1) > 0)  # ids count up from 0
    dup = np.ones(len(group), dtype=bool)
    dup[first_of] = False
    if not dup.any():
        return []
    sheets = frame["_sheet"].to_numpy(dtype=object)
    out = []
    for sheet, pos in groups.by_sheet(np.flatnonzero(dup)):
        first = first_of[group[pos]]
        rows, first_rows = groups.rows[pos], groups.rows[first]
        others = ["" if sheets[f] == sheet else f"「{sheets[f]}」" for f in first[:LIST_LIMIT]]
        if len(pos) == 1:
            where = texts.READER_WHERE.format(file=groups.file_name, sheet=sheet, row=int(rows[0]))
            message = texts.READER_DUPLICATE.format(where=where, other=others[0], first=int(first_rows[0]))
        else:
            pairs = [texts.READER_DUPLICATE_PAIR.format(row=int(r), other=o, first=int(f))
                     for r, o, f in zip(rows[:LIST_LIMIT], others, first_rows[:LIST_LIMIT])]
            message = texts.READER_DUPLICATES.format(
                file=groups.file_name, sheet=sheet, count=len(pos),
                pairs=capped(pairs) if len(pos) <= LIST_LIMIT else
                "、".join(pairs) + "、" + texts.LIST_MORE.format(count=len(pos)))
        out.append((int(pos[0]), Issue.warning(groups.file_name, message, sheet=sheet, row=int(rows[0]),
                                               rows=tuple(rows.tolist()), register=groups.register,
                                               reason="duplicate")))
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
        if reg.period == "month" and reg.period_column and len(frame):
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
    flagged = rows.loc[rows["month"].isin(bad_months)]
    for key, part in flagged.groupby("key", sort=False):
        reg = schema.REGISTERS[key]
        col = reg.column(reg.period_column)
        frame = typed[key]
        pos = np.sort(part["pos"].to_numpy(dtype="int64"))
        values = raw[key][col.key].iloc[pos] if col.key in raw[key] else pd.Series([None] * len(pos), dtype=object)
        codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=False)
        parsed = _Parsed(frame[col.key].iloc[pos], np.zeros(len(pos), dtype=np.int8), codes, list(uniques))
        grouper = _Grouper(file_name, frame["_sheet"].to_numpy(dtype=object)[pos],
                           frame["_row"].to_numpy(dtype="int64")[pos], key)
        out += [issue for _, issue in grouper.issues(
            Level.WARNING, col.label, texts.READER_OUTLYING_MONTH, np.arange(len(pos)), parsed, span=span,
            reason="outlying_month")]
    return out


def _span(start: int, end: int) -> str:
    def month(m: int) -> str:
        return texts.READER_MONTH.format(year=m // 12, month=m % 12 + 1)

    return month(start) if start == end else texts.READER_SPAN.format(start=month(start), end=month(end))
