"""Every page by section, the least role each needs, and ``st.navigation``'s sections per role."""

from __future__ import annotations

import streamlit as st

from data import texts, users


# Every page by section, as (path, title, icon); the first is the default page.
PAGES = {
    texts.NAV_BOARD: [
        ("pages/overview.py", texts.PAGE_OVERVIEW, ":material/dashboard:"),
        ("pages/study.py", texts.PAGE_STUDY, ":material/menu_book:"),
        ("pages/inspections.py", texts.PAGE_INSPECTIONS, ":material/fact_check:"),
        ("pages/volunteer.py", texts.PAGE_VOLUNTEER, ":material/volunteer_activism:"),
        ("pages/summary.py", texts.PAGE_SUMMARY, ":material/description:"),
    ],
    texts.NAV_DATA: [
        ("pages/upload.py", texts.PAGE_UPLOAD, ":material/upload_file:"),
        ("pages/query.py", texts.PAGE_QUERY, ":material/table_view:"),
    ],
    texts.NAV_SETTINGS: [
        ("pages/targets.py", texts.PAGE_TARGETS, ":material/flag:"),
        ("pages/indicators.py", texts.PAGE_INDICATORS, ":material/tune:"),
    ],
    texts.NAV_ADMIN: [
        ("pages/admin.py", texts.PAGE_ADMIN, ":material/admin_panel_settings:"),
    ],
}


# The least role a page needs (data.users.ROLES); any other page is for every role. Every page
# also calls ``ui.signin.require_role`` at its top, which first makes sure the run went through
# app.py (``ui.routing.ensure_routed``), so the navigation is not the only thing that keeps anyone out.
PAGE_ROLES = {"pages/upload.py": "editor", "pages/targets.py": "editor", "pages/indicators.py": "editor",
              "pages/admin.py": "admin"}
DEFAULT_PAGE = PAGES[texts.NAV_BOARD][0][0]


def pages_for(role: str) -> dict[str, list[tuple[str, str, str]]]:
    """The sections and pages ``role`` may use; a section with none is left out."""
    out = {}
    for section, pages in PAGES.items():
        allowed = [p for p in pages if users.allows(role, PAGE_ROLES.get(p[0], "viewer"))]
        if allowed:
            out[section] = allowed
    return out


SIGNIN_PAGE = "pages/auth.py"
OVERVIEW_ALIAS = "overview"  # the default page is served at "/"; "/overview" opens it too
DEFAULT_URL = "home"  # the default page's own (unused, unique) url_path, leaving "overview" to the alias
# For a user who may view several branches (an organisation viewer): the comparison of branches.
ORGANISATION_PAGES = {texts.NAV_ORGANISATION: [
    ("pages/organisation.py", texts.PAGE_ORGANISATION, ":material/leaderboard:")]}


def navigation_sections(role: str | None = "admin", organisation: bool = False) -> dict[str, list]:
    """``st.navigation``'s sections for ``role`` (None: signed out); ``organisation``: 各支部对比 is
    listed too. Every page is registered, so Streamlit never answers a link with its English "Page
    not found": a page the role may not use is hidden from the menu and refuses itself
    (``ui.signin.require_role``); a signed-out session is shown the sign-in form at any address
    (app.py) and lands on the linked page after it."""
    allowed = (pages_for(role) if role else {}) | (ORGANISATION_PAGES if role and organisation else {})
    sections: dict[str, list] = {}
    for section, pages in (PAGES | ORGANISATION_PAGES).items():
        listed = [p[0] for p in allowed.get(section, [])]
        sections[section] = [st.Page(path, title=title, icon=icon, default=path == DEFAULT_PAGE,
                                     url_path=DEFAULT_URL if path == DEFAULT_PAGE else None,
                                     visibility="visible" if path in listed else "hidden")
                             for path, title, icon in pages]
    sections[texts.NAV_BOARD].append(st.Page(DEFAULT_PAGE, title=texts.PAGE_OVERVIEW, url_path=OVERVIEW_ALIAS,
                                             visibility="hidden"))
    sections[texts.NAV_BOARD].append(st.Page(SIGNIN_PAGE, title=texts.PAGE_SIGNIN, icon=":material/login:",
                                             visibility="hidden"))
    return sections
