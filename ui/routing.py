"""Making sure every page run goes through app.py (the router), also in Streamlit's legacy
multipage mode."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st


ROUTED_KEY = "_routed_by_app"
APP_PATH = Path(__file__).resolve().parent.parent / "app.py"


def mark_routed() -> None:
    """app.py, just before it runs the chosen page: this run went through the router."""
    st.session_state[ROUTED_KEY] = True


def ensure_routed() -> None:
    """Make a page that runs without app.py go through it, in the same run.

    With a ``pages/`` folder beside the main script, Streamlit starts in its legacy multipage
    mode until the process has seen one ``st.navigation`` call: on a fresh server a request for a
    page's address (and every AppTest run after ``switch_page``) executes the page file directly,
    with no sign-in gate, sidebar or page config. Such a run executes app.py here instead (which
    routes to this same page, its widget events intact) and then ends the direct run.
    """
    if st.session_state.pop(ROUTED_KEY, False):
        return
    runpy.run_path(str(APP_PATH), run_name="__main__")
    st.stop()
