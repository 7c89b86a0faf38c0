"""What several test modules share: the project root, AppTest steps, database snapshots."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

from ui.downloads import XLSX_MIME

ROOT = Path(__file__).resolve().parent.parent
XLSX = XLSX_MIME  # the media type a browser sends with an uploaded .xlsx


def goto(at, page: str):
    """Switch an AppTest session to ``page`` (a path such as ``pages/upload.py``) and run it; no
    exception."""
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at, label: str):
    """The AppTest button labelled ``label`` (it must be there)."""
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} among {[b.label for b in at.button]}"
    return found[0]


def sqlite_state(path: str | os.PathLike, skip=()) -> dict[str, list]:
    """Every table of a SQLite file: [rows, sha256 of its rows sorted] (lists: it travels as JSON),
    the ``skip`` columns (e.g. times) left out; read only, to compare a whole state before and after."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        state = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")') if r[1] not in skip]
            rows = sorted(repr(r) for r in conn.execute(f'SELECT {", ".join(map(repr, cols))} FROM "{table}"'))
            state[table] = [len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()]
        return state
    finally:
        conn.close()


def figures(at) -> list[tuple[str, str]]:
    """Every key figure the page shows, in page order, as (name, value) the way a person reads
    them: 总览's cards (each ``keep-card-*`` container's first markdown, name and value in two
    paragraphs: ``ui.glance.card``) and ``st.metric`` on the other pages; md()'s escapes undone."""
    import re

    from ui.style import CARD_PREFIX

    def plain(markdown: str) -> str:
        return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")

    found = []
    for block in at.container:
        if (block.key or "").startswith(CARD_PREFIX + "-"):
            name, value = block.markdown[0].value.split("\n\n")
            found.append((plain(name), plain(value)))
    return found + [(m.label, m.value) for m in at.metric]
