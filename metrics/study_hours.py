"""学时 per member: 《中国共产党党员教育管理工作条例》第二十条 — 党员每年集中学习培训时间一般不少于
32学时 (the settings' ``study_hours_min``).

A 学习教育 row counts for every member its 参加人员 lists, with its 学时. From the 党员名册: each
member's hours in the year up to the as-of date, the members below the pro-rata expectation
(minimum × 序时进度) and those below the minimum (final once the year is over). Without a roster,
without 参加人员 or without 学时 there are no figures: ``message`` says what is needed (a missing
list is not "0 学时"), like ``metrics.coverage``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import texts
from data.errors import SettingsError
from data.schema import split_names
from metrics.coverage import _members
from metrics.frames import Window, cutoff, prepare, year_end
from metrics.progress import time_progress

DEFAULT_MINIMUM = 32.0


def minimum_hours(value: object) -> float:
    """The settings' ``study_hours_min`` as a number of 学时; ``SettingsError`` unless a number > 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise SettingsError(texts.STUDY_HOURS_BAD_SETTING.format(value=value))
    return float(value)


@dataclass
class StudyHours:
    year: int
    as_of: dt.date                  # the last day counted
    minimum: float                  # 学时 a year (32)
    expected: float                 # minimum × 序时进度 at the as-of date
    year_over: bool                 # the as-of date is 31 Dec: below_minimum is final
    message: str | None             # why there are no figures (no roster, no 参加人员, no 学时), else None
    table: pd.DataFrame | None      # name, group, hours, sessions: every member, roster order
    below_expected: list[str] | None  # members under ``expected``, roster order
    below_minimum: list[str] | None   # members under ``minimum`` so far (for the whole year once it is over)
    rows_counted: int = 0           # 学习教育 rows with both 参加人员 and 学时
    rows_without_hours: int = 0     # rows listing 参加人员 without 学时 (not counted)
    not_in_roster: list[str] | None = None

    @property
    def has_data(self) -> bool:
        return self.message is None

    @property
    def average(self) -> float | None:
        """Mean hours per member of the roster."""
        return None if self.table is None or self.table.empty else float(self.table["hours"].mean())

    def sentence(self) -> str:
        """One sentence for the summary: the figures, or what is needed instead of a 0."""
        if self.message is not None:
            return self.message
        as_of = texts.long_date(self.as_of)
        if self.year_over:
            return texts.STUDY_HOURS_SENTENCE_YEAR.format(
                year=self.year, members=len(self.table), average=_hours(self.average), minimum=_hours(self.minimum),
                below=len(self.below_minimum), met=len(self.table) - len(self.below_minimum))
        return texts.STUDY_HOURS_SENTENCE.format(
            as_of=as_of, members=len(self.table), average=_hours(self.average), expected=_hours(self.expected),
            minimum=_hours(self.minimum), below=len(self.below_expected))


def _hours(x: float | None) -> str:
    if x is None:
        return texts.METRIC_NONE
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def study_hours(frames: dict, year: int, as_of: object = None, minimum: object = DEFAULT_MINIMUM) -> StudyHours:
    """学时 per member for ``year`` up to ``as_of`` (None: the whole year). ``minimum``: the
    settings' ``study_hours_min`` (a bad one raises ``SettingsError``)."""
    need = minimum_hours(minimum)
    last = cutoff(year, as_of)
    expected = need * time_progress(year, last)
    result = StudyHours(year, last, need, expected, last >= year_end(year), None, None, None, None)
    members = _members(frames)
    if members.empty:
        result.message = texts.STUDY_HOURS_NEEDS_ROSTER
        return result
    study = Window.of_year(prepare(frames), "study", year, last)
    codes, uniques = study.codes("attendees")
    hours = study.numbers("hours")
    listed = codes >= 0
    timed = listed & ~np.isnan(hours)
    result.rows_counted = int(timed.sum())
    result.rows_without_hours = int((listed & np.isnan(hours)).sum())
    if not listed.any():
        result.message = texts.STUDY_HOURS_NEEDS_ATTENDEES.format(year=year)
        return result
    if not timed.any():
        result.message = texts.STUDY_HOURS_NEEDS_HOURS.format(year=year)
        return result
    # Sum the hours per distinct 参加人员 text once, then spread them over its names.
    per_text = np.bincount(codes[timed], weights=hours[timed], minlength=len(uniques))
    rows_per_text = np.bincount(codes[timed], minlength=len(uniques))
    total: dict[str, float] = {}
    sessions: dict[str, int] = {}
    for text, h, n in zip(uniques, per_text.tolist(), rows_per_text.tolist()):
        if not n:
            continue
        for name in dict.fromkeys(split_names(text)):
            total[name] = total.get(name, 0.0) + h
            sessions[name] = sessions.get(name, 0) + n
    table = members.assign(hours=[float(total.get(n, 0.0)) for n in members["name"]],
                           sessions=[int(sessions.get(n, 0)) for n in members["name"]])
    result.table = table
    result.below_expected = table.loc[table["hours"] < expected - 1e-9, "name"].tolist()
    result.below_minimum = table.loc[table["hours"] < need - 1e-9, "name"].tolist()
    roster = set(members["name"])
    result.not_in_roster = [n for n in total if n not in roster]
    return result
