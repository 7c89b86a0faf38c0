"""The store (one per server process) and its reads, cached by the store's version: every cached
read is keyed by ``data_version()``, so no page shows data older than the last write."""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
import streamlit as st

from data.store import Store


def count_call(name: str) -> None:
    """With ``DJ_BENCH_CALLS`` set to a file, append ``name`` to it: ``bench/meeting.py`` counts how
    often a cached read or metric is really computed across sessions. Does nothing otherwise."""
    if path := os.environ.get("DJ_BENCH_CALLS"):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")


@st.cache_resource
def get_store() -> Store:
    """One store (engine and connection pool) per server process."""
    return Store()


def data_version() -> tuple[int, int]:
    """Cheap query whose value changes with every write: the key of every cached read below, so
    no page ever shows data older than the last import, undo or target change (any session's)."""
    return get_store().version()


@st.cache_data(show_spinner=False, max_entries=16)
def _frames(branch: str, version: tuple[int, int], years: tuple[int, ...]) -> dict[str, pd.DataFrame]:
    count_call("Store.frames")
    return get_store().frames(list(years))


def frames(year: int) -> dict[str, pd.DataFrame]:
    """The registers for ``year`` and the year before (同比), targets and roster."""
    store = get_store()
    return _frames(store.branch, data_version(), (year - 1, year))


@st.cache_data(show_spinner=False, max_entries=16)
def _years(branch: str, version: tuple[int, int]) -> list[int]:
    return get_store().years()


def years() -> list[int]:
    """The years with live rows (``Store.years``), cached per data version."""
    return _years(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _last_import(branch: str, version: tuple[int, int]) -> dict | None:
    return get_store().last_import()


def last_import() -> dict | None:
    """The latest import (``Store.last_import``), cached per data version."""
    return _last_import(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _counts(branch: str, version: tuple[int, int]) -> dict[str, int]:
    return get_store().counts()


def is_empty() -> bool:
    """No live row in any register (a first run, or every import undone)."""
    return not any(_counts(get_store().branch, data_version()).values())


@st.cache_data(show_spinner=False, max_entries=16)
def _batches(branch: str, version: tuple[int, int]) -> pd.DataFrame:
    return get_store().batches()


def batches() -> pd.DataFrame:
    """The import history (``Store.batches``), newest first, cached per data version."""
    return _batches(get_store().branch, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _load(branch: str, version: tuple[int, int], register: str, date_from, date_to) -> pd.DataFrame:
    return get_store().load(register, date_from=date_from, date_to=date_to)


def load(register: str, date_from: date | None = None, date_to: date | None = None) -> pd.DataFrame:
    """Live rows of one register (``Store.load``), cached per data version."""
    return _load(get_store().branch, data_version(), register, date_from, date_to)
