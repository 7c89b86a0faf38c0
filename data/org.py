"""Reads for the organisation (各支部对比, ``cli.py rollup``): many branches' rows in one query per
register, only the columns asked for, each row with its ``branch`` key. The branches are given by
the caller (the ones the user may view); no other branch's row is read.

These are the inputs of ``metrics.rollup.rollup_all`` and ``metrics.rollup.gaps_all``: a dated
register's live rows of one year up to the as-of date, the 计划目标 rows of that year (the branches'
and the organisation's), and the 党员名册 (for the 三会一课 rules that need it).
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pandas as pd
import sqlalchemy as sa

from data import schema
from data.tables import TABLES

_log = logging.getLogger(__name__)


def _months(start: dt.date, end: dt.date) -> list[str]:
    """The stored ``period`` values (YYYY-MM) of the months from ``start`` to ``end``: the second
    column of every register table's (branch, period) index."""
    return [f"{start.year}-{m:02d}" for m in range(start.month, end.month + 1)] if start <= end else []


def _typed(rows: list, register: str, columns: list[str]) -> pd.DataFrame:
    """Driver rows (branch first) as a frame the metrics read: dates as datetime64, numbers as
    float64 (NaN when empty; inf and NaN written by hand read as empty, as ``Store.load`` reads
    them), text as Python objects (None when empty): ``metrics.frames.Table`` factorises text
    itself, so text is not converted to the contract's string dtype (the largest cost on 100k rows)."""
    reg = schema.REGISTERS[register]
    data = list(zip(*rows)) or [()] * (len(columns) + 1)
    out = {"branch": pd.Series(data[0], dtype=object)}
    for name, values in zip(columns, data[1:]):
        col = reg.column(name)
        if col.kind == schema.DATE:
            try:  # ISO text (SQLite) or dates (PostgreSQL), parsed by numpy in one pass
                days = np.asarray(values, dtype="datetime64[D]")
            except (TypeError, ValueError):
                days = pd.to_datetime(pd.Series(values, dtype=object)).to_numpy()
            out[name] = pd.Series(days.astype("datetime64[ns]"))
        elif col.kind in (schema.INT, schema.FLOAT, schema.YEAR):
            try:  # None -> NaN
                numbers = pd.Series(np.asarray(values, dtype="float64"))
            except (TypeError, ValueError):
                numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64")
            bad = numbers.notna() & ~np.isfinite(numbers)
            if bad.any():
                _log.warning("%s.%s: %d stored value(s) out of range read as empty", reg.table, name, int(bad.sum()))
                numbers = numbers.where(~bad, np.nan)
            out[name] = numbers
        else:
            out[name] = pd.Series(values, dtype=object)  # object: pandas would infer its str dtype
    return pd.DataFrame(out)


def dated_rows(conn: sa.Connection, register: str, keys: list[str], columns: list[str],
               start: dt.date, end: dt.date, ordered: bool = False) -> pd.DataFrame:
    """Live rows of a dated register of the branches ``keys`` dated from ``start`` to ``end`` (one
    calendar year): ``branch`` and ``columns`` (the date column always included), one query;
    ``ordered``: each branch's rows in date and workbook order, as ``Store.load`` gives them."""
    reg = schema.REGISTERS[register]
    t = TABLES[register]
    columns = list(dict.fromkeys([reg.period_column, *columns]))
    date = t.c[reg.period_column]
    query = (sa.select(t.c.branch, *(t.c[c] for c in columns))
             .where(t.c.branch.in_(keys), t.c.period.in_(_months(start, end)), t.c.removed_by.is_(None),
                    date.between(start, end)))
    if ordered:
        query = query.order_by(t.c.branch, date, t.c.seq, t.c.id)
    rows = conn.execute(query).cursor.fetchall()  # raw driver rows, typed whole columns below
    return _typed(rows, register, columns)


def target_rows(conn: sa.Connection, keys: list[str], year: int) -> pd.DataFrame:
    """The live 计划目标 rows for ``year`` of ``keys`` (branches, and the organisation whose
    defaults they inherit): branch, year, indicator, target, in each branch's stored order."""
    t = TABLES["targets"]
    columns = ["year", "indicator", "target"]
    query = (sa.select(t.c.branch, *(t.c[c] for c in columns))
             .where(t.c.branch.in_(keys), t.c.year == int(year), t.c.removed_by.is_(None))
             .order_by(t.c.branch, t.c.year, t.c.seq, t.c.id))
    return _typed(conn.execute(query).cursor.fetchall(), "targets", columns)


def roster_rows(conn: sa.Connection, keys: list[str], columns: tuple[str, ...] = ("name", "position", "group")
                ) -> pd.DataFrame:
    """The live 党员名册 rows of ``keys``: branch and ``columns``, in each branch's workbook order."""
    t = TABLES["roster"]
    query = (sa.select(t.c.branch, *(t.c[c] for c in columns))
             .where(t.c.branch.in_(keys), t.c.removed_by.is_(None)).order_by(t.c.branch, t.c.seq, t.c.id))
    return _typed(conn.execute(query).cursor.fetchall(), "roster", list(columns))


def year_frames(conn: sa.Connection, keys: list[str], columns: dict[str, list[str]], year: int, as_of: dt.date,
                organisation: str | None = None) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """What the organisation's figures read for the branches ``keys``: (register -> the year's rows up
    to ``as_of`` with ``columns[register]``; 学习教育 in date order, the 三会一课 check lists groups in
    the order they appear), the 计划目标 rows of the year (theirs and the ``organisation``'s, whose
    defaults they inherit) and their 党员名册."""
    start, end = dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31))
    frames = {reg: dated_rows(conn, reg, keys, cols, start, end, ordered=reg == "study")
              for reg, cols in columns.items()}
    targets = target_rows(conn, [*keys, *([organisation] if organisation else [])], year)
    return frames, targets, roster_rows(conn, keys)
