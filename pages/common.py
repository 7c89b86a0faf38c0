"""What every page shares: the store, cached reads keyed by the store's version, the sidebar
(branch, year, as-of date, data freshness) and the navigation."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data import texts
from data.settings import load_settings
from data.store import Store, local_time

YEAR_KEY, AS_OF_KEY = "year", "as_of"


def navigation_sections() -> dict[str, list]:
    page = st.Page
    return {
        texts.NAV_BOARD: [
            page("pages/overview.py", title=texts.PAGE_OVERVIEW, icon=":material/dashboard:", default=True),
            page("pages/study.py", title=texts.PAGE_STUDY, icon=":material/menu_book:"),
            page("pages/inspections.py", title=texts.PAGE_INSPECTIONS, icon=":material/fact_check:"),
            page("pages/volunteer.py", title=texts.PAGE_VOLUNTEER, icon=":material/volunteer_activism:"),
        ],
        texts.NAV_DATA: [
            page("pages/upload.py", title=texts.PAGE_UPLOAD, icon=":material/upload_file:"),
            page("pages/query.py", title=texts.PAGE_QUERY, icon=":material/table_view:"),
        ],
        texts.NAV_SETTINGS: [
            page("pages/targets.py", title=texts.PAGE_TARGETS, icon=":material/flag:"),
        ],
    }


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
    return get_store().frames(list(years))


def frames(year: int) -> dict[str, pd.DataFrame]:
    """The registers for ``year`` and the year before (同比), targets and roster."""
    store = get_store()
    return _frames(store.branch, data_version(), (year - 1, year))


@st.cache_data(show_spinner=False, max_entries=16)
def _years(branch: str, version: tuple[int, int]) -> list[int]:
    return get_store().years()


@st.cache_data(show_spinner=False, max_entries=16)
def _last_import(branch: str, version: tuple[int, int]) -> dict | None:
    return get_store().last_import()


def default_year(years: list[int], today: date) -> int:
    return max(years) if years else today.year


def default_as_of(year: int, today: date) -> date:
    """Today for the current year; the year's last day for a past year; 1 Jan for a future one."""
    return min(max(today, date(year, 1, 1)), date(year, 12, 31))


def selection() -> tuple[int, date]:
    """The year and as-of date chosen in the sidebar."""
    year = st.session_state.get(YEAR_KEY) or default_year(_years(get_store().branch, data_version()), date.today())
    as_of = st.session_state.get(AS_OF_KEY) or default_as_of(year, date.today())
    return int(year), as_of


def _on_year_change() -> None:
    st.session_state[AS_OF_KEY] = default_as_of(st.session_state[YEAR_KEY], date.today())


def sidebar() -> None:
    store = get_store()
    version = data_version()
    today = date.today()
    years = _years(store.branch, version)
    options = sorted(set(years) | {today.year}, reverse=True)
    if st.session_state.get(YEAR_KEY) not in options:
        st.session_state[YEAR_KEY] = default_year(years, today)
        st.session_state[AS_OF_KEY] = default_as_of(st.session_state[YEAR_KEY], today)
    with st.sidebar:
        st.markdown(f"**{texts.SIDEBAR_BRANCH}**")
        st.text(load_settings().branch)
        st.selectbox(texts.SIDEBAR_YEAR, options, key=YEAR_KEY, on_change=_on_year_change,
                     format_func=lambda y: texts.YEAR_FORMAT.format(year=y))
        year = st.session_state[YEAR_KEY]
        st.date_input(texts.SIDEBAR_AS_OF, key=AS_OF_KEY, min_value=date(year, 1, 1),
                      max_value=date(year, 12, 31), format="YYYY-MM-DD", help=texts.SIDEBAR_AS_OF_HELP)
        last = _last_import(store.branch, version)
        if last:
            st.caption(texts.SIDEBAR_FRESHNESS.format(time=local_time(last["created_at"]), user=last["user"]))
        else:
            st.caption(texts.SIDEBAR_NO_DATA)


# --- board pages (总览, 学习教育, 检查核查, 志愿服务) ----------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def _computed(_fn, name: str, branch: str, version: tuple[int, int], year: int, as_of: date, args: tuple):
    return _fn(frames(year), year, as_of, *args)


def computed(fn, *args):
    """``fn(frames, year, as_of, *args)`` for the sidebar's year and as-of date, cached per
    (function, data version, year, as-of, args): a metrics result is computed once per write."""
    year, as_of = selection()
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _computed(fn, name, get_store().branch, data_version(), year, as_of, args)


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


def choose_year(year: int) -> None:
    """Select ``year`` and its default as-of date in the sidebar; call from a widget callback."""
    st.session_state[YEAR_KEY] = year
    st.session_state[AS_OF_KEY] = default_as_of(year, date.today())


def heading(title: str) -> tuple[int, date]:
    """The page title with the selected year and as-of date under it; returns (year, as_of)."""
    year, as_of = selection()
    st.header(title)
    st.caption(texts.BOARD_SUBTITLE.format(
        year=year, as_of=texts.BOARD_DATE.format(year=as_of.year, month=as_of.month, day=as_of.day)))
    return year, as_of
