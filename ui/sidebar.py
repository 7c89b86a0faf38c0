"""The sidebar every signed-in page shares: branch, year, as-of date, data freshness, and who is
signed in (or the local-mode notice)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from data import texts, users
from data.settings import load_settings
from data.texts import local_time
from ui import cache, messages, selection, signin


def render() -> None:
    """Branch, year, as-of date and data freshness."""
    today = date.today()
    years = cache.years()
    options = sorted(set(years) | {today.year}, reverse=True)
    if st.session_state.get(selection.YEAR_KEY) not in options:
        st.session_state[selection.YEAR_KEY] = selection.default_year(years, today)
        st.session_state[selection.AS_OF_KEY] = selection.default_as_of(st.session_state[selection.YEAR_KEY], today)
    with st.sidebar:
        st.markdown(f"**{texts.SIDEBAR_BRANCH}**")
        st.text(load_settings().branch)
        st.selectbox(texts.SIDEBAR_YEAR, options, key=selection.YEAR_KEY, on_change=selection.on_year_change,
                     format_func=lambda y: texts.YEAR_FORMAT.format(year=y))
        year = st.session_state[selection.YEAR_KEY]
        st.date_input(texts.SIDEBAR_AS_OF, key=selection.AS_OF_KEY, min_value=date(year, 1, 1),
                      max_value=date(year, 12, 31), format="YYYY-MM-DD", help=texts.SIDEBAR_AS_OF_HELP)
        last = cache.last_import()
        if last:
            st.caption(texts.SIDEBAR_FRESHNESS.format(time=local_time(last["created_at"]), user=last["user"]))
        else:
            st.caption(texts.SIDEBAR_NO_DATA)


def account(user: users.User) -> None:
    """Sidebar: the local-mode notice, or who is signed in and the sign-out button."""
    with st.sidebar:
        st.divider()
        if signin.local_mode():
            st.caption(texts.LOCAL_MODE_NOTICE)
        else:
            st.caption(messages.md(texts.SIDEBAR_SIGNED_IN.format(name=user.name, role=user.role_name)))
            st.button(texts.SIGNOUT_BUTTON, on_click=signin.sign_out, icon=":material/logout:")
