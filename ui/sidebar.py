"""What every signed-in page shares around its content: the toolbar at the top (year, as-of date,
大屏, print; ``ui.toolbar``) and the sidebar (branch, data freshness, who is signed in or the
local-mode notice)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from data import texts, users
from data.texts import local_time
from ui import cache, messages, selection, signin, urlstate


# The branch picker of a user who may view several branches: 全部支部 (``ALL``, no branch key is
# empty) or one branch. 全部支部 is the organisation's view, 各支部对比 (every branch the user may
# view side by side, the totals and shares); picking one branch there opens that branch's 总览.
PICK_KEY, GOTO_KEY, ALL = "branch.pick", "branch.goto", ""
ORG_PAGE, ORG_URL, OVERVIEW_PAGE = "pages/organisation.py", "organisation", "pages/overview.py"


def _picked() -> None:
    """Picker callback (runs before the page, before the sign-in check that replaces a branch the
    user may not use): 全部支部 goes to 各支部对比; a branch becomes the session's branch."""
    value = st.session_state.get(PICK_KEY)
    if value == ALL:
        st.session_state[GOTO_KEY] = ORG_PAGE
    elif value is not None:
        st.session_state[cache.BRANCH_KEY] = value
        st.session_state[GOTO_KEY] = OVERVIEW_PAGE if st.session_state.get(GOTO_KEY + ".on_org") else None


def _branch_picker(allowed: dict, names: dict, page) -> bool:
    """全部支部 and each branch the user may view; 全部支部 is shown while 各支部对比 is open."""
    on_org = getattr(page, "url_path", None) == ORG_URL
    st.session_state[GOTO_KEY + ".on_org"] = on_org
    goto = st.session_state.pop(GOTO_KEY, None)
    if goto and not (goto == ORG_PAGE and on_org):
        st.switch_page(goto)
    st.session_state[PICK_KEY] = ALL if on_org else st.session_state.get(cache.BRANCH_KEY)
    st.selectbox(texts.SIDEBAR_PICK_BRANCH, [ALL, *sorted(allowed, key=lambda k: names.get(k, k))],
                 key=PICK_KEY, on_change=_picked, label_visibility="collapsed",
                 format_func=lambda k: texts.ORG_ALL_BRANCHES if k == ALL else names.get(k, k))
    return on_org


def render(page=None) -> bool:
    """The toolbar at the top of the page (year, as-of date, 大屏, print: ``ui.toolbar``) and the
    sidebar (branch, data freshness); returns whether 大屏 is on. ``page``: the page about to run
    (``st.navigation``'s), for the branch picker."""
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
            every_branch = _branch_picker(allowed, names, page)
        else:
            every_branch = False
            st.text(cache.get_store().branch_name)
        last = None if every_branch else cache.last_import()
        if every_branch:  # 各支部对比 lists each branch's latest import itself
            pass
        elif last:
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
