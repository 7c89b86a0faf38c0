"""三会一课 compliance: rules as a declarative table, a period × rule grid, what is missing, quorum.

Built-in rules follow 《中国共产党支部工作条例（试行）》. Local rules come from settings
(``Settings.local_rules``) as a list of dicts:

    {"type": "讲党课" | ["廉政教育", "警示教育"],   # 学习教育 types (aliases accepted)
     "every": "month" | "quarter" | "year",        # or 月 / 季度 / 年
     "min": 1,                                     # optional, at least this many per period
     "name": "党课每季度至少1次",                  # optional, default built from the above
     "article": "本单位规定",                      # optional, where the rule comes from
     "per_group": false}                           # optional, count each 党小组 separately
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data import texts
from data.errors import SettingsError
from data.schema import STUDY, normalize_text, split_names
from metrics.frames import Window, cutoff, plain, prepare, register_frame
from metrics.progress import period_label
from metrics.states import Frequency, Mark

PERIODS = {Frequency.MONTH: 12, Frequency.QUARTER: 4, Frequency.YEAR: 1}


@dataclass(frozen=True)
class Rule:
    key: str
    name: str
    types: tuple[str, ...]          # 学习教育 类型 values that satisfy the rule
    every: Frequency                # month | quarter | year
    article: str                    # where it comes from, e.g. 第十一条
    action: str                     # verb phrase for the missing list: 召开支部党员大会
    min: int = 1                    # at least this many per period
    per_group: bool = False         # per 党小组 when the rows name their 党小组
    preferred_quarter: int | None = None   # a year rule that should fall in this quarter
    speaker_position: str | None = None    # 主讲人 must hold this roster 职务 (when a roster is loaded)
    quorum: bool = False            # more than half of 应到 must be present


RULES: tuple[Rule, ...] = (
    Rule("assembly", "支部党员大会每季度1次", ("支部党员大会",), Frequency.QUARTER, "第十一条", "召开支部党员大会", quorum=True),
    Rule("committee", "支委会每月1次", ("支委会",), Frequency.MONTH, "第十二条", "召开支委会", quorum=True),
    Rule("group", "党小组会每月1次", ("党小组会",), Frequency.MONTH, "第十三条", "召开党小组会", per_group=True),
    Rule("theme_day", "主题党日每月1次", ("主题党日",), Frequency.MONTH, "第十六条", "开展主题党日"),
    Rule("life_meeting", "组织生活会每年1次", ("组织生活会",), Frequency.YEAR, "第十七条", "召开组织生活会",
         preferred_quarter=4),
    Rule("appraisal", "民主评议党员每年1次", ("民主评议",), Frequency.YEAR, "第十八条", "开展民主评议党员"),
    Rule("secretary_lecture", "书记每年至少讲1次党课", ("讲党课",), Frequency.YEAR, "第十六条", "安排书记讲党课",
         speaker_position="书记"),
)

_EVERY_WORDS = {"month": Frequency.MONTH, "月": Frequency.MONTH,
                "quarter": Frequency.QUARTER, "季度": Frequency.QUARTER, "季": Frequency.QUARTER,
                "year": Frequency.YEAR, "年": Frequency.YEAR, "年度": Frequency.YEAR}


def _study_type(value: object) -> str | None:
    col = STUDY.column("type")
    text = normalize_text(value)
    aliases = {normalize_text(k): v for k, v in col.value_aliases.items()}
    text = aliases.get(text, text)
    return text if text in col.values else None


def local_rules(entries: Iterable[Mapping]) -> tuple[Rule, ...]:
    """Rules from settings (shape in the module docstring). Raises ``SettingsError`` (a Chinese message)."""
    rules = []
    for index, entry in enumerate(entries, 1):
        def bad(reason: str) -> SettingsError:
            return SettingsError(texts.COMPLIANCE_BAD_RULE.format(index=index, reason=reason))

        raw = entry.get("type", entry.get("types"))
        raw_types = [raw] if isinstance(raw, str) else list(raw or [None])
        types = []
        for t in raw_types:
            canonical = _study_type(t) if t is not None else None
            if canonical is None:
                known = texts.METRIC_LIST_SEP.join(STUDY.column("type").values)
                raise bad(texts.COMPLIANCE_BAD_TYPE.format(value=t, known=known))
            types.append(canonical)
        every = _EVERY_WORDS.get(normalize_text(entry.get("every", "")).lower())
        if every is None:
            raise bad(texts.COMPLIANCE_BAD_EVERY.format(value=entry.get("every")))
        minimum = entry.get("min", 1)
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
            raise bad(texts.COMPLIANCE_BAD_MIN.format(value=minimum))
        joined = texts.METRIC_LIST_SEP.join(types)
        name = entry.get("name") or texts.COMPLIANCE_LOCAL_NAME.format(
            types=joined, every=texts.COMPLIANCE_EVERY[every], min=minimum)
        rules.append(Rule(f"local.{index}", str(name), tuple(types), every,
                          str(entry.get("article") or texts.COMPLIANCE_LOCAL_ARTICLE),
                          texts.COMPLIANCE_LOCAL_ACTION.format(types=joined), minimum,
                          per_group=bool(entry.get("per_group", False))))
    return tuple(rules)


@dataclass
class Compliance:
    year: int
    as_of: dt.date            # the last day counted
    grid: pd.DataFrame        # one row per rule × 党小组 × period (columns: see ``compliance``)
    missing: list[str]        # what is missing so far, in words
    quorum: pd.DataFrame      # meetings needing a quorum that give 应到 and 实到
    notes: list[str]          # advisories: quorum failures, preferred quarter, no roster...
    quorum_types: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule key -> types checked

    def records(self) -> list[dict]:
        """One JSON-ready dict per grid cell: the grid's columns (dates as ISO text; status the
        stable ``Mark`` value, followed by status_label, its Chinese label) plus quorum_failures,
        the dates of the cell's meetings without more than half present."""
        failed = self.quorum.loc[~self.quorum["ok"].astype(bool)]
        out = []
        for row in self.grid.to_dict("records"):
            rec = {}
            for k, v in row.items():
                rec[k] = plain(v)
                if k == "status":
                    rec["status_label"] = Mark(v).label
            dates = []
            if row["rule"] in self.quorum_types:
                start, end = pd.Timestamp(row["start"]), pd.Timestamp(row["end"])
                hit = failed["type"].isin(self.quorum_types[row["rule"]]) & failed["date"].between(start, end)
                dates = [plain(d) for d in failed.loc[hit, "date"]]
            rec["quorum_failures"] = dates
            out.append(rec)
        return out


def _period_bounds(year: int, every: Frequency, period: int) -> tuple[dt.date, dt.date]:
    months = 12 // PERIODS[every]
    start = dt.date(year, (period - 1) * months + 1, 1)
    end = (pd.Timestamp(year, period * months, 1) + pd.offsets.MonthEnd(0)).date()
    return start, end


def _label(every: Frequency, period: int) -> str:
    return texts.METRIC_YEAR if every == Frequency.YEAR else period_label(every, period)


def _secretaries(roster: pd.DataFrame, position: str) -> set[str]:
    """Normalised names whose 职务 holds ``position`` (书记, not 副书记)."""
    names = set()
    for name, held in zip(roster["name"].tolist(), roster["position"].tolist()):
        parts = split_names(held)
        if isinstance(name, str) and any(p.endswith(position) and not p.endswith("副" + position) for p in parts):
            names.add(normalize_text(name))
    return names


def _speaker_mask(win: Window, people: set[str]) -> np.ndarray:
    codes, uniques = win.codes("speaker")
    hit = np.asarray([any(n in people for n in split_names(u)) for u in uniques] + [False], dtype=bool)
    return hit[codes]


def _groups(win: Window, mask: np.ndarray, roster: pd.DataFrame) -> list[tuple[str, np.ndarray]] | None:
    """(党小组, row mask) for each group, roster groups first; None when no row names its group."""
    codes, uniques = win.codes("group")
    named = np.unique(codes[mask & (codes >= 0)])
    if not len(named):
        return None
    order = [normalize_text(g) for g in roster["group"].dropna().tolist()]
    order += [uniques[c] for c in named]
    groups = [g for g in dict.fromkeys(order) if g]
    index = {u: i for i, u in enumerate(uniques)}
    return [(g, mask & (codes == index.get(g, -2))) for g in groups]


def compliance(frames: dict, year: int, as_of: object = None, rules: tuple[Rule, ...] = RULES,
               local: Iterable[Mapping] = ()) -> Compliance:
    """The compliance grid for ``year`` up to ``as_of`` (None: the whole year).

    grid columns: rule, name, article, group (None for the branch), every, period, label, start,
    end, count, min, status (a ``Mark``: MET / MISSED / NOT_DUE, the period has not ended by the as-of date),
    message (the missing sentence, else None). A meeting counts for every rule it satisfies.
    """
    frames = prepare(frames)
    last = cutoff(year, as_of)
    win = Window.of_year(frames, "study", year, as_of)
    roster = register_frame(frames, "roster")
    has_roster = len(roster) > 0
    rows, missing, notes = [], [], []
    for rule in (*rules, *local_rules(local)):
        types = texts.METRIC_LIST_SEP.join(rule.types)
        mask = win.isin("type", rule.types)
        if rule.speaker_position:
            if has_roster:
                mask &= _speaker_mask(win, _secretaries(roster, rule.speaker_position))
            else:
                notes.append(texts.COMPLIANCE_NO_ROSTER.format(name=rule.name))
        groups = _groups(win, mask, roster) if rule.per_group else None
        if groups is None:
            groups = [(None, mask)]
        else:
            unnamed = int((mask & (win.codes("group")[0] < 0)).sum())
            if unnamed:
                notes.append(texts.COMPLIANCE_NO_GROUP.format(count=unnamed, type=types))
        n = PERIODS[rule.every]
        period_of = (win.month - 1) // (12 // n)
        for group, gmask in groups:
            counts = np.bincount(period_of[gmask], minlength=n)
            for period in range(1, n + 1):
                start, end = _period_bounds(year, rule.every, period)
                count = int(counts[period - 1])
                if count >= rule.min:
                    status, message = Mark.MET, None
                elif end <= last:
                    status = Mark.MISSED
                    template = texts.COMPLIANCE_MISSING_FEW if count else texts.COMPLIANCE_MISSING_NONE
                    message = template.format(period=_label(rule.every, period), group=group or "",
                                              action=rule.action, count=count, min=rule.min)
                    missing.append(message)
                else:
                    status, message = Mark.NOT_DUE, None
                rows.append({"rule": rule.key, "name": rule.name, "article": rule.article, "group": group,
                             "every": rule.every, "period": period, "label": _label(rule.every, period),
                             "start": start, "end": end, "count": count, "min": rule.min,
                             "status": status, "message": message})
        if rule.preferred_quarter and mask.any():
            q = rule.preferred_quarter
            q_end = _period_bounds(year, Frequency.QUARTER, q)[1]
            in_q = mask & ((win.month - 1) // 3 + 1 == q)
            if q_end <= last and not in_q.any():
                notes.append(texts.COMPLIANCE_PREFERRED.format(type=types, quarter=period_label(Frequency.QUARTER, q),
                                                               article=rule.article))
    quorum_types = {r.key: r.types for r in rules if r.quorum}
    quorum = quorum_check(win, tuple(t for types in quorum_types.values() for t in types))
    notes += [m for m in quorum["message"].tolist() if isinstance(m, str)]
    # object dtype keeps None (not NaN) for group and message; counts stay ints.
    grid = pd.DataFrame(rows, columns=["rule", "name", "article", "group", "every", "period", "label", "start",
                                       "end", "count", "min", "status", "message"], dtype=object)
    grid = grid.astype({"period": "int64", "count": "int64", "min": "int64"})
    return Compliance(year, last, grid, missing, quorum, notes, quorum_types)


def quorum_check(win: Window, types: tuple[str, ...]) -> pd.DataFrame:
    """Meetings of ``types`` with both 应到 and 实到: ok when more than half were present.

    Columns: date, type, expected, present, ok, message (None when ok). Original index kept.
    """
    expected, present = win.numbers("expected"), win.numbers("present")
    mask = win.isin("type", types) & ~np.isnan(expected) & ~np.isnan(present)
    ok = present[mask] * 2 > expected[mask]
    codes, uniques = win.codes("type")
    out = pd.DataFrame({"date": win.dates[mask],
                        "type": [uniques[c] for c in codes[mask]],
                        "expected": expected[mask].astype(np.int64), "present": present[mask].astype(np.int64),
                        "ok": ok}, index=win.table.df.index[win.positions[mask]])
    messages = np.full(len(out), None, dtype=object)
    bad = out.iloc[np.flatnonzero(~ok)]
    messages[~ok] = [
        texts.COMPLIANCE_QUORUM.format(date=texts.long_date(d),
                                       type=t, present=p, expected=e)
        for d, t, e, p in zip(bad["date"], bad["type"], bad["expected"], bad["present"])]
    out["message"] = pd.Series(messages, index=out.index, dtype=object)
    return out
