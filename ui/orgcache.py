"""The organisation's figures (各支部对比): every branch's indicators (``metrics.rollup.rollup_all``)
and 三会一课 gaps (``gaps_all``), kept per branch and per state of that branch (its version, which
the organisation's target changes move too), in one store per server process.

A page run asks for the branches the user may view: the ones whose state is known come from the
store; all the others are read together (``data.org``: one query per register, only the columns
the figures need) and computed together. So the first run after a start reads every branch once,
and an import into one branch recomputes that one branch only. The whole answer for an unchanged
set of branch states is kept too, so a rerun is one look-up.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict

import pandas as pd
import streamlit as st

from data.settings import load_settings
from metrics.rollup import ROLLUP_COLUMNS
from ui import cache

BRANCH = ROLLUP_COLUMNS.index("branch")

MAX_ENTRIES = 4096  # per-branch figures kept (200 branches × a few years / as-of dates)
_LOCK = threading.Lock()


@st.cache_resource
def _store() -> OrderedDict:
    """(branch key, version, selection) -> (rollup rows, gaps); ("all", ...) -> the whole answer."""
    return OrderedDict()


def _get(store: OrderedDict, key: tuple):
    with _LOCK:
        found = store.get(key)
        if found is not None:
            store.move_to_end(key)
        return found


def _put(store: OrderedDict, key: tuple, value) -> None:
    with _LOCK:
        store[key] = value
        while len(store) > MAX_ENTRIES:
            store.popitem(last=False)


def _compute(keys: list[str], parent: str | None, year: int, as_of: dt.date, tolerance_pp: float,
             local: list) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The figures of ``keys`` (branches under the organisation ``parent``), read and computed together."""
    from data import org
    from data.errors import SettingsError
    from metrics.catalogue import CATALOGUE
    from metrics.rollup import COMPLIANCE_COLUMNS, gaps_all, rollup_all

    cache.count_call("org.figures")
    engine = cache.store_for(None).engine
    if engine.dialect.name == "postgresql":  # one snapshot for the several statements
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with engine.begin() as conn:  # indicators summed in the database; 学习教育 rows for 三会一课
        sums = org.year_sums(conn, keys, CATALOGUE, year, as_of)
        frames, targets, roster = org.year_frames(conn, keys, {"study": list(COMPLIANCE_COLUMNS)}, year, as_of,
                                                  parent)
    table = rollup_all(frames, {k: k for k in keys}, year, as_of, targets=targets, organisation=parent,
                       tolerance_pp=tolerance_pp, parts=sums)
    try:
        gaps = gaps_all(frames["study"], roster, keys, year, as_of, local)
    except SettingsError as err:  # a malformed local rule: said in each branch's row
        gaps = {k: [err.message] for k in keys}
    return table, gaps


def figures(keys: list[str], names: dict[str, str], year: int, as_of: dt.date,
            versions: dict[str, tuple[int, int]]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """(``metrics.rollup.ROLLUP_COLUMNS`` rows of ``keys`` in that order, ``branch`` their names;
    {name: 三会一课 gaps}). ``keys``: branches the session's user may view (the caller checks);
    ``versions``: every branch's version, read this run (``cache.branch_versions``)."""
    settings = load_settings()
    selection = (year, as_of, settings.tolerance_pp, json.dumps(settings.local_rules, ensure_ascii=False,
                                                                sort_keys=True, default=str))
    states = tuple((k, versions.get(k, (0, 0))) for k in keys)
    store = _store()
    whole = ("all", states, tuple(names.get(k, k) for k in keys), selection)
    found = _get(store, whole)
    if found is not None:
        return found
    parents = {b.id: b.parent for b in cache.branch_records()}
    missing: dict[str | None, list[str]] = {}
    for key, version in states:
        if _get(store, (key, version, selection)) is None:
            missing.setdefault(parents.get(key), []).append(key)
    version_of = dict(states)
    for parent, group in missing.items():
        table, gaps = _compute(group, parent, year, as_of, settings.tolerance_pp, settings.local_rules)
        rows: dict[str, list[tuple]] = {k: [] for k in group}
        for row in table.itertuples(index=False, name=None):
            rows[row[BRANCH]].append(row)
        for key in group:
            _put(store, (key, version_of[key], selection), (rows[key], gaps[key]))
    parts = [_get(store, (key, version, selection)) for key, version in states]
    table = pd.DataFrame([(*row[:BRANCH], names.get(key, key), *row[BRANCH + 1:])
                          for (key, _), part in zip(states, parts) for row in part[0]],
                         columns=list(ROLLUP_COLUMNS), dtype=object)
    result = (table, {names.get(k, k): p[1] for (k, _), p in zip(states, parts)})
    _put(store, whole, result)
    return result
