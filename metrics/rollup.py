"""Many branches: the targets a branch inherits from its organisation, and the organisation's
roll-up (one row per branch and indicator). Pure functions over frames, like the rest of ``metrics``."""

from __future__ import annotations

from collections.abc import Mapping

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
    per = (rows.groupby(["key", "name", "unit"], sort=False)
           .agg(total=("value", "sum"), branches=("value", lambda v: int((v.fillna(0) > 0).sum())))
           .reset_index())
    total = rows["key"].map(dict(zip(per["key"], per["total"])))
    share = rows.assign(share=(rows["value"] / total.where(total > 0)))
    shares = comparison(share, "share")
    return per, shares
