"""The view in the address: ``?year=2025&as_of=2025-06-30&screen=1``, so a link sent in a chat
opens the same view and a reload keeps it.

A new browser session (a reload, a link opened) takes the year, as-of date and 大屏 from the
address once (``seed``, before the widgets exist, so they start from it); every run then writes
the current choice back (``publish``): Streamlit clears the address's parameters on a page switch,
and the choice made in the session wins over a stale address. Streamlit's own
``bind="query-params"`` was tried: after a page switch the address lost the values and the next
change reset the 大屏 switch from it.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

YEAR, AS_OF, SCREEN = "year", "as_of", "screen"
VIEW = (YEAR, AS_OF, SCREEN)
SEEDED_KEY, INITIAL_KEY, USED_KEY = "url.seeded", "url.initial", "url.used"
LINK_YEAR_KEY, REJECTED_KEY = "url.year", "url.rejected"  # the link's year; its values not used
MIN_YEAR, MAX_YEAR = 1949, 2100


def parse_year(raw: object) -> int | None:
    try:
        year = int(str(raw))
    except ValueError:
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def parse_date(raw: object) -> date | None:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        return None


def parse_flag(raw: object) -> bool:
    return str(raw).strip().lower() in ("1", "true", "yes", "on")


def read(params: dict[str, str]) -> dict[str, object]:
    """The valid view values in ``params`` (the address's parameters): year, as_of (only within
    the year), screen; anything malformed is left out."""
    out: dict[str, object] = {}
    year = parse_year(params.get(YEAR))
    if year is not None:
        out[YEAR] = year
    day = parse_date(params.get(AS_OF)) if AS_OF in params else None
    if day is not None and (year is None or day.year == year):
        out[AS_OF] = day
    if SCREEN in params:
        out[SCREEN] = parse_flag(params[SCREEN])
    return out


def rejected(params: dict[str, str]) -> dict[str, str]:
    """The view values in ``params`` that ``read`` leaves out (malformed, or an as_of outside the
    year), by name, as given: the page says which and what it shows instead."""
    kept = read(params)
    return {key: str(params[key]) for key in (YEAR, AS_OF) if key in params and key not in kept}


def write(year: int, as_of: date, default_as_of: date, screen: bool) -> dict[str, str]:
    """The parameters for a view: year always, as_of when it is not the year's default (so a
    bookmark of the current year follows today), screen when on."""
    params = {YEAR: str(year)}
    if as_of != default_as_of:
        params[AS_OF] = as_of.isoformat()
    if screen:
        params[SCREEN] = "1"
    return params


def seed() -> None:
    """Once per browser session: the address's view into session state (the widgets' keys)."""
    if st.session_state.get(SEEDED_KEY):
        return
    st.session_state[SEEDED_KEY] = True
    st.session_state[INITIAL_KEY] = st.query_params.to_dict()  # a page's own filters: ``page_params``
    values = read(st.query_params.to_dict())
    for key, value in values.items():
        st.session_state[key] = value
    if YEAR in values:  # honoured even when that year has no data yet
        st.session_state[LINK_YEAR_KEY] = values[YEAR]
    st.session_state[REJECTED_KEY] = rejected(st.query_params.to_dict())


def publish(params: dict[str, str]) -> None:
    """Make the address show ``params`` (other parameters are kept)."""
    current = st.query_params.to_dict()
    wanted = {**{k: v for k, v in current.items() if k not in VIEW}, **params}
    if current != wanted:
        st.query_params.from_dict(wanted)


def page_params(page: str) -> dict[str, str]:
    """The address's parameters as this browser session began, given once to ``page`` (a link to a
    page with its filters); empty afterwards, when the session's own choice wins."""
    used = st.session_state.setdefault(USED_KEY, set())
    if page in used:
        return {}
    used.add(page)
    return dict(st.session_state.get(INITIAL_KEY) or {})


def publish_page(params: dict[str, str]) -> None:
    """Make the address show the view and this page's filters ``params`` (empty ones left out)."""
    current = st.query_params.to_dict()
    wanted = {**{k: v for k, v in current.items() if k in VIEW}, **{k: v for k, v in params.items() if v}}
    if current != wanted:
        st.query_params.from_dict(wanted)
