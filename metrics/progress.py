"""Progress against the plan: 序时进度, completion and status, cumulative series, 同比.

Counts and sums accumulate over the year and are compared with 序时进度 (the share of the year
passed). Rates (出勤率, 整改率) do not accumulate: they are compared with the target itself, and
their plan line is flat at the target.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data import texts
from metrics.catalogue import CATALOGUE, Indicator, combine, monthly_parts, resolve, windows
from metrics.frames import cutoff, prepare, register_frame, to_date, year_end, year_start
from metrics.states import Frequency, Status

TOLERANCE = 1e-9


def default_as_of(year: int, today: dt.date) -> dt.date:
    """The as-of date when none is given: today, or 31 Dec for a past year."""
    return min(today, year_end(year))


def time_progress(year: int, as_of: object = None) -> float:
    """序时进度: days from 1 Jan to the as-of date inclusive / days in the year (1.0 for a past year).

    None means the year is over (1.0); an as-of date before the year gives 0.0.
    """
    day = to_date(as_of)
    if day is None or day >= year_end(year):
        return 1.0
    if day < year_start(year):
        return 0.0
    days = (year_end(year) - year_start(year)).days + 1
    return ((day - year_start(year)).days + 1) / days


def targets_for(frames: dict, year: int, catalogue: tuple[Indicator, ...] = CATALOGUE) -> dict[str, float]:
    """{indicator key: target} from the 计划目标 register for ``year``.

    指标 may be a name or a key; unknown ones are skipped (the import validator rejects them).
    For a rate, a target above 1 is read as a percentage (90 -> 0.9). A repeated indicator: the
    last row wins.
    """
    df = register_frame(frames, "targets")
    years = pd.to_numeric(df["year"], errors="coerce")
    rows = df.loc[(years == year).fillna(False).to_numpy(dtype=bool)]
    result: dict[str, float] = {}
    for name, target in zip(rows["indicator"].tolist(), pd.to_numeric(rows["target"], errors="coerce").tolist()):
        ind = resolve(name, catalogue)
        if ind is None or target is None or np.isnan(target):
            continue
        result[ind.key] = target / 100 if ind.fraction and target > 1 else float(target)
    return result


def _pct(x: float) -> float:
    """A fraction as a percentage rounded to one decimal, the way it is printed."""
    return round(x * 100, 1)


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def assess(ind: Indicator, value: float | int | None, target: float | None, progress: float) -> dict:
    """completion, status, gap_pp (percentage points) and the words for one indicator.

    status is a ``Status``. Cumulative: DONE when value ≥ target, BEHIND when completion < 序时进度,
    else ON_TRACK; the gap is completion minus 序时进度. Rates: DONE when value ≥ target, else
    BEHIND; the gap is value minus target. A target without a value: NO_DATA. Gaps come from the printed (one-decimal) percentages, so the words add up.
    """
    out = {"completion": None, "status": None, "gap_pp": None, "summary": None}
    if target is None:
        return out
    if value is None:
        return {**out, "status": Status.NO_DATA, "summary": texts.METRIC_WORDS_NO_DATA}
    done = value >= target - TOLERANCE
    completion = value / target if target > 0 else None
    out["completion"] = completion
    if ind.fraction:
        gap = round(_pct(value) - _pct(target), 1)
        words = texts.METRIC_WORDS_RATE_DONE if done else texts.METRIC_WORDS_RATE_BEHIND
        return {**out, "status": Status.DONE if done else Status.BEHIND, "gap_pp": gap,
                "summary": words.format(value=_fmt(_pct(value)), target=_fmt(_pct(target)), gap=_fmt(abs(gap)))}
    if completion is None:  # a target of zero is met by any value
        return {**out, "status": Status.DONE, "summary": texts.METRIC_WORDS_ZERO_TARGET}
    gap = round(_pct(completion) - _pct(progress), 1)
    if done:
        status, words = Status.DONE, texts.METRIC_WORDS_DONE
    elif gap < 0:
        status, words = Status.BEHIND, texts.METRIC_WORDS_BEHIND
    else:
        status = Status.ON_TRACK
        words = texts.METRIC_WORDS_AHEAD if gap > 0 else texts.METRIC_WORDS_LEVEL
    return {**out, "status": status, "gap_pp": gap,
            "summary": words.format(completion=_fmt(_pct(completion)), gap=_fmt(abs(gap)))}


def _previous_as_of(year: int, as_of: object) -> dt.date | None:
    """The same day a year earlier (29 Feb -> 28 Feb); None stays None (the whole year)."""
    day = to_date(as_of)
    if day is None or day >= year_end(year):
        return None
    return (pd.Timestamp(day) - pd.DateOffset(years=1)).date()


def progress_table(frames: dict, year: int, as_of: object = None,
                   catalogue: tuple[Indicator, ...] = CATALOGUE) -> pd.DataFrame:
    """One row per indicator, catalogue order.

    Columns: key, name, unit, value, target, completion, time_progress, status, gap_pp, summary,
    previous (same period last year, None when the register has no rows that year), yoy (growth
    against previous for counts and sums; None for rates or when previous is 0 or missing).
    target/completion/status/gap_pp/summary are None for an indicator without a target; status is
    a ``metrics.states.Status``.
    """
    frames = prepare(frames)
    progress = time_progress(year, as_of)
    targets = targets_for(frames, year, catalogue)
    current = windows(frames, year, as_of, catalogue)
    previous = windows(frames, year - 1, _previous_as_of(year, as_of), catalogue)
    last_year = windows(frames, year - 1, None, catalogue)
    rows = []
    for ind in catalogue:
        val = combine(ind, monthly_parts(ind, current[ind.register]).sum(axis=1))
        prev = None
        if len(last_year[ind.register]):
            prev = combine(ind, monthly_parts(ind, previous[ind.register]).sum(axis=1))
        yoy = None
        if not ind.fraction and prev and val is not None:
            yoy = val / prev - 1
        target = targets.get(ind.key)
        rows.append({"key": ind.key, "name": ind.name, "unit": ind.unit, "value": val, "target": target,
                     "time_progress": progress, **assess(ind, val, target, progress),
                     "previous": prev, "yoy": yoy})
    columns = ["key", "name", "unit", "value", "target", "completion", "time_progress", "status", "gap_pp",
               "summary", "previous", "yoy"]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def period_label(freq: Frequency, period: int) -> str:
    if freq == Frequency.MONTH:
        return texts.METRIC_MONTH.format(month=period)
    return texts.METRIC_QUARTER.format(quarter=texts.METRIC_QUARTER_NUMERALS[period - 1])


def _month_end(year: int, month: int) -> dt.date:
    return (pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)).date()


def series(frames: dict, year: int, as_of: object = None, freq: Frequency = Frequency.MONTH,
           catalogue: tuple[Indicator, ...] = CATALOGUE) -> pd.DataFrame:
    """Cumulative monthly or quarterly series of every indicator, for charting.

    Long form, one row per indicator and period: key, name, unit, period (1..12 or 1..4), label,
    value (cumulative to the period's end, or to the as-of date in its last period; NaN for
    periods after it), plan (the straight line from 0 to the target at year end, flat at the
    target for rates; NaN without a target), previous (last year's cumulative value for the same
    period; NaN when the register has no rows last year).
    """
    if freq not in (Frequency.MONTH, Frequency.QUARTER):
        raise ValueError(freq)
    months = list(range(1, 13)) if freq == Frequency.MONTH else [3, 6, 9, 12]
    last = cutoff(year, as_of)
    # A period is shown once it has begun by the as-of date (its value runs to the as-of date).
    shown = {m for m in months if dt.date(year, m if freq == Frequency.MONTH else m - 2, 1) <= last}
    frames = prepare(frames)
    targets = targets_for(frames, year, catalogue)
    current = windows(frames, year, as_of, catalogue)
    before = windows(frames, year - 1, None, catalogue)
    idx = np.asarray(months) - 1
    rows = []
    for ind in catalogue:
        cum = monthly_parts(ind, current[ind.register]).cumsum(axis=1)
        prev_win = before[ind.register]
        prev_cum = monthly_parts(ind, prev_win).cumsum(axis=1) if len(prev_win) else None
        target = targets.get(ind.key)
        for period, m, i in zip(range(1, len(months) + 1), months, idx):
            val = combine(ind, cum[:, i]) if m in shown else None
            prev = combine(ind, prev_cum[:, i]) if prev_cum is not None else None
            if target is None:
                plan = None
            elif ind.fraction:
                plan = target
            else:
                plan = target * time_progress(year, _month_end(year, m))
            rows.append({"key": ind.key, "name": ind.name, "unit": ind.unit, "period": period,
                         "label": period_label(freq, period), "value": val, "plan": plan, "previous": prev})
    out = pd.DataFrame(rows, columns=["key", "name", "unit", "period", "label", "value", "plan", "previous"])
    return out.astype({"value": float, "plan": float, "previous": float})
