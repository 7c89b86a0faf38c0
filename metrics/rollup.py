"""Many branches: the targets a branch inherits from its organisation, and the organisation's
roll-up (one row per branch and indicator). Pure functions over frames, like the rest of ``metrics``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from data import texts
from metrics.catalogue import CATALOGUE, Indicator, resolve
from metrics.frames import plain
from metrics.report import _table, format_number, format_percent, indicator_report
from metrics.states import Status, label

ROLLUP_COLUMNS = ("key", "branch", "name", "unit", "value", "target", "completion", "status", "status_label")


def _target_keys(targets: pd.DataFrame, catalogue: tuple[Indicator, ...]) -> pd.Series:
    """(year, indicator key) of each target row; the key is None for an unknown indicator."""
    keys = [getattr(resolve(v, catalogue), "key", None) for v in targets["indicator"].tolist()]
    years = pd.to_numeric(targets["year"], errors="coerce").tolist()
    return pd.Series(list(zip(years, keys)), index=targets.index, dtype=object)


def merge_targets(own: pd.DataFrame, inherited: pd.DataFrame | None,
                  catalogue: tuple[Indicator, ...] = CATALOGUE) -> pd.DataFrame:
    """A branch's 计划目标 with the organisation's defaults filled in: every inherited row for a
    (year, indicator) the branch sets no target for, then the branch's own rows. ``inherited`` None
    or empty: ``own`` unchanged. Indicators match by key or name (``catalogue.resolve``)."""
    if inherited is None or inherited.empty:
        return own
    if own.empty:
        return inherited.reset_index(drop=True)
    mine = set(_target_keys(own, catalogue))
    keep = ~_target_keys(inherited, catalogue).isin(mine)
    return pd.concat([inherited.loc[keep], own], ignore_index=True)


def rollup(frames_by_branch: Mapping[str, dict], year: int, as_of: object = None,
           catalogue: tuple[Indicator, ...] = CATALOGUE, *, tolerance_pp: float = 0.0) -> pd.DataFrame:
    """One row per branch and indicator (``ROLLUP_COLUMNS``), branches in the given order, indicators
    in catalogue order; each branch's frames as ``indicator_report`` takes them (targets merged),
    states as it gives them (``tolerance_pp``: the 略滞后 band, ``Settings.tolerance_pp``)."""
    parts = []
    for branch, frames in frames_by_branch.items():
        table, _ = indicator_report(frames, year=year, as_of=as_of, catalogue=catalogue,
                                    tolerance_pp=tolerance_pp)
        part = table.assign(branch=branch)
        part["status_label"] = [None if plain(s) is None else label(s) for s in part["status"]]
        parts.append(part[list(ROLLUP_COLUMNS)])
    if not parts:
        return pd.DataFrame(columns=list(ROLLUP_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def ranking(table: pd.DataFrame) -> pd.DataFrame:
    """Branches ranked by their mean completion over the indicators with a target (highest first):
    branch, indicators (with a target), mean_completion, behind (indicators behind 序时进度, slightly or not), rank."""
    with_target = table.loc[table["completion"].notna()]
    agg = (with_target.assign(completion=pd.to_numeric(with_target["completion"]),
                              behind=with_target["status"].isin([Status.BEHIND, Status.SLIGHTLY_BEHIND]))
           .groupby("branch", sort=False)
           .agg(indicators=("key", "size"), mean_completion=("completion", "mean"), behind=("behind", "sum")))
    every = pd.Index(table["branch"].unique(), name="branch")
    agg = agg.reindex(every).fillna({"indicators": 0, "behind": 0}).astype({"indicators": int, "behind": int})
    agg = agg.sort_values("mean_completion", ascending=False, na_position="last", kind="stable").reset_index()
    agg["rank"] = agg["mean_completion"].rank(ascending=False, method="min").astype("Int64")
    return agg


def rollup_records(table: pd.DataFrame) -> list[dict]:
    """``rollup``'s rows as JSON-ready dicts (rates as fractions, status its stable value)."""
    return [{k: plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def format_rollup(table: pd.DataFrame) -> str:
    """A readable Chinese table of ``rollup``: branch, indicator, value, target, completion, status."""
    h = texts.ROLLUP_HEADERS
    rows = [[r["branch"], r["name"], format_number(r["value"], r["unit"]), format_number(r["target"], r["unit"]),
             format_percent(r["completion"]), label(r["status"])]
            for r in table.to_dict("records")]
    return _table([h[c] for c in ("branch", "name", "value", "target", "completion", "status")], rows)


def comparison(table: pd.DataFrame, field: str = "completion") -> pd.DataFrame:
    """Branches × indicators (by name, catalogue order) of one ``rollup`` field: value, target,
    completion or status; branches in ``table``'s order."""
    names = list(dict.fromkeys(table["name"]))
    wide = table.pivot(index="branch", columns="name", values=field)
    return wide.reindex(index=list(dict.fromkeys(table["branch"])), columns=names)


def totals(table: pd.DataFrame, catalogue: tuple[Indicator, ...] = CATALOGUE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The organisation's year figures: (per indicator: key, name, unit, total, branches (with a
    value)), and (branch × indicator name: the branch's share of the total, 0..1). Counts and sums
    add up across branches; a distinct count too (an object two branches visited counts in each);
    rates have no total and are left out."""
    additive = {ind.key for ind in catalogue if not ind.fraction}
    rows = table.loc[table["key"].isin(additive)].assign(value=lambda t: pd.to_numeric(t["value"]))
    per = (rows.assign(branches=(rows["value"].fillna(0) > 0).astype(int))
           .groupby(["key", "name", "unit"], sort=False)
           .agg(total=("value", "sum"), branches=("branches", "sum"))
           .reset_index())
    total = rows["key"].map(dict(zip(per["key"], per["total"])))
    share = rows.assign(share=(rows["value"] / total.where(total > 0)))
    shares = comparison(share, "share")
    return per, shares


# --- every branch at once ----------------------------------------------------------------------
# The organisation's comparison over hundreds of branches: one frame per register holding every
# branch's rows (a ``branch`` column: the branch key), each indicator computed for all branches in
# one pass (``np.bincount`` over branch codes). ``rollup_all`` equals ``rollup`` over each branch's
# own frames (targets merged), ``gaps_all`` equals ``compliance(...).missing`` per branch
# (``tests/test_rollup_all.py`` compares them on imported registers).

COMPLIANCE_COLUMNS = ("type", "group", "speaker")  # the 学习教育 columns the 三会一课 gaps read


def needed_columns(catalogue: tuple[Indicator, ...] = CATALOGUE, compliance: bool = True) -> dict[str, list[str]]:
    """{register: the columns ``rollup_all`` (and, with ``compliance``, ``gaps_all``) read}: every
    indicator's filter and value columns; the date column is always read besides."""
    out: dict[str, dict[str, None]] = {}
    for ind in catalogue:
        out.setdefault(ind.register, {}).update(dict.fromkeys((*ind.filter, *ind.columns)))
    if compliance:
        out.setdefault("study", {}).update(dict.fromkeys(COMPLIANCE_COLUMNS))
    return {register: list(columns) for register, columns in out.items()}


def _branch_codes(branch: pd.Series, keys: list[str]) -> np.ndarray:
    """Each row's position in ``keys`` (-1 for a branch not asked for)."""
    return pd.Categorical(branch, categories=keys).codes.astype(np.int64)


def _year_table(frames: Mapping[str, pd.DataFrame], register: str, keys: list[str], year: int, as_of: object):
    """(window of the year up to the as-of date, each window row's branch code)."""
    from metrics.frames import Table, cutoff, register_frame, year_start

    df = register_frame(frames, register)
    codes = _branch_codes(df["branch"] if "branch" in df else pd.Series([], dtype=object), keys)
    win = Table(register, df).window(year_start(year), cutoff(year, as_of))
    return win, codes[win.positions]


def _parts_by_branch(ind: Indicator, win, branch: np.ndarray, n: int) -> np.ndarray:
    """Shape (parts, n): each branch's ``monthly_parts`` summed over the year (sums added month by
    month, as ``progress_table`` adds them, so the floats are the same)."""
    from metrics.catalogue import COUNT, DISTINCT, RATIO, SUM, _distinct_keys, contributing

    mask = contributing(ind, win) & (branch >= 0)
    b = branch[mask]

    def summed(weights: np.ndarray | None, rows: np.ndarray = mask) -> np.ndarray:
        cells = branch[rows] * 12 + win.month[rows] - 1
        w = None if weights is None else weights[rows]
        return np.bincount(cells, weights=w, minlength=n * 12)[:n * 12].reshape(n, 12).astype(float).sum(axis=1)

    if ind.agg == COUNT:
        return summed(None)[None, :]
    if ind.agg == SUM:
        return summed(win.numbers(ind.columns[0]))[None, :]
    if ind.agg == DISTINCT:
        pairs = pd.DataFrame({"b": b, "k": _distinct_keys(ind, win)[mask]}).drop_duplicates()
        return np.bincount(pairs["b"].to_numpy(dtype=np.int64), minlength=n)[None, :n].astype(float)
    if ind.agg == RATIO:
        return np.vstack([summed(win.numbers(ind.columns[0])), summed(win.numbers(ind.columns[1]))])
    hits = mask & win.isin(ind.columns[0], ind.share_values)
    return np.vstack([summed(None, hits), summed(None)])


def targets_all(targets: pd.DataFrame, keys: list[str], year: int, organisation: str | None = None,
                catalogue: tuple[Indicator, ...] = CATALOGUE) -> dict[str, dict[str, float]]:
    """{branch key: {indicator key: target}} for ``year``, as ``progress.targets_for`` reads each
    branch's ``merge_targets(own, organisation's)``: a branch's own row for an indicator (even an
    empty one) hides the organisation's; among the rows kept the last valid one wins; a rate's
    target above 1 is a percentage. ``targets``: rows of the branches and the organisation (a
    ``branch`` column), each branch's in stored order."""
    out: dict[str, dict[str, float]] = {k: {} for k in keys}
    if targets.empty:
        return out
    years = pd.to_numeric(targets["year"], errors="coerce")
    rows = targets.loc[(years == year).fillna(False).to_numpy(dtype=bool)]
    names = rows["indicator"].tolist()
    resolved = {n: resolve(n, catalogue) for n in set(names)}
    values = pd.to_numeric(rows["target"], errors="coerce").tolist()
    own: dict[str, dict[str, float | None]] = {}
    for branch, name, target in zip(rows["branch"].tolist(), names, values):
        ind = resolved[name]
        if ind is None:
            continue
        kept = own.setdefault(branch, {})
        valid = target is not None and not np.isnan(target)
        if valid:
            kept[ind.key] = target / 100 if ind.fraction and target > 1 else float(target)
        else:
            kept.setdefault(ind.key, None)  # present: hides the organisation's row
    inherited = {k: v for k, v in own.get(organisation, {}).items() if v is not None} if organisation else {}
    for key in keys:
        mine = own.get(key, {})
        merged = {k: v for k, v in inherited.items() if k not in mine}
        merged |= {k: v for k, v in mine.items() if v is not None}
        out[key] = merged
    return out


def rollup_all(frames: Mapping[str, pd.DataFrame], branches: Mapping[str, str], year: int, as_of: object = None,
               catalogue: tuple[Indicator, ...] = CATALOGUE, *, targets: pd.DataFrame | None = None,
               organisation: str | None = None, tolerance_pp: float = 0.0,
               parts: Mapping[str, np.ndarray] | None = None) -> pd.DataFrame:
    """``rollup`` for every branch at once: ``frames`` {register: rows of every branch, with a
    ``branch`` column} (``data.org``), ``branches`` {key: name} in the order wanted, ``targets``
    the 计划目标 rows of the branches and of the ``organisation`` (its key), whose targets a branch
    inherits where it sets none. Same rows and values as ``rollup({name: branch's frames}, ...)``.
    ``parts`` {indicator key: array (parts, branches)}: indicators already summed (``data.org.year_sums``,
    in the database); the others are computed from ``frames``."""
    from metrics.glance import band
    from metrics.progress import assess, time_progress
    from metrics.catalogue import combine

    keys = list(branches)
    n = len(keys)
    progress = time_progress(year, as_of)
    goals = targets_all(targets if targets is not None else pd.DataFrame(columns=["branch", "year", "indicator",
                                                                                  "target"]),
                        keys, year, organisation, catalogue)
    windows: dict[str, tuple] = {}
    values: list[list] = []
    for ind in catalogue:
        summed = (parts or {}).get(ind.key)
        if summed is None:
            if ind.register not in windows:
                windows[ind.register] = _year_table(frames, ind.register, keys, year, as_of)
            summed = _parts_by_branch(ind, *windows[ind.register], n)
        values.append([combine(ind, summed[:, i]) for i in range(n)])
    rows = []
    for i, key in enumerate(keys):
        for ind, per_branch in zip(catalogue, values):
            val = per_branch[i]
            target = goals[key].get(ind.key)
            judged = assess(ind, val, target, progress)
            status = judged["status"]
            if tolerance_pp:
                status = band(status, judged["gap_pp"], tolerance_pp)
            rows.append((ind.key, branches[key], ind.name, ind.unit, val, target, judged["completion"], status,
                         None if status is None else label(status)))
    return pd.DataFrame(rows, columns=list(ROLLUP_COLUMNS), dtype=object)


def _holders(members: list[tuple[object, object]], position: str) -> set[str]:
    """``compliance._secretaries`` over (name, 职务) pairs: the normalised names holding ``position``."""
    from data.schema import normalize_text, split_names

    return {normalize_text(name) for name, held in members
            if isinstance(name, str) and any(p.endswith(position) and not p.endswith("副" + position)
                                             for p in split_names(held))}


def gaps_all(study: pd.DataFrame, roster: pd.DataFrame, keys: list[str], year: int, as_of: object = None,
             local: object = (), rules: tuple | None = None) -> dict[str, list[str]]:
    """{branch key: what is missing}: ``compliance(branch's frames, ...).missing`` for every branch at
    once. ``study``: 学习教育 rows of the branches (``branch``, date, type, group, speaker); ``roster``:
    their 党员名册 rows (branch, name, position, group). ``local``: ``Settings.local_rules`` (a
    malformed one raises ``SettingsError``)."""
    from data.schema import normalize_text, split_names
    from metrics.compliance import PERIODS, RULES, _label, _period_bounds, local_rules
    from metrics.frames import cutoff

    rules = RULES if rules is None else rules
    every_rule = (*rules, *local_rules(local))
    n = len(keys)
    last = cutoff(year, as_of)
    win, branch = _year_table({"study": study}, "study", keys, year, as_of)
    out: dict[str, list[str]] = {k: [] for k in keys}
    # each branch's roster in one pass: its 党小组 (normalised, in order) and its members' 职务
    roster_groups: dict[str, list[str]] = {}
    members: dict[str, list[tuple[object, object]]] = {}
    for key, name, position, grp in zip(roster["branch"].tolist(), roster["name"].tolist(),
                                        roster["position"].tolist(), roster["group"].tolist()):
        members.setdefault(key, []).append((name, position))
        groups_of = roster_groups.setdefault(key, [])
        if grp is not None and grp == grp:  # not None / NaN
            groups_of.append(normalize_text(grp))
    group_codes, group_values = win.codes("group")
    group_index = {g: i for i, g in enumerate(group_values)}
    # Each branch's 党小组 in the order they first appear in its rows (``study`` in date order), as a
    # branch's own check lists the groups its roster does not name.
    firsts = pd.DataFrame({"b": branch, "g": group_codes}).loc[lambda f: (f["g"] >= 0) & (f["b"] >= 0)]
    appearance = {int(b): part.tolist() for b, part in firsts.drop_duplicates()
                  .groupby("b", sort=False)["g"]}
    width = len(group_values) + 1  # group code + 1: 0 is "no group"
    for rule in every_rule:
        mask = win.isin("type", rule.types) & (branch >= 0)
        if rule.speaker_position:
            speakers, speaker_values = win.codes("speaker")
            held = {keys[b] for b in np.unique(branch[mask])}  # only branches with such meetings
            people = {k: _holders(members[k], rule.speaker_position) for k in held if k in members}
            for pos in np.flatnonzero(mask):
                names = people.get(keys[branch[pos]])
                if names is None:
                    continue  # no roster: the rule counts every 讲党课 (a note says so)
                code = speakers[pos]
                if code < 0 or not any(x in names for x in split_names(speaker_values[code])):
                    mask[pos] = False
        periods = PERIODS[rule.every]
        period_of = (win.month - 1) // (12 // periods)
        wide = width if rule.per_group else 1  # 党小组 apart only for a per-group rule
        column = group_codes[mask] + 1 if rule.per_group else 0
        cells = (branch[mask] * wide + column) * periods + period_of[mask]
        counts = np.bincount(cells, minlength=n * wide * periods)[:n * wide * periods].reshape(n, wide, periods)
        bounds = [_period_bounds(year, rule.every, p) for p in range(1, periods + 1)]
        named = counts[:, 1:, :].sum(axis=2) > 0 if rule.per_group else None
        for i, key in enumerate(keys):
            if named is not None and named[i].any():
                order = [*roster_groups.get(key, []),
                         *(group_values[c] for c in appearance.get(i, []) if named[i, c])]
                groups = [(g, counts[i, group_index[g] + 1] if g in group_index else np.zeros(periods, np.int64))
                          for g in dict.fromkeys(order) if g]
            else:
                groups = [(None, counts[i].sum(axis=0))]
            for group, per_period in groups:
                for p in range(periods):
                    count = int(per_period[p])
                    if count >= rule.min or bounds[p][1] > last:
                        continue
                    template = texts.COMPLIANCE_MISSING_FEW if count else texts.COMPLIANCE_MISSING_NONE
                    out[key].append(template.format(period=_label(rule.every, p + 1), group=group or "",
                                                    action=rule.action, count=count, min=rule.min))
    return out


def gaps_table(gaps: Mapping[str, list[str]]) -> pd.DataFrame:
    """{branch name: 三会一课 gaps} as rows: 支部, 缺项数, 缺项 (Chinese headers)."""
    return pd.DataFrame([{texts.ROLLUP_HEADERS["branch"]: name, texts.ORG_GAPS_COUNT: len(items),
                          texts.ORG_GAPS_ITEMS: texts.ORG_GAPS_SEP.join(items)} for name, items in gaps.items()],
                        columns=[texts.ROLLUP_HEADERS["branch"], texts.ORG_GAPS_COUNT, texts.ORG_GAPS_ITEMS])


def ranking_shown(table: pd.DataFrame) -> pd.DataFrame:
    """``ranking`` with Chinese headers and the mean completion in percent, as shown and downloaded."""
    ranked = ranking(table)
    shown = ranked.assign(mean_completion=ranked["mean_completion"] * 100).rename(columns=texts.ORG_RANK_COLUMNS)
    return shown[list(texts.ORG_RANK_COLUMNS.values())]


def sheets(table: pd.DataFrame, gaps: Mapping[str, list[str]]) -> dict[str, pd.DataFrame]:
    """The organisation's comparison as workbook sheets (``data.export.tables_to_xlsx``): ranking,
    branches × indicators (completion, value, target, status), 三会一课 gaps, the year's totals and
    each branch's share: what 各支部对比 shows and ``cli.py rollup --out`` writes."""
    per, shares = totals(table)
    branch = texts.ROLLUP_HEADERS["branch"]
    return {
        texts.ORG_SHEETS["rank"]: ranking_shown(table).set_index(texts.ORG_RANK_COLUMNS["branch"]),
        **{texts.ORG_SHEETS[f]: (comparison(table, f).map(label) if f == "status" else comparison(table, f))
           .rename_axis(branch) for f in texts.ORG_FIELDS},
        texts.ORG_SHEETS["gaps"]: gaps_table(gaps).set_index(branch),
        texts.ORG_SHEETS["totals"]: per.drop(columns=["key"]).rename(columns=texts.ORG_TOTALS_COLUMNS)
        .set_index(texts.ORG_TOTALS_COLUMNS["name"]),
        texts.ORG_SHEETS["shares"]: shares.rename_axis(branch),
    }
