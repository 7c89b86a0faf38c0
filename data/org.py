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
    grid = np.empty((len(rows), len(columns) + 1), dtype=object)  # the rows' cells, columns sliced below
    if rows:
        grid[:] = rows
    data = [grid[:, i] for i in range(grid.shape[1])]
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


def latest_months(conn: sa.Connection, keys: list[str], start: dt.date, end: dt.date) -> dict[str, str]:
    """Per branch of ``keys``: the latest month (YYYY-MM) from ``start`` to ``end`` in which any of
    its activity registers has a live row; a branch with none is absent. One query per register on
    the (branch, period) index."""
    months = _months(start, end)
    out: dict[str, str] = {}
    for register in schema.ACTIVITY_REGISTERS:
        t = TABLES[register]
        query = (sa.select(t.c.branch, sa.func.max(t.c.period))
                 .where(t.c.branch.in_(keys), t.c.period.in_(months), t.c.removed_by.is_(None))
                 .group_by(t.c.branch))
        for branch, month in conn.execute(query):
            out[branch] = max(out.get(branch, month), month)
    return out


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


def _number(column: sa.ColumnElement) -> sa.ColumnElement:
    """A number as ``Store.load`` reads it: inf and NaN written by hand count as empty."""
    return sa.case((column.between(-1e300, 1e300), column))


def indicator_sums(conn: sa.Connection, register: str, keys: list[str], indicators, start: dt.date,
                   end: dt.date) -> dict[str, np.ndarray]:
    """The year's parts of each indicator of one register for every branch in ``keys``, summed in the
    database (one GROUP BY query): {indicator key: array (parts, len(keys))}, the parts
    ``metrics.catalogue.monthly_parts`` sums to (count; sum; distinct count; numerator and denominator).

    ``indicators``: objects with ``key``, ``agg``, ``filter``, ``columns``, ``share_values`` (the
    catalogue's entries). Text is compared as stored: every import stores it normalised
    (``schema.normalize_text``), as the metrics compare it. Rows of dates outside [start, end] and
    removed rows do not count. A filter value with ``*`` (a pattern) is refused (``ValueError``): such an
    indicator is computed from rows (``metrics.rollup.rollup_all`` without ``parts``)."""
    reg = schema.REGISTERS[register]
    t = TABLES[register]
    date = t.c[reg.period_column]

    def number(name: str) -> sa.ColumnElement:
        value = _number(t.c[name])
        blank = reg.column(name).blank_as
        return value if blank is None else sa.func.coalesce(value, blank)

    columns, names = [], []
    for ind in indicators:
        if any("*" in v for values in ind.filter.values() for v in values):
            # a COUNTIF-style pattern (metrics.frames.wildcard) is matched on rows, not here
            raise ValueError(f"{ind.key}: a filter pattern cannot be summed in the database")
        cond = sa.and_(sa.true(), *(t.c[c].in_(list(v)) for c, v in ind.filter.items()))
        if ind.agg == "count":
            parts = [sa.func.sum(sa.case((cond, 1), else_=0))]
        elif ind.agg == "sum":
            parts = [sa.func.sum(sa.case((cond, number(ind.columns[0]))))]
        elif ind.agg == "distinct":
            filled = sa.and_(cond, *(t.c[c].is_not(None) for c in ind.columns))
            key = (t.c[ind.columns[0]] if len(ind.columns) == 1 else
                   sa.func.concat_ws("\x1f", *(sa.cast(t.c[c], sa.Text) for c in ind.columns))
                   if conn.dialect.name == "postgresql" else
                   sa.literal_column(" || '\x1f' || ".join(f'"{t.name}"."{c}"' for c in ind.columns)))
            parts = [sa.func.count(sa.distinct(sa.case((filled, key))))]
        elif ind.agg == "ratio":
            a, b = number(ind.columns[0]), number(ind.columns[1])
            both = sa.and_(cond, a.is_not(None), b.is_not(None))
            parts = [sa.func.sum(sa.case((both, a))), sa.func.sum(sa.case((both, b)))]
        else:  # share
            hit = sa.and_(cond, t.c[ind.columns[0]].in_(list(ind.share_values)))
            parts = [sa.func.sum(sa.case((hit, 1), else_=0)), sa.func.sum(sa.case((cond, 1), else_=0))]
        columns += parts
        names.append((ind.key, len(parts)))
    query = (sa.select(t.c.branch, *columns)
             .where(t.c.branch.in_(keys), t.c.period.in_(_months(start, end)), t.c.removed_by.is_(None),
                    date.between(start, end))
             .group_by(t.c.branch))
    position = {k: i for i, k in enumerate(keys)}
    width = sum(n for _, n in names)
    grid = np.zeros((width, len(keys)))
    for row in conn.execute(query).all():
        grid[:, position[row[0]]] = [float(v or 0) for v in row[1:]]
    out, at = {}, 0
    for key, n in names:
        out[key] = grid[at:at + n]
        at += n
    return out


def year_sums(conn: sa.Connection, keys: list[str], indicators, year: int, as_of: dt.date) -> dict[str, np.ndarray]:
    """``indicator_sums`` of every register the ``indicators`` count, for ``year`` up to ``as_of``."""
    start, end = dt.date(year, 1, 1), min(as_of, dt.date(year, 12, 31))
    by_register: dict[str, list] = {}
    for ind in indicators:
        by_register.setdefault(ind.register, []).append(ind)
    out: dict[str, np.ndarray] = {}
    for register, group in by_register.items():
        out |= indicator_sums(conn, register, keys, group, start, end)
    return out
