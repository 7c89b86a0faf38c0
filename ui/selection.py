"""The year and as-of date chosen in the sidebar, kept in the session, and their defaults."""

from __future__ import annotations

from datetime import date

import streamlit as st

from ui import cache


YEAR_KEY, AS_OF_KEY = "year", "as_of"


def default_year(years: list[int], today: date) -> int:
    return max(years) if years else today.year


def default_as_of(year: int, today: date) -> date:
    """The CLI's default as-of date (``metrics.progress.default_as_of``: today, or 31 Dec for a past
    year), kept inside the sidebar's date range: a future year starts on 1 Jan."""
    from metrics.progress import default_as_of as metrics_default

    return max(metrics_default(year, today), date(year, 1, 1))


def selection() -> tuple[int, date]:
    """The year and as-of date chosen in the sidebar."""
    year = st.session_state.get(YEAR_KEY) or default_year(cache.years(), date.today())
    as_of = st.session_state.get(AS_OF_KEY) or default_as_of(year, date.today())
    return int(year), as_of


def on_year_change() -> None:
    st.session_state[AS_OF_KEY] = default_as_of(st.session_state[YEAR_KEY], date.today())


def big_screen() -> bool:
    """Whether the 大屏 mode is on (``ui.toolbar``)."""
    return bool(st.session_state.get("screen"))


def choose_year(year: int) -> None:
    """Select ``year`` and its default as-of date in the sidebar; call from a widget callback."""
    st.session_state[YEAR_KEY] = year
    st.session_state[AS_OF_KEY] = default_as_of(year, date.today())
