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
    """Driver rows (branch first) as a frame in the schema contract's dtypes; numbers no import
    accepts (inf, NaN written by hand) read as empty, as ``Store.load`` reads them."""
    reg = schema.REGISTERS[register]
    data = list(zip(*rows)) or [()] * (len(columns) + 1)
    out = {"branch": pd.Series(data[0], dtype=object).astype("str")}
    for name, values in zip(columns, data[1:]):
        col = reg.column(name)
        series = col.kind.coerce(pd.Series(values, dtype=object))
        if col.kind == schema.FLOAT:
            bad = series.notna() & ~np.isfinite(series)
            if bad.any():
                _log.warning("%s.%s: %d stored value(s) out of range read as empty", reg.table, name, int(bad.sum()))
                series = series.where(~bad, np.nan)
        out[name] = series
    return pd.DataFrame(out)


def dated_rows(conn: sa.Connection, register: str, keys: list[str], columns: list[str],
               start: dt.date, end: dt.date) -> pd.DataFrame:
    """Live rows of a dated register of the branches ``keys`` dated from ``start`` to ``end`` (one
    calendar year): ``branch`` and ``columns`` (the date column always included), one query."""
    reg = schema.REGISTERS[register]
    t = TABLES[register]
    columns = list(dict.fromkeys([reg.period_column, *columns]))
    date = t.c[reg.period_column]
    query = (sa.select(t.c.branch, *(t.c[c] for c in columns))
             .where(t.c.branch.in_(keys), t.c.period.in_(_months(start, end)), t.c.removed_by.is_(None),
                    date.between(start, end))
             .order_by(t.c.branch, date, t.c.seq, t.c.id))  # each branch's rows as ``Store.load`` orders them
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
