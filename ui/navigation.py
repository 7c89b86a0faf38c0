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
    ],
    texts.NAV_ADMIN: [
        ("pages/admin.py", texts.PAGE_ADMIN, ":material/admin_panel_settings:"),
    ],
}


# The least role a page needs (data.users.ROLES); any other page is for every role. Every page
# also calls ``ui.signin.require_role`` at its top, which first makes sure the run went through
# app.py (``ui.routing.ensure_routed``), so the navigation is not the only thing that keeps anyone out.
PAGE_ROLES = {"pages/upload.py": "editor", "pages/targets.py": "editor", "pages/admin.py": "admin"}
DEFAULT_PAGE = PAGES[texts.NAV_BOARD][0][0]


def pages_for(role: str) -> dict[str, list[tuple[str, str, str]]]:
    """The sections and pages ``role`` may use; a section with none is left out."""
    out = {}
    for section, pages in PAGES.items():
        allowed = [p for p in pages if users.allows(role, PAGE_ROLES.get(p[0], "viewer"))]
        if allowed:
            out[section] = allowed
    return out


# For a user who may view several branches (an organisation viewer): the comparison of branches.
ORGANISATION_PAGES = {texts.NAV_ORGANISATION: [
    ("pages/organisation.py", texts.PAGE_ORGANISATION, ":material/leaderboard:")]}


def navigation_sections(role: str = "admin", organisation: bool = False) -> dict[str, list]:
    """``st.navigation``'s sections for ``role``: a page the role may not use is not listed;
    ``organisation``: the 各支部对比 section too."""
    sections = pages_for(role) | (ORGANISATION_PAGES if organisation else {})
    return {section: [st.Page(path, title=title, icon=icon, default=path == DEFAULT_PAGE)
                      for path, title, icon in pages]
            for section, pages in sections.items()}
