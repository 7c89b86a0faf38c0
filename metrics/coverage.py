"""Coverage per member: volunteer hours, members with none yet, attendance from 参加人员.

Needs the 党员名册: without it every figure is None and ``message`` says a roster is needed
(a missing roster is not "zero hours").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data import texts
from data.schema import normalize_text, split_names
from metrics.frames import Window, prepare, register_frame


@dataclass
class Coverage:
    roster_loaded: bool
    message: str | None                  # why there are no figures (no roster), else None
    volunteer: pd.DataFrame | None       # name, group, times (人次), hours: every member, roster order
    without_volunteer: list[str] | None  # members with no volunteer service yet, roster order
    attendance: pd.DataFrame | None      # name, group, attended, sessions, rate (None: no 参加人员 listed)
    attendance_message: str | None       # why attendance is None, else None
    not_in_roster: list[str] | None      # names in the registers that the roster does not have


def _members(frames: dict) -> pd.DataFrame:
    roster = register_frame(frames, "roster")
    names = [normalize_text(n) if isinstance(n, str) else "" for n in roster["name"].tolist()]
    groups = [normalize_text(g) if isinstance(g, str) and normalize_text(g) else None
              for g in roster["group"].tolist()]
    members = pd.DataFrame({"name": names, "group": groups}, dtype=object)
    return members.loc[members["name"] != ""].drop_duplicates("name").reset_index(drop=True)


def coverage(frames: dict, year: int, as_of: object = None) -> Coverage:
    """Per-member figures for ``year`` up to ``as_of`` (None: the whole year).

    attendance: ``sessions`` is the number of 学习教育 rows that list 参加人员, ``attended`` how
    many of them list the member, ``rate`` = attended / sessions.
    """
    members = _members(frames)
    if members.empty:
        return Coverage(False, texts.COVERAGE_NEEDS_ROSTER, None, None, None, None, None)
    roster_names = set(members["name"])

    frames = prepare(frames)
    vol = Window.of_year(frames, "volunteer", year, as_of)
    codes, uniques = vol.codes("name")
    hours = np.nan_to_num(vol.numbers("hours"))
    named = codes >= 0
    times_by = np.bincount(codes[named], minlength=len(uniques))
    hours_by = np.bincount(codes[named], weights=hours[named], minlength=len(uniques))
    times = {n: t for n, t in zip(uniques, times_by.tolist()) if t}
    total = {n: h for n, h, t in zip(uniques, hours_by.tolist(), times_by.tolist()) if t}
    volunteer = members.assign(times=[int(times.get(n, 0)) for n in members["name"]],
                               hours=[float(total.get(n, 0.0)) for n in members["name"]])
    without = volunteer.loc[volunteer["times"] == 0, "name"].tolist()

    study = Window.of_year(frames, "study", year, as_of)
    codes, uniques = study.codes("attendees")
    listed = codes >= 0
    per_list = np.bincount(codes[listed], minlength=len(uniques))
    sessions = int(listed.sum())
    attended: dict[str, int] = {}
    for text, n in zip(uniques, per_list.tolist()):
        if not n:
            continue
        for name in dict.fromkeys(split_names(text)):
            attended[name] = attended.get(name, 0) + n
    attendance, attendance_message = None, texts.COVERAGE_NO_ATTENDEES
    if sessions:
        counts = [attended.get(n, 0) for n in members["name"]]
        attendance = members.assign(attended=counts, sessions=sessions, rate=[c / sessions for c in counts])
        attendance_message = None

    outsiders = [n for n in dict.fromkeys([*times, *attended]) if n not in roster_names]
    return Coverage(True, None, volunteer, without, attendance, attendance_message, outsiders)
