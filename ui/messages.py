"""Messages on a page: user text escaped for markdown, and messages queued for the next run
(the result of a callback or of a write followed by ``st.rerun``)."""

from __future__ import annotations

import re

import streamlit as st


_ASCII_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
_WORD_JOINER = "\u2060"  # invisible, and no line break where it stands


def md(text: str) -> str:
    """The ONE way user text (names, file and sheet names, cell values, messages that carry them)
    goes into anything Streamlit renders as markdown (st.markdown, caption, write, alerts, toasts,
    labels, help): markdown source that shows ``text`` literally, as text.

    Every ASCII punctuation character is backslash-escaped (CommonMark: then it is only itself),
    so no emphasis, link, image, HTML, LaTeX, heading, list, ``:red[...]`` colour or ``:emoji:``
    can start. Streamlit's front end also turns bare addresses (``www.x.org``, ``http://...``,
    ``a@b.org``) into links after parsing, escapes or not; an invisible word joiner around every
    ``.`` and after every ``@`` and ``:`` keeps them from being recognised. Proven in Chromium
    (tests/test_browser.py). Where a user string stands alone, ``st.text`` needs no escaping."""
    escaped = _ASCII_PUNCTUATION.sub(r"\\\1", str(text))
    escaped = escaped.replace("\\.", f"{_WORD_JOINER}\\.{_WORD_JOINER}")
    return escaped.replace("\\@", f"\\@{_WORD_JOINER}").replace("\\:", f"\\:{_WORD_JOINER}")


def flash(key: str, kind: str, text: str) -> None:
    """Queue a message (``kind``: success, info, warning, error) shown by ``show_flashes(key)``;
    for results of a callback or of a write followed by ``st.rerun``."""
    st.session_state.setdefault(key, []).append((kind, text))


def show_flashes(key: str) -> None:
    for kind, text in st.session_state.pop(key, []):
        getattr(st, kind)(md(text))
