"""Shared plumbing: a register's rows within a date window, with normalised, factorised columns.

Each register is prepared once (``Table``: numpy dates and months, factorised columns) and every
metric works on a ``Window`` of it: the positions of the rows dated in [start, end]. Text columns
are compared after ``schema.normalize_text``, applied to the distinct values only
(``pd.factorize``), so nothing loops over rows.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum

import numpy as np
import pandas as pd

from data.schema import REGISTERS, TEXT_KINDS, coerce, normalize_text


WILDCARD = "*"  # in a filter value: any text (Excel's COUNTIF wildcard)


def wildcard(value: str) -> re.Pattern:
    """The pattern of a filter value in which ``*`` stands for any text (nothing else is special)."""
    return re.compile(".*".join(re.escape(part) for part in value.split(WILDCARD)), re.DOTALL)


def to_date(value: object) -> dt.date | None:
    """A date from a date, datetime, Timestamp or ISO string; None stays None."""
    if value is None:
        return None
    return pd.Timestamp(value).date()


def year_start(year: int) -> dt.date:
    return dt.date(year, 1, 1)


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def cutoff(year: int, as_of: object = None) -> dt.date:
    """The last day counted for ``year``: the as-of date, capped at 31 Dec; None means 31 Dec."""
    end = year_end(year)
    day = to_date(as_of)
    return end if day is None or day > end else day


def plain(x: object) -> object:
    """A JSON-ready scalar: NaN/NaT -> None, numpy numbers -> int/float, dates -> ISO text, a
    typed state (``metrics.states``) -> its stable value."""
    if isinstance(x, Enum):
        return x.value
    if x is None or x is pd.NaT or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
        return None
    if isinstance(x, pd.Timestamp):
        return x.date().isoformat()
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, np.generic):
        return x.item()
    return x


# The columns the metrics read, per register (every metric function of this package; the indicators'
# own filter and counted columns are added by ``metric_columns``). A register not named here is read
# whole. ``Store.frames(columns=...)`` loads only these: the free text no metric reads (主题, 地点,
# 备注, ...) and the row ids stay in the database until a page shows rows (``ui.cache.full_frames``).
# A metric that starts reading another column must add it here (tests/test_metrics_narrow.py runs
# every metric on narrow and whole frames and compares).
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "study": ("date", "type", "speaker", "expected", "present", "attendees", "hours", "group"),
    "inspections": ("date", "type", "object", "category", "issues", "rectify"),
    "volunteer": ("date", "name", "activity", "category", "hours"),
    "membership": ("date", "name", "event"),
    "work": ("date", "category", "quantity"),
}


def metric_columns(catalogue=()) -> dict[str, tuple[str, ...]]:
    """``METRIC_COLUMNS`` plus every column an indicator of ``catalogue`` filters on or counts (a
    branch's own indicator may name any column), each in schema order."""
    wanted = {key: set(cols) for key, cols in METRIC_COLUMNS.items()}
    for ind in catalogue:
        if ind.register in wanted:
            wanted[ind.register] |= {*ind.filter, *ind.columns}
    return {key: tuple(k for k in REGISTERS[key].keys if k in cols) for key, cols in wanted.items()}


def register_frame(frames: dict | None, key: str) -> pd.DataFrame:
    """``frames[key]`` with every schema column present (missing ones empty) and dates as datetime."""
    reg = REGISTERS[key]
    df = (frames or {}).get(key)
    if df is None:
        df = pd.DataFrame(columns=reg.keys)
    missing = [k for k in reg.keys if k not in df.columns]
    if missing:
        df = df.assign(**{k: pd.Series(np.nan, index=df.index, dtype=object) for k in missing})
    if "date" in reg.keys and not pd.api.types.is_datetime64_any_dtype(df["date"]):
        df = df.assign(date=pd.to_datetime(df["date"], errors="coerce"))
    return df


class Table:
    """One register prepared once: dates as numpy, months, and per-column caches over all rows."""

    def __init__(self, register: str, df: pd.DataFrame):
        self.register = REGISTERS[register]
        self.df = df
        self.dates = df["date"].to_numpy(dtype="datetime64[ns]")
        # NaT rows get month 0 but never fall in a window.
        self.month = pd.Series(self.dates).dt.month.fillna(0).to_numpy(dtype=np.int64)
        self._codes: dict[str, tuple[np.ndarray, list]] = {}
        self._numbers: dict[str, np.ndarray] = {}

    def codes(self, column: str) -> tuple[np.ndarray, list]:
        """Integer codes of the column's values (-1 for missing or blank) and the values they stand for.

        Text is normalised first (``schema.normalize_text``, once per distinct value), so
        "集中学习　" and "集中学习" share one code.
        """
        if column not in self._codes:
            raw, uniques = pd.factorize(self.df[column])
            if self.register.column(column).kind in TEXT_KINDS:
                values = [normalize_text(u) for u in uniques.tolist()]  # tolist: fast off Arrow
            else:
                values = list(uniques)
            ids: dict = {}
            lookup = [ids.setdefault(v, len(ids)) if v != "" else -1 for v in values]
            # raw code -1 (missing) picks the trailing -1.
            codes = np.asarray(lookup + [-1], dtype=np.int64)[raw]
            self._codes[column] = (codes, list(ids))
        return self._codes[column]

    def numbers(self, column: str) -> np.ndarray:
        """The column as float64, NaN where empty (or the column's ``blank_as``, e.g. 数量 blank = 1)."""
        if column not in self._numbers:
            numbers = pd.to_numeric(self.df[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            blank_as = self.register.column(column).blank_as
            if blank_as is not None:
                numbers = np.where(np.isnan(numbers), blank_as, numbers)
            self._numbers[column] = numbers
        return self._numbers[column]

    def window(self, start: dt.date, end: dt.date) -> Window:
        lo = np.datetime64(start, "ns")
        hi = np.datetime64(end, "ns") + np.timedelta64(1, "D")
        return Window(self, np.flatnonzero((self.dates >= lo) & (self.dates < hi)))


class Frames(dict):
    """The registers by key, each prepared (``Table``) on first use and kept while the entry is the
    same DataFrame. Pass one ``prepare(frames)`` to several metrics to prepare each register once;
    do not modify its DataFrames in place afterwards."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tables: dict[str, tuple[object, Table]] = {}
        self._sources: dict[str, Frames] = {}

    def table(self, key: str) -> Table:
        current = self.get(key)
        source = self._sources.get(key)
        if source is not None and source.get(key) is current:
            return source.table(key)
        cached = self._tables.get(key)
        if cached is None or cached[0] is not current:
            cached = (current, Table(key, register_frame(self, key)))
            self._tables[key] = cached
        return cached[1]


def prepare(frames: dict | None) -> Frames:
    """``frames`` as a ``Frames`` (itself if it already is one)."""
    return frames if isinstance(frames, Frames) else Frames(frames or {})


def combine(parts: dict[str, Frames]) -> Frames:
    """One ``Frames`` of ``parts[key][key]`` per key, preparing each register in (and sharing the
    ``Table`` with) the part it came from: a register kept in several combinations is prepared once."""
    out = Frames({key: part.get(key) for key, part in parts.items()})
    out._sources = dict(parts)
    return out


class Window:
    """The rows of one register dated in a range: positions into its ``Table``, original index kept."""

    def __init__(self, table: Table, positions: np.ndarray):
        self.table = table
        self.positions = positions
        self.month = table.month[positions]
        self._df: pd.DataFrame | None = None

    @classmethod
    def of_year(cls, frames: dict | None, register: str, year: int, as_of: object = None) -> Window:
        """Rows dated in ``year`` up to the as-of date."""
        return prepare(frames).table(register).window(year_start(year), cutoff(year, as_of))

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def df(self) -> pd.DataFrame:
        """The window's rows of the register DataFrame (all columns, original index)."""
        if self._df is None:
            self._df = self.table.df.iloc[self.positions]
        return self._df

    @property
    def dates(self) -> np.ndarray:
        return self.table.dates[self.positions]

    def codes(self, column: str) -> tuple[np.ndarray, list]:
        """See ``Table.codes``; the values list covers the whole register."""
        codes, uniques = self.table.codes(column)
        return codes[self.positions], uniques

    def isin(self, column: str, values: tuple[str, ...]) -> np.ndarray:
        """Boolean mask: the column's normalised value is one of ``values`` (normalised too). A
        value with ``*`` is a pattern, as in Excel's COUNTIF: ``*`` stands for any text
        (``*教育片*`` matches every value containing 教育片); each distinct value is tested once."""
        wanted = {normalize_text(v) for v in values}
        patterns = [wildcard(v) for v in wanted if WILDCARD in v]
        codes, uniques = self.codes(column)
        hit = np.asarray([u in wanted or any(p.fullmatch(str(u)) for p in patterns) for u in uniques] + [False],
                         dtype=bool)
        return hit[codes]

    def numbers(self, column: str) -> np.ndarray:
        return self.table.numbers(column)[self.positions]

    def monthly(self, mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Per-month (12) count of the masked rows, or sum of ``weights`` over them."""
        w = None if weights is None else weights[mask]
        return np.bincount(self.month[mask] - 1, weights=w, minlength=12)[:12].astype(float)


def contract_frame(register: str, rows: list[dict]) -> pd.DataFrame:
    """A DataFrame in the schema contract's dtypes from dict rows (absent keys empty): for tests and demos."""
    reg = REGISTERS[register]
    return coerce(pd.DataFrame({c.key: pd.Series([row.get(c.key) for row in rows], dtype=object)
                                for c in reg.columns}), reg)
