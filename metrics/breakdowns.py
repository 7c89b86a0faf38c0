"""Derived tables the dashboard charts need and the indicator catalogue does not hold: rows (or a
sum) per month split by a column, an indicator's own value month by month, the most frequent
values of a column, and the compliance grid spread over the months of the year.

Pure functions over the same ``frames`` every metric takes, called like them:
``fn(frames, year, as_of, ...)``; no Streamlit. Each works on the rows dated in ``year`` up to
the as-of date (``metrics.frames.Window``; as_of None means the whole year), text compared
normalised, so their totals agree with the catalogue's counts. The functions are independent.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data import texts
from data.schema import ENUM, REGISTERS
from metrics.catalogue import CATALOGUE, by_key, combine, monthly_parts
from metrics.frames import Window, cutoff, prepare
from metrics.progress import period_label
from metrics.states import Frequency, Mark


def months_shown(year: int, as_of: object = None) -> list[int]:
    """The months of ``year`` that have begun by the as-of date (1..12; none for a date before the year)."""
    last = cutoff(year, as_of)
    return list(range(1, last.month + 1)) if last >= dt.date(year, 1, 1) else []


def row_count(frames: dict, year: int, as_of: object, register: str) -> int:
    """How many rows of ``register`` are dated in ``year`` up to the as-of date."""
    return len(Window.of_year(prepare(frames), register, year, as_of))


def cumulative_keys(table: pd.DataFrame, register: str) -> list[str]:
    """The indicators of ``register`` to chart cumulatively, catalogue order: the counts and sums
    with a target in ``table`` (``metrics.progress.progress_table``), or all of them when none
    has a target. Rates are left out (they do not accumulate)."""
    keys = [i.key for i in CATALOGUE if i.register == register and not i.fraction]
    targeted = set(table.loc[table["target"].notna(), "key"])
    return [k for k in keys if k in targeted] or keys


def cumulative_rows(series: pd.DataFrame, table: pd.DataFrame, register: str) -> pd.DataFrame:
    """The rows of ``series`` (``metrics.progress.series``) for ``cumulative_keys(table, register)``:
    what a register page charts cumulatively against the plan."""
    return series.loc[series["key"].isin(cumulative_keys(table, register))]


def _group_codes(win: Window, register: str, by: str | None) -> tuple[np.ndarray, list[str | None]]:
    """Per row a group number, and the group names (blank cells form the group None, last)."""
    if by is None:
        return np.zeros(len(win), dtype=np.int64), [None]
    codes, uniques = win.codes(by)
    return np.where(codes >= 0, codes, len(uniques)), [*uniques, None]


def _order(register: str, by: str | None, names: list[str | None], totals: np.ndarray) -> list[int]:
    """Group positions: an enum's values in schema order first, then the rest by total (desc) and
    name; the blank group last."""
    rank = {}
    if by is not None and REGISTERS[register].column(by).kind == ENUM:
        rank = {v: i for i, v in enumerate(REGISTERS[register].column(by).values)}
    named = [i for i, n in enumerate(names) if n is not None]
    named.sort(key=lambda i: (rank.get(names[i], len(rank)), -totals[i], names[i]))
    return named + [i for i, n in enumerate(names) if n is None]


def monthly(frames: dict, year: int, as_of: object, register: str, by: str | None = None,
            weight: str | None = None) -> pd.DataFrame:
    """Rows per month (or the sum of the numeric column ``weight``), split by the column ``by``.

    Long form, one row per shown month (``months_shown``) and group present in the window:
    month (1..12), label ("3月"), group (the normalised value of ``by``; ``texts.BOARD_UNSPECIFIED``
    for blank cells; None without ``by``), value (int64 for counts, float64 for sums; months
    without rows are 0). Groups: an enum column's values in schema order, then by total; with
    ``weight``, groups whose sum is 0 are left out.
    """
    frames = prepare(frames)
    win = Window.of_year(frames, register, year, as_of)
    months = months_shown(year, as_of)
    groups, names = _group_codes(win, register, by)
    weights = np.ones(len(win)) if weight is None else np.nan_to_num(win.numbers(weight))
    table = np.zeros((len(names), 12))
    np.add.at(table, (groups, win.month - 1), weights)
    present = np.bincount(groups, minlength=len(names)) > 0
    if weight is not None:
        present &= table.sum(axis=1) != 0
    order = [i for i in _order(register, by, names, table.sum(axis=1)) if present[i]]
    if by is None:
        order = [0]
    rows = [{"month": m, "label": period_label(Frequency.MONTH, m),
             "group": None if by is None else (names[g] if names[g] is not None else texts.BOARD_UNSPECIFIED),
             "value": table[g, m - 1]}
            for g in order for m in months]
    out = pd.DataFrame(rows, columns=["month", "label", "group", "value"])
    out["group"] = out["group"].astype(object)
    return out.astype({"month": "int64", "value": "int64" if weight is None else "float64"})


def monthly_indicator(frames: dict, year: int, as_of: object, key: str) -> pd.DataFrame:
    """An indicator month by month, each month on its own (not cumulative).

    Columns: month, label, value. For a rate (出勤率, 整改率) the month's own rate (NaN when the
    month has nothing to divide by); for counts and sums the month's increment; for distinct
    counts the values first seen that month (so the months add up to the year's value).
    """
    ind = by_key(key)
    win = Window.of_year(prepare(frames), ind.register, year, as_of)
    parts = monthly_parts(ind, win)
    rows = [{"month": m, "label": period_label(Frequency.MONTH, m), "value": combine(ind, parts[:, m - 1])}
            for m in months_shown(year, as_of)]
    out = pd.DataFrame(rows, columns=["month", "label", "value"])
    return out.astype({"month": "int64", "value": "float64"})


def top_values(frames: dict, year: int, as_of: object, register: str, column: str,
               weight: str | None = None, n: int = 10) -> pd.DataFrame:
    """The values of a single-valued column (an object, a volunteer's 姓名) met most often.

    Columns: value (normalised), rows (how many rows carry it), total (sum of ``weight`` over
    them; only with ``weight``). Sorted by total (with ``weight``) or rows, descending, then by
    value; blank cells ignored; at most ``n`` rows.
    """
    win = Window.of_year(prepare(frames), register, year, as_of)
    codes, uniques = win.codes(column)
    named = codes >= 0
    out = pd.DataFrame({"value": pd.Series(uniques, dtype=object),
                        "rows": np.bincount(codes[named], minlength=len(uniques)).astype(np.int64)})
    keys = ["rows"]
    if weight is not None:
        out["total"] = np.bincount(codes[named], weights=np.nan_to_num(win.numbers(weight))[named],
                                   minlength=len(uniques))
        keys = ["total", "rows"]
    out = out.loc[out["rows"] > 0]
    out = out.sort_values([*keys, "value"], ascending=[False] * len(keys) + [True], kind="mergesort")
    return out.head(n).reset_index(drop=True)


def compliance_cells(grid: pd.DataFrame) -> pd.DataFrame:
    """The compliance grid (``metrics.compliance.compliance(...).grid``) spread over the months:
    one row per rule (and 党小组) and month, for a period × rule heatmap.

    A quarterly or yearly cell covers each of its months. Columns: row (the rule's name, with the
    党小组 after it), rule, group, month, label (the cell's period, e.g. "第二季度"), count, min,
    status (a ``metrics.states.Mark``). Rows keep the grid's rule order.
    """
    rows = []
    for cell in grid.to_dict("records"):
        name = cell["name"] if not cell["group"] else texts.BOARD_RULE_GROUP.format(rule=cell["name"],
                                                                                    group=cell["group"])
        start, end = pd.Timestamp(cell["start"]).month, pd.Timestamp(cell["end"]).month
        rows += [{"row": name, "rule": cell["rule"], "group": cell["group"], "month": m, "label": cell["label"],
                  "count": cell["count"], "min": cell["min"], "status": cell["status"]}
                 for m in range(start, end + 1)]
    out = pd.DataFrame(rows, columns=["row", "rule", "group", "month", "label", "count", "min", "status"],
                       dtype=object)
    return out.astype({"month": "int64", "count": "int64", "min": "int64"})


def compliance_counts(grid: pd.DataFrame) -> dict[str, int]:
    """How many cells of the compliance grid are MET, MISSED, NOT_DUE and NOT_UPLOADED (``Mark``
    keys, in that order, zeros kept; NOT_UPLOADED only comes from ``metrics.glance.with_uploads``)."""
    counts = grid["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in Mark}
