"""The leadership view at a glance: the tolerance band (略滞后), worst-first order, the status
line's counts, each register's freshness, "not uploaded yet" apart from "not held", and the rows
behind a number (a card, a 三会一课 gap) with a 滞后 card's month-by-month shortfall.

Pure functions over what the other metrics return (``metrics.progress.progress_table`` and
``series``, ``metrics.compliance.Compliance``) and over the same ``frames``; no Streamlit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from data import texts
from metrics.catalogue import CATALOGUE, Indicator, by_key, rows_for
from metrics.compliance import Compliance
from data.schema import REGISTERS
from metrics.frames import Window, cutoff, prepare, register_frame
from metrics.states import Mark, Status

# Short names for the states this module works with (metrics.states).
DONE, ON_TRACK, SLIGHTLY_BEHIND, BEHIND, NO_DATA = (Status.DONE, Status.ON_TRACK, Status.SLIGHTLY_BEHIND,
                                                    Status.BEHIND, Status.NO_DATA)
MISSED, NOT_UPLOADED = Mark.MISSED, Mark.NOT_UPLOADED

DEFAULT_TOLERANCE_PP = 5.0
# Worst first: the order of the cards and of the status line.
STATUS_ORDER = (BEHIND, SLIGHTLY_BEHIND, NO_DATA, ON_TRACK, DONE)
DATED_REGISTERS = ("study", "inspections", "volunteer")


def band(status: object, gap_pp: object, tolerance_pp: float = DEFAULT_TOLERANCE_PP) -> object:
    """``status`` with the tolerance band applied: 滞后 by at most ``tolerance_pp`` percentage
    points (below 序时进度; for a rate, below its target) is 略滞后; anything else is unchanged."""
    if status != BEHIND or gap_pp is None or pd.isna(gap_pp):
        return status
    return SLIGHTLY_BEHIND if -float(gap_pp) <= tolerance_pp + 1e-9 else status


def with_tolerance(table: pd.DataFrame, tolerance_pp: float = DEFAULT_TOLERANCE_PP) -> pd.DataFrame:
    """``progress_table`` rows with ``band`` applied to each status (a copy)."""
    out = table.copy()
    out["status"] = pd.Series([band(s, g, tolerance_pp) for s, g in zip(table["status"], table["gap_pp"])],
                              index=table.index, dtype=object)  # None stays None (no target), not NaN
    return out


def worst_first(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with a target, worst first: by ``STATUS_ORDER``, then by gap (most behind first),
    then catalogue order."""
    rows = table.loc[table["target"].notna()]
    rank = {s: i for i, s in enumerate(STATUS_ORDER)}
    gap = pd.to_numeric(rows["gap_pp"], errors="coerce").fillna(0.0)
    order = pd.DataFrame({"rank": [rank.get(s, len(rank)) for s in rows["status"]], "gap": gap.to_numpy(),
                          "pos": np.arange(len(rows))})
    return rows.iloc[order.sort_values(["rank", "gap", "pos"], kind="stable").index.to_numpy()]


def status_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many indicators with a target are in each status (every status in ``STATUS_ORDER``)."""
    statuses = table.loc[table["target"].notna(), "status"].tolist()
    return {s: statuses.count(s) for s in STATUS_ORDER}


def status_line(table: pd.DataFrame, result: Compliance | None) -> str:
    """“12 项指标：已完成 9 项 · 正常 1 项 · 略滞后 1 项 · 滞后 1 项；三会一课缺失 2 项”: the
    statuses present, best first, and the 三会一课 gaps (``result.missing``)."""
    counts = status_counts(table)
    total = sum(counts.values())
    parts = [texts.GLANCE_STATUS_PART.format(status=s.label, count=counts[s]) for s in reversed(STATUS_ORDER)
             if counts[s]]
    line = texts.GLANCE_STATUS_LINE.format(total=total, parts=texts.GLANCE_STATUS_SEP.join(parts)) if total \
        else texts.GLANCE_STATUS_NO_TARGETS
    if result is not None:
        line += (texts.GLANCE_COMPLIANCE_PART.format(missing=len(result.missing)) if result.missing
                 else texts.GLANCE_COMPLIANCE_NONE_MISSING)
    return line


# --- freshness and uploads ----------------------------------------------------------------------


def freshness(frames: dict, year: int, as_of: object = None) -> dict[str, int | None]:
    """{register: the latest month of ``year`` with rows up to the as-of date, or None} for the
    dated registers (学习教育, 检查核查, 志愿服务)."""
    frames = prepare(frames)
    out = {}
    for register in DATED_REGISTERS:
        months = Window.of_year(frames, register, year, as_of).month
        out[register] = int(months.max()) if len(months) else None
    return out


def freshness_line(fresh: dict[str, int | None]) -> str:
    """“学习教育更新至11月 · 检查核查更新至10月 · 志愿服务尚未上传” from ``freshness``."""
    return texts.GLANCE_FRESH_SEP.join(
        (texts.GLANCE_FRESH_NONE if month is None else texts.GLANCE_FRESH_PART).format(
            register=REGISTERS[register].name, month=month) for register, month in fresh.items())


@dataclasses.dataclass(frozen=True)
class Uploads:
    year: int
    year_empty: bool                 # no register has a row in the year (up to the as-of date)
    missing_months: tuple[int, ...]  # begun months (up to the as-of date) no register has a row in

    def message(self) -> str | None:
        """“2026年尚未上传台账” / “11月台账尚未上传” (the months after the last uploaded one), or None."""
        if self.year_empty:
            return texts.GLANCE_YEAR_NOT_UPLOADED.format(year=self.year)
        trailing = []
        for month in reversed(self.missing_months):
            if trailing and month != trailing[-1] - 1:
                break
            trailing.append(month)
        last = max(self.missing_months, default=None)
        if not trailing or last is None:
            return None
        months = texts.GLANCE_MONTH_SEP.join(texts.GLANCE_MONTH.format(month=m) for m in reversed(trailing))
        return texts.GLANCE_MONTHS_NOT_UPLOADED.format(months=months)


def uploads(frames: dict, year: int, as_of: object = None) -> Uploads:
    """Which begun months of ``year`` have no row in any dated register: “not uploaded yet”."""
    last = cutoff(year, as_of)
    begun = list(range(1, last.month + 1)) if last >= dt.date(year, 1, 1) else []
    fresh = prepare(frames)
    seen: set[int] = set()
    for register in DATED_REGISTERS:
        seen.update(np.unique(Window.of_year(fresh, register, year, as_of).month).tolist())
    return Uploads(year, not seen, tuple(m for m in begun if m not in seen))


def _study_months(frames: dict, year: int, as_of: object) -> set[int]:
    return set(np.unique(Window.of_year(prepare(frames), "study", year, as_of).month).tolist())


def with_uploads(result: Compliance, frames: dict) -> Compliance:
    """The compliance result with “no register yet” told apart from “no meeting held”: a 缺失
    cell whose period has no 学习教育 row at all (the register the rules count) becomes 尚未上传
    and leaves the list of missing items. A copy; the grid keeps its columns."""
    months = _study_months(frames, result.year, result.as_of)
    grid = result.grid.copy()
    starts = pd.to_datetime(grid["start"]).dt.month.to_numpy()
    ends = pd.to_datetime(grid["end"]).dt.month.to_numpy()
    empty = np.asarray([not any(m in months for m in range(s, e + 1)) for s, e in zip(starts, ends)], dtype=bool)
    hit = (grid["status"] == MISSED).to_numpy() & empty
    if not hit.any():
        return result
    gone = set(grid.loc[hit, "message"])
    grid.loc[hit, "status"] = NOT_UPLOADED
    grid.loc[hit, "message"] = None
    return dataclasses.replace(result, grid=grid, missing=[m for m in result.missing if m not in gone])


def compliance_state(result: Compliance, frames: dict) -> str | None:
    """One sentence when the compliance check has nothing to check: the year has no 学习教育 row
    (“2026年尚未上传学习教育台账”), else None."""
    if _study_months(frames, result.year, result.as_of):
        return None
    return texts.GLANCE_COMPLIANCE_NOT_UPLOADED.format(year=result.year)


# --- the rows behind a number -------------------------------------------------------------------


def card_rows(frames: dict, year: int, as_of: object, key: str,
              catalogue: tuple[Indicator, ...] = CATALOGUE) -> pd.DataFrame:
    """The register rows behind an indicator's card: the same rows 年度总结's 数字来源 lists
    (``metrics.catalogue.rows_for``); ``catalogue``: the full one (the branch's own included)."""
    return rows_for(by_key(key, catalogue), prepare(frames), year, cutoff(year, as_of))


def shortfall(series: pd.DataFrame, key: str) -> pd.DataFrame:
    """Month by month, an indicator's cumulative value against the plan line
    (``metrics.progress.series`` rows): label, value, plan, short (plan − value, 0 when ahead);
    only the periods shown (value known) with a plan."""
    part = series.loc[(series["key"] == key) & series["value"].notna() & series["plan"].notna()]
    out = part[["period", "label", "value", "plan"]].reset_index(drop=True)
    out["short"] = (out["plan"] - out["value"]).clip(lower=0.0)
    return out


def gap_rows(frames: dict, result: Compliance, rule: str, period: int, group: object = None,
             rules: tuple = ()) -> pd.DataFrame:
    """The 学习教育 rows one compliance cell counts (rule ``rule``, ``period``, 党小组 ``group``):
    as many as the cell's count. ``rules``: the local rules of the check (built-in ones are known)."""
    from metrics.compliance import RULES, _period_bounds, _secretaries, _speaker_mask

    found = next((r for r in (*RULES, *rules) if r.key == rule), None)
    if found is None:
        raise KeyError(rule)
    frames = prepare(frames)
    start, end = _period_bounds(result.year, found.every, period)
    win = Window.of_year(frames, "study", result.year, result.as_of)
    mask = win.isin("type", found.types) & (win.month >= start.month) & (win.month <= end.month)
    roster = register_frame(frames, "roster")
    if found.speaker_position and len(roster):
        mask &= _speaker_mask(win, _secretaries(roster, found.speaker_position))
    if group is not None and not pd.isna(group):
        codes, uniques = win.codes("group")
        mask &= codes == {u: i for i, u in enumerate(uniques)}.get(group, -2)
    return win.df.iloc[np.flatnonzero(mask)]
