"""The stores (one per branch and server process) and their reads, cached by the branch and the
branch's version: every cached read is keyed by both, so no page shows data older than the last
write, nor another branch's data. The branch is this session's (``BRANCH_KEY``, set by
``ui.signin`` to a branch the user may use), else the deployment's (``DJ_BRANCH``)."""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
import streamlit as st

from data.schema import ACTIVITY_REGISTERS, REGISTER_KEYS, REGISTERS, Period
from data.store import Store
from metrics.frames import Frames, combine, metric_columns, prepare


BRANCH_KEY = "branch"
MONTHLY = tuple(k for k, r in REGISTERS.items() if r.period == Period.MONTH)  # read per year


def count_call(name: str) -> None:
    """With ``DJ_BENCH_CALLS`` set to a file, append ``name`` to it: ``bench/meeting.py`` counts how
    often a cached read or metric is really computed across sessions. Does nothing otherwise."""
    if path := os.environ.get("DJ_BENCH_CALLS"):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")


@st.cache_resource
def store_for(branch: str | None) -> Store:
    """One store (scoped to ``branch``, a branch key; None: the deployment's branch) per server
    process; the stores of one database share one engine and connection pool."""
    return Store(branch=branch, create=False) if branch else Store()


def get_store() -> Store:
    """The store of this session's branch."""
    return store_for(st.session_state.get(BRANCH_KEY))


def data_version() -> tuple[int, int]:
    """Cheap query whose value changes with every write: the key of every cached read below, so
    no page ever shows data older than the last import, undo or target change (any session's)."""
    return get_store().version()


# Frames are shared, not copied: ``st.cache_resource`` hands every caller (every metric, every
# session) the same prepared ``Frames``, so nothing pickles 100k rows per call and each register's
# derived columns (``metrics.frames.Table``: dates, months, codes) are computed once per write.
# The metrics never modify their input frames.
@st.cache_resource(show_spinner=False, max_entries=8)
def _frames(branch: str, version: tuple[int, int], years: tuple[int, ...],
            columns: tuple[tuple[str, tuple[str, ...]], ...] | None) -> Frames:
    """``Store.frames`` put together from cached reads (``_register``), each kept per the version of
    what it holds: a register, and a monthly register's year (``Store.register_versions``,
    ``Store.year_versions``). After an import only the registers and years it wrote are read again."""
    count_call("Store.frames")
    narrow = None if columns is None else dict(columns)
    versions, by_year = _register_versions(branch, version)
    parts = {}
    for key in REGISTER_KEYS:
        if key in MONTHLY:
            states = tuple((year, by_year.get((key, year), (0, 0))) for year in years)
        else:
            states = ((None, versions[key]),)
        parts[key] = _register(branch, key, states, None if narrow is None else narrow.get(key))
    return combine(parts)


# 8 × the 7 registers: the same bound on frames kept as ``_frames``' 8 entries of every register (the
# years put together share their text columns' Arrow buffers with the years' own entries).
@st.cache_resource(show_spinner=False, max_entries=56)
def _register(branch: str, key: str, states: tuple[tuple[int | None, tuple[int, int]], ...],
              columns: tuple[str, ...] | None) -> Frames:
    """One register of ``Store.frames`` as a one-register ``Frames`` (``metrics.frames.combine``
    shares its prepared table), put together from ``states`` ((year or None, version), ...): its
    years' rows in date order, as ``Store.load(years=...)`` orders them."""
    found = [_part(branch, key, year, version, columns) for year, version in states]
    kept = [f for f in found if len(f)] or found[:1]
    return prepare({key: kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)})


@st.cache_resource(show_spinner=False, max_entries=112)
def _part(branch: str, key: str, year: int | None, version: tuple[int, int],
          columns: tuple[str, ...] | None) -> pd.DataFrame:
    """``Store.load`` of one register (a monthly register: of ``year``; ``targets``: with the
    organisation's where the branch sets none), kept per ``version``, that register's (and year's)."""
    store = store_for(branch)
    count_call(f"Store.load/{key}" + ("" if year is None else f"/{year}"))
    frame = store.load(key, years=None if year is None else [year], columns=columns)
    if key == "targets":
        from metrics.rollup import merge_targets

        frame = merge_targets(frame, store.parent_targets())  # the organisation's defaults
    return frame


def frames(year: int) -> Frames:
    """What the metrics read for ``year`` and the year before (同比): the activity registers narrowed
    to the columns the metrics and the indicators use (``metrics.frames.metric_columns``), roster,
    and targets (the branch's own, the organisation's where the branch sets none). The rows a page
    shows come from ``full_frames``."""
    from ui import board  # board imports this module

    columns = tuple(metric_columns(board.catalogue()).items())
    return _frames(get_store().branch, data_version(), (year - 1, year), columns)


def full_frames(year: int) -> Frames:
    """``frames`` with every column of every register: the rows behind a number, as a dialog or
    年度总结's 数字来源 shows them (loaded when first asked for)."""
    return _frames(get_store().branch, data_version(), (year - 1, year), None)


@st.cache_data(show_spinner=False, max_entries=16)
def _register_versions(branch: str, version: tuple[int, int]) -> tuple[dict, dict]:
    """``Store.register_versions`` and ``Store.year_versions``, read once per data version (read after
    ``version``, so never older than it)."""
    store = store_for(branch)
    return store.register_versions(), store.year_versions()


@st.cache_data(show_spinner=False, max_entries=16)
def _years(branch: str, version: tuple[int, int]) -> list[int]:
    versions = _register_versions(branch, version)[0]
    return sorted(set().union(*(_register_years(branch, key, versions[key]) for key in ACTIVITY_REGISTERS)))


@st.cache_data(show_spinner=False, max_entries=64)
def _register_years(branch: str, key: str, version: tuple[int, int]) -> list[int]:
    return store_for(branch).years([key])


def years() -> list[int]:
    """The years with live rows (``Store.years``), cached per data version."""
    return _years(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _last_import(branch: str, version: tuple[int, int]) -> dict | None:
    return store_for(branch).last_import()


def last_import() -> dict | None:
    """The latest import (``Store.last_import``), cached per data version."""
    return _last_import(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _is_empty(branch: str, version: tuple[int, int]) -> bool:
    return store_for(branch).is_empty()


def is_empty() -> bool:
    """No live row in any register (a first run, or every import undone)."""
    return _is_empty(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _batches(branch: str, version: tuple[int, int]) -> pd.DataFrame:
    return store_for(branch).batches()


def batches() -> pd.DataFrame:
    """The import history (``Store.batches``), newest first, cached per data version."""
    return _batches(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _load(branch: str, version: tuple[int, int], register: str, date_from, date_to) -> pd.DataFrame:
    return store_for(branch).load(register, date_from=date_from, date_to=date_to)


def load(register: str, date_from: date | None = None, date_to: date | None = None) -> pd.DataFrame:
    """Live rows of one register (``Store.load``), cached per data version."""
    return _load(get_store().branch, data_version(), register, date_from, date_to)


@st.cache_data(show_spinner=False, ttl=60)
def branch_records() -> list:
    """Every branch record (``data.branches.Branch``), organisation first (a minute's cache: a new
    or renamed branch shows within a minute, or at once after ``st.cache_data.clear``)."""
    from data import branches

    with store_for(None).engine.begin() as conn:
        return branches.all_records(conn)


def frames_of(branch: str, year: int) -> Frames:
    """``frames`` of another branch (a key the session's user may view: the caller checks), narrowed
    for the built-in catalogue (what 各支部对比 computes)."""
    from metrics.catalogue import CATALOGUE

    columns = tuple(metric_columns(CATALOGUE).items())
    return _frames(branch, store_for(branch).version(), (year - 1, year), columns)


def branch_versions() -> dict[str, tuple[int, int]]:
    """Every branch's version in one query (``data.branches.versions``); never cached."""
    from data import branches

    with store_for(None).engine.begin() as conn:
        return branches.versions(conn)


def last_imports() -> dict:
    """Every branch's latest import time (``data.branches.last_imports``); one query, never cached."""
    from data import branches

    with store_for(None).engine.begin() as conn:
        return branches.last_imports(conn)


@st.cache_data(show_spinner=False, max_entries=64)
def _latest_months(versions: tuple, year: int, as_of: date) -> dict[str, str]:
    from data import org

    with store_for(None).engine.begin() as conn:
        return org.latest_months(conn, [k for k, _ in versions], date(year, 1, 1), as_of)


def latest_months(keys: list[str], year: int, as_of: date, versions: dict[str, tuple[int, int]]) -> dict[str, str]:
    """Per branch of ``keys`` (the caller checks the user may view them): the latest month of ``year``
    up to ``as_of`` with activity rows (``data.org.latest_months``), cached per state of those branches
    (``versions``: ``branch_versions``, read this run)."""
    return _latest_months(tuple((k, versions.get(k, (0, 0))) for k in keys), year, as_of)
