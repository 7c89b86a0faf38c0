"""The bar at the top of every page: year and as-of date, the 大屏 switch and the print button;
the choice is kept in the address (``ui.urlstate``), so a link keeps the view and a reload keeps it.

At the top of the page rather than in the sidebar, so a phone (where the sidebar is folded away)
reaches them first. Left off paper.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from data import texts
from ui import style, urlstate

SCREEN_KEY = urlstate.SCREEN   # the 大屏 switch
BAR_KEY = style.NO_PRINT_PREFIX + "-toolbar"
# Printing is the browser's own dialog (Save as PDF included); the script only opens it. DOMPurify
# drops inline handlers, so one click listener on the document (added once) serves the button.
PRINT_BUTTON = ('<button class="dj-print" type="button" title="{help}">{label}</button>'
                '<script>if (!window.__djPrint) {{ window.__djPrint = true; document.addEventListener("click", '
                '(e) => {{ if (e.target.closest && e.target.closest(".dj-print")) window.print(); }}); }}</script>'
                '<style>.dj-print{{font:inherit;font-size:0.875rem;padding:0.3rem 0.75rem;border-radius:0.5rem;'
                'border:1px solid rgba(49,51,63,0.2);background:#fff;cursor:pointer;margin-top:1.7rem;}}'
                '.dj-print:hover{{border-color:#c0392b;color:#c0392b;}}</style>')


def toolbar(years: list[int], *, on_year_change, year_key: str, as_of_key: str, default_as_of) -> bool:
    """Year, as-of date, 大屏 and print in one row; returns whether 大屏 is on.

    ``years``: the years offered (newest first); the keys hold the selection in session state
    (seeded from the address by ``urlstate.seed``); ``default_as_of(year)``: the as-of date a year
    starts with.
    """
    with st.container(key=BAR_KEY, horizontal=True, vertical_alignment="bottom", gap="small"):
        st.selectbox(texts.SIDEBAR_YEAR, years, key=year_key, on_change=on_year_change,
                     format_func=lambda y: texts.YEAR_FORMAT.format(year=y), width=120)
        year = st.session_state[year_key]
        st.date_input(texts.SIDEBAR_AS_OF, key=as_of_key, min_value=date(year, 1, 1),
                      max_value=date(year, 12, 31), format="YYYY-MM-DD", help=texts.SIDEBAR_AS_OF_HELP, width=165)
        big = st.toggle(texts.UI_BIG_SCREEN, key=SCREEN_KEY, help=texts.UI_BIG_SCREEN_HELP)
        st.html(PRINT_BUTTON.format(label=texts.UI_PRINT, help=texts.UI_PRINT_HELP), width="content",
                unsafe_allow_javascript=True)
    as_of = st.session_state[as_of_key]
    urlstate.publish(urlstate.write(year, as_of, default_as_of(year), bool(big)))
    return bool(big)
