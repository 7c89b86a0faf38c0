"""Messages on a page: user text escaped for markdown, and messages queued for the next run
(the result of a callback or of a write followed by ``st.rerun``)."""

from __future__ import annotations

import re

import streamlit as st


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: str) -> str:
    """``text`` (file names, sheet names, users...) escaped so markdown shows it literally."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def flash(key: str, kind: str, text: str) -> None:
    """Queue a message (``kind``: success, info, warning, error) shown by ``show_flashes(key)``;
    for results of a callback or of a write followed by ``st.rerun``."""
    st.session_state.setdefault(key, []).append((kind, text))


def show_flashes(key: str) -> None:
    for kind, text in st.session_state.pop(key, []):
        getattr(st, kind)(md(text))
