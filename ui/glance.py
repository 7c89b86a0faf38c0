"""总览's leadership view: the status line, freshness and "not uploaded yet", the cards worst first
(completion against a 序时 marker, 同比), and the rows behind every number in a dialog (a card, a
bar of the completion chart, a 三会一课 gap) with a download.

The numbers come from ``metrics.glance`` (and ``metrics.progress`` / ``metrics.compliance``); this
module only lays them out. Nothing here renders user text as HTML or unescaped markdown: the card
bar is an image drawn from numbers, and names go through ``ui.messages.md``.

A card is made of elements Streamlit's first bundle draws (markdown, badge, caption, containers),
not ``st.metric`` or ``st.html``: those are loaded on demand, and React holds such an element back
until every element loading then (the charts' 4.7 MB among them) is there, so the cards showed
with the charts, seconds after the status line (``bench/first_look.md``).
"""

from __future__ import annotations

from functools import partial
from urllib.parse import quote

import pandas as pd
import streamlit as st

from data import texts
from data.export import to_xlsx
from data.schema import REGISTERS
from data.settings import load_settings
from metrics import glance
from metrics.catalogue import DISTINCT, by_key, describe
from metrics.compliance import local_rules
from metrics.progress import series
from metrics.report import format_number, format_percent
from metrics.states import label
from ui import board, downloads, messages, style

STATUS_MD_COLORS = {glance.DONE: "green", glance.ON_TRACK: "blue", glance.SLIGHTLY_BEHIND: "orange",
                    glance.BEHIND: "red", glance.NO_DATA: "gray"}
BAR_COLORS = {glance.DONE: "#2e7d32", glance.ON_TRACK: "#1565c0", glance.SLIGHTLY_BEHIND: "#ef8f00",
              glance.BEHIND: "#c62828", glance.NO_DATA: "#9e9e9e"}
CHART_KEY, GAPS_KEY = "glance.chart", "glance.gaps"
# The chart and the gap table are drawn at a fixed width that fits A4 landscape (277 mm ≈ 1047 px):
# a plotly chart or a data grid drawn for a wider screen is not redrawn for paper, it is cut off.
# A narrower screen (a phone) still shrinks them to fit.
PRINT_WIDTH = 1000
OPENED_KEY = "glance.opened"   # the last chart / table selection a dialog was opened for


def status_line(table: pd.DataFrame, result) -> None:
    """The line a leader reads first, each status in its colour; plain text in ``glance.status_line``."""
    counts = glance.status_counts(table)
    total = sum(counts.values())
    if total:
        parts = [f":{STATUS_MD_COLORS[s]}[**{texts.GLANCE_STATUS_PART.format(status=s.label, count=counts[s])}**]"
                 for s in reversed(glance.STATUS_ORDER) if counts[s]]
        line = texts.GLANCE_STATUS_LINE.format(total=total, parts=texts.GLANCE_STATUS_SEP.join(parts))
    else:
        line = texts.GLANCE_STATUS_NO_TARGETS
    if result is not None:
        missing = texts.GLANCE_COMPLIANCE_PART.format(missing=len(result.missing))
        line += f":red[**{missing}**]" if result.missing else texts.GLANCE_COMPLIANCE_NONE_MISSING
    with st.container(key=style.KEEP_PREFIX + "-status"):
        st.markdown(f"#### {line}")


def freshness(fresh: dict, last: dict | None) -> None:
    """“学习教育更新至11月 · …” and who imported last, when."""
    line = glance.freshness_line(fresh)
    if last:
        line += texts.GLANCE_FRESH_SEP + texts.SIDEBAR_FRESHNESS.format(time=texts.local_time(last["created_at"]),
                                                                        user=last["user"])
    st.caption(line)


def _figure(name: str, value: str) -> str:
    """The card's name over its value, as markdown (user text escaped: a branch's own indicator
    names its own unit); ``ui.style`` sizes them like ``st.metric``."""
    return f"{messages.md(name)}\n\n{messages.md(value)}"


def _bar(row: dict, catalogue) -> str:
    """Completion as a bar in the status colour with a black tick at 序时进度 (at the target for a
    rate): a markdown image of an SVG drawn from numbers and colours only, the words as its text."""
    completion = row["completion"]
    fill = 0.0 if completion is None or pd.isna(completion) else max(0.0, min(float(completion), 1.0)) * 100
    tick = 100.0 if by_key(row["key"], catalogue).fraction else float(row["time_progress"]) * 100
    color = BAR_COLORS.get(row["status"], "#9e9e9e")
    words = texts.GLANCE_BAR_LABEL.format(
        completion="—" if completion is None or pd.isna(completion) else f"{float(completion) * 100:.1f}%",
        progress=f"{tick:.1f}%")
    at = min(max(tick * 2 - 1.5, 0.0), 197.0)
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="18" viewBox="0 0 200 18" '
           'preserveAspectRatio="none"><rect y="4" width="200" height="10" rx="5" fill="#eceff1"/>'
           f'<rect y="4" width="{fill * 2:.1f}" height="10" rx="5" fill="{color}"/>'
           f'<rect x="{at:.1f}" width="3" height="18" rx="1" fill="#212121"/></svg>')
    return f'![{words}](data:image/svg+xml,{quote(svg)} "{words}")'


def _yoy(row: dict, catalogue) -> str | None:
    ind = by_key(row["key"], catalogue)
    prev = row.get("previous")
    if prev is None or pd.isna(prev):
        return None
    if row.get("yoy") is None or pd.isna(row.get("yoy")):
        return texts.GLANCE_YOY_PLAIN.format(previous=format_number(prev, ind.unit))
    return texts.GLANCE_YOY.format(change=f"{float(row['yoy']) * 100:+.1f}%", previous=format_number(prev, ind.unit))


def card(row: dict, on_open, catalogue) -> None:
    """One indicator (a ``progress_table`` row, status banded): value, status, completion bar with the
    序时 marker, the words, target and 同比, and the 明细 button (``on_open(key)``); ``catalogue``:
    ``ui.board.catalogue()``, built-in and the branch's own indicators (read once for all cards)."""
    ind = by_key(row["key"], catalogue)
    with st.container(border=True, key=f"{style.KEEP_PREFIX}-card-{row['key'].replace('.', '-')}"):
        st.markdown(_figure(row["name"], format_number(row["value"], row["unit"])), help=describe(ind))
        st.badge(label(row["status"]), color=STATUS_MD_COLORS.get(row["status"], "gray"))
        st.markdown(_bar(row, catalogue))
        if row["summary"]:
            st.caption(row["summary"])
        target = format_number(row["target"], row["unit"])
        detail = texts.GLANCE_CARD_TARGET.format(target=target) if ind.fraction else texts.BOARD_CARD_DETAIL.format(
            target=target, progress=format_percent(row["time_progress"]))
        yoy = _yoy(row, catalogue)
        st.caption(detail + (texts.GLANCE_FRESH_SEP + yoy if yoy else ""))
        button_key = f"{style.NO_PRINT_PREFIX}-rows-{row['key'].replace('.', '-')}"
        st.button(texts.GLANCE_ROWS_BUTTON, key=button_key, on_click=on_open,
                  args=(row["key"],), icon=":material/table_rows:", type="tertiary")


def cards(table: pd.DataFrame, on_open) -> None:
    """The cards with a target, worst first, in one wrapping row: four to a line on a screen, two on a
    phone, six in 大屏 mode and on paper (widths in ``ui.style``)."""
    rows = glance.worst_first(table).to_dict("records")
    catalogue = board.catalogue()
    with st.container(key=style.CARDS_KEY, horizontal=True, gap="small"):
        for row in rows:
            card(row, on_open, catalogue)


# --- the rows behind a number -------------------------------------------------------------------


def _download(rows: pd.DataFrame, register: str, name: str, filters: dict, file_name: str) -> None:
    st.download_button(texts.SUMMARY_ROWS_DOWNLOAD, data=partial(to_xlsx, rows, register, filters=filters),
                       mime=downloads.XLSX_MIME, on_click="ignore", icon=":material/download:", file_name=file_name)


def card_dialog(key: str, table: pd.DataFrame, frames: dict, year: int, as_of, column_config,
                branch: str | None = None) -> None:
    """The rows behind one card (the same rows 年度总结's 数字来源 lists), their download, and for
    a card behind plan its month-by-month shortfall against the plan line. ``branch``: the branch
    named above the rows (各支部对比 opens another branch's cell with its frames)."""
    catalogue = board.catalogue()  # built-in and the branch's own indicators
    ind = by_key(key, catalogue)
    row = table.set_index("key").loc[key]
    rows = glance.card_rows(frames, year, as_of, key, catalogue)
    value = format_number(row["value"], ind.unit)

    def body() -> None:
        if branch is not None:
            st.caption(messages.md(texts.ORG_CELL_BRANCH.format(branch=branch)))
        st.caption(describe(ind))
        counted = texts.GLANCE_ROWS_COUNT.format(rows=len(rows), register=REGISTERS[ind.register].name)
        if ind.agg == DISTINCT:
            counted += texts.GLANCE_ROWS_DISTINCT.format(value=value)
        st.markdown(f"**{counted}**")
        if row["status"] in (glance.BEHIND, glance.SLIGHTLY_BEHIND) and not ind.fraction:
            short = glance.shortfall(series(frames, year, as_of, catalogue=catalogue), key)
            if len(short):
                st.markdown(f"**{texts.GLANCE_SHORTFALL_TITLE}**")
                shown = pd.DataFrame({
                    texts.GLANCE_SHORTFALL_COLUMNS["label"]: short["label"],
                    texts.GLANCE_SHORTFALL_COLUMNS["value"]: [format_number(v, ind.unit) for v in short["value"]],
                    texts.GLANCE_SHORTFALL_COLUMNS["plan"]: [f"{v:.1f}" for v in short["plan"]],
                    texts.GLANCE_SHORTFALL_COLUMNS["short"]: [f"{v:.1f}" for v in short["short"]]})
                st.table(shown, hide_index=True)
        if rows.empty:
            st.info(texts.SUMMARY_NO_ROWS)
            return
        reg = REGISTERS[ind.register]
        st.dataframe(rows, hide_index=True, placeholder="", column_order=reg.keys,
                     column_config=column_config(ind.register))
        filters = {texts.SUMMARY_ROWS_FILTER_NAME: texts.REPORT_FIGURE.format(name=ind.name, value=value),
                   texts.SUMMARY_ROWS_FILTER_RULE: describe(ind),
                   texts.SUMMARY_ROWS_FILTER_PERIOD: texts.SUMMARY_PERIOD.format(
                       year=year, as_of=texts.long_date(as_of))}
        _download(rows, ind.register, ind.name, filters,
                  texts.SUMMARY_ROWS_FILE.format(name=ind.name, year=year, as_of=as_of.isoformat()))

    st.dialog(texts.GLANCE_ROWS_TITLE.format(name=ind.name, value=value), width="large")(body)()


def gap_dialog(cell: dict, result, frames: dict, column_config) -> None:
    """The 学习教育 rows a 三会一课 cell counts (none, or fewer than the rule asks)."""
    rules = local_rules(load_settings().local_rules)
    rows = glance.gap_rows(frames, result, cell["rule"], int(cell["period"]), cell.get("group"), rules)
    title = cell.get("message") or cell["name"]

    def body() -> None:
        # A rule's name may come from the settings and a 党小组 from the registers: shown literally.
        st.caption(messages.md(texts.GLANCE_GAP_RULE.format(name=cell["name"], article=cell["article"],
                                                            label=cell["label"], min=cell["min"])))
        st.markdown(f"**{texts.GLANCE_ROWS_COUNT.format(rows=len(rows), register=REGISTERS['study'].name)}**")
        if rows.empty:
            st.info(texts.GLANCE_GAP_NONE)
            return
        st.dataframe(rows, hide_index=True, placeholder="", column_order=REGISTERS["study"].keys,
                     column_config=column_config("study"))
        filters = {texts.SUMMARY_ROWS_FILTER_NAME: title, texts.SUMMARY_ROWS_FILTER_RULE: cell["name"],
                   texts.SUMMARY_ROWS_FILTER_PERIOD: cell["label"]}
        _download(rows, "study", cell["name"], filters,
                  texts.GLANCE_GAP_FILE.format(name=cell["name"], label=cell["label"], year=result.year))

    st.dialog(messages.md(title), width="large")(body)()


def newly_selected(key: str, selection: object) -> object | None:
    """A chart or table selection the first time it is seen (a dialog opens once per click, not on
    every rerun while the selection stays)."""
    opened = st.session_state.setdefault(OPENED_KEY, {})
    token = repr(selection)
    if not selection or opened.get(key) == token:
        if not selection:
            opened.pop(key, None)
        return None
    opened[key] = token
    return selection


def big_figure(fig, big: bool):
    """Larger type for the 大屏 mode."""
    if big:
        fig.update_layout(font_size=20, title_font_size=26, height=int(fig.layout.height or 400) * 1.35,
                          hoverlabel_font_size=18)
    return fig
