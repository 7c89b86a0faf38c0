"""What every signed-in page shares around its content: the toolbar at the top (year, as-of date,
大屏, print; ``ui.toolbar``) and the sidebar (branch, data freshness, who is signed in or the
local-mode notice)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from data import texts, users
from data.texts import local_time
from ui import cache, messages, selection, signin, urlstate


def render() -> bool:
    """The toolbar at the top of the page (year, as-of date, 大屏, print: ``ui.toolbar``) and the
    sidebar (branch, data freshness); returns whether 大屏 is on."""
    from ui import toolbar

    today = date.today()
    years = cache.years()
    linked = st.session_state.get(urlstate.LINK_YEAR_KEY)  # a link's year stays, with or without data
    options = sorted(set(years) | {today.year} | ({linked} if linked else set()), reverse=True)
    if st.session_state.get(selection.YEAR_KEY) not in options:
        st.session_state[selection.YEAR_KEY] = selection.default_year(years, today)
        st.session_state[selection.AS_OF_KEY] = selection.default_as_of(st.session_state[selection.YEAR_KEY], today)
    as_of = st.session_state.get(selection.AS_OF_KEY)
    if not isinstance(as_of, date) or as_of.year != st.session_state[selection.YEAR_KEY]:  # e.g. from a link
        st.session_state[selection.AS_OF_KEY] = selection.default_as_of(st.session_state[selection.YEAR_KEY], today)
    link_notices(st.session_state.pop(urlstate.REJECTED_KEY, None) or {})
    big = toolbar.toolbar(options, on_year_change=selection.on_year_change, year_key=selection.YEAR_KEY,
                          as_of_key=selection.AS_OF_KEY, default_as_of=lambda y: selection.default_as_of(y, today))
    with st.sidebar:
        st.markdown(f"**{texts.SIDEBAR_BRANCH}**")
        allowed = signin.allowed_branches()
        names = {b.id: b.name for b in cache.branch_records()}
        if len(allowed) > 1:  # an organisation viewer, or a user with roles in several branches
            st.selectbox(texts.SIDEBAR_PICK_BRANCH, sorted(allowed, key=lambda k: names.get(k, k)),
                         key=cache.BRANCH_KEY, format_func=lambda k: names.get(k, k),
                         label_visibility="collapsed")
        else:
            st.text(cache.get_store().branch_name)
        last = cache.last_import()
        if last:
            st.caption(messages.md(texts.SIDEBAR_FRESHNESS.format(time=local_time(last["created_at"]),
                                                                  user=last["user"])))
        else:
            st.caption(texts.SIDEBAR_NO_DATA)
    return big


def link_notices(rejected: dict[str, str]) -> None:
    """Once, after the link was read: each value of it not used, and what is shown instead."""
    if urlstate.YEAR in rejected:
        st.warning(texts.LINK_YEAR_INVALID.format(value=messages.md(rejected[urlstate.YEAR]),
                                                  used=st.session_state[selection.YEAR_KEY]))
    if urlstate.AS_OF in rejected:
        st.warning(texts.LINK_AS_OF_INVALID.format(value=messages.md(rejected[urlstate.AS_OF]),
                                                   used=st.session_state[selection.AS_OF_KEY].isoformat()))


def account(user: users.User) -> None:
    """Sidebar: the local-mode notice, or who is signed in and the sign-out button."""
    with st.sidebar:
        st.divider()
        if signin.local_mode():
            st.caption(texts.LOCAL_MODE_NOTICE)
        else:
            st.caption(messages.md(texts.SIDEBAR_SIGNED_IN.format(name=user.name, role=user.role_name)))
            st.button(texts.SIGNOUT_BUTTON, on_click=signin.sign_out, icon=":material/logout:")
