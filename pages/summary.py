"""年度总结: the year-end summary's sentences with their numbers; for a chosen number, the register
rows behind it (shown and downloadable, the rows the Word appendix counts); the generated Word
draft; the user's own Word draft with its placeholders filled in."""

from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from data import texts
from data.errors import DataError, SettingsError
from data.report_docx import Filled, build_docx, fill_template, rows_xlsx
from data.schema import REGISTERS
from data.settings import load_settings
from metrics.summary import Summary, summarize
from ui import board, cache, downloads, messages, signin, widgets

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIGURE_KEY = "summary.figure"


def _summary(_narrow: dict, year: int, as_of, branch: str, local_rules: list, definitions: str,
             study_hours_min) -> Summary:
    # Every column: the summary keeps the rows behind each number (数字来源, the Word appendix).
    return summarize(cache.full_frames(year), year, as_of, branch=branch, local_rules=local_rules,
                     catalogue=board.catalogue_from(definitions), study_hours_min=study_hours_min)


@st.cache_data(show_spinner=False, max_entries=4)
def _fill(draft: bytes, file_name: str, _summary: Summary, version, year: int, as_of) -> Filled:
    """``fill_template``, once per draft and summary (the summary is keyed by data version, year, as-of)."""
    return fill_template(draft, _summary, file_name=file_name)


def figure_label(summary: Summary, key: str) -> str:
    fig = summary.figure(key)
    return texts.REPORT_FIGURE.format(name=fig.name, value=fig.with_unit)


def sentences(summary: Summary) -> None:
    st.subheader(texts.SUMMARY_TEXT_TITLE)
    for numeral, section in zip(texts.REPORT_NUMERALS, summary.sections):
        st.markdown(f"**{texts.REPORT_SUBHEADING.format(numeral=numeral, title=section.title)}**")
        st.markdown(messages.md("".join(s.text for s in section.sentences)))
    if summary.pending:
        with st.expander(texts.SUMMARY_PENDING_TITLE.format(count=len(summary.pending))):
            st.table(pd.DataFrame([{"name": p.name, "need": p.need} for p in summary.pending.values()])
                     .rename(columns=texts.SUMMARY_PENDING_COLUMNS).set_index(texts.SUMMARY_PENDING_COLUMNS["name"]))


def sources(summary: Summary) -> None:
    """Choose a number: its 口径, the rows behind it and their download."""
    st.subheader(texts.SUMMARY_SOURCE_TITLE)
    quoted = [k for section in summary.sections for s in section.sentences for k in s.keys]
    options = list(dict.fromkeys([*quoted, *summary.figures]))
    key = widgets.kept(st.selectbox, texts.SUMMARY_CHOOSE, options, key=FIGURE_KEY, default=options[0],
                      format_func=partial(figure_label, summary))
    fig = summary.figure(key)
    reg = REGISTERS[fig.register]
    rows = summary.rows(key)
    st.caption(messages.md(texts.SUMMARY_SOURCE_LINE.format(register=reg.name, rows=len(rows),
                                                          description=fig.description)))
    if rows.empty:
        st.info(texts.SUMMARY_NO_ROWS)
        return
    st.dataframe(rows, hide_index=True, placeholder="", column_order=reg.keys,
                 column_config=widgets.column_config(fig.register))
    st.download_button(
        texts.SUMMARY_ROWS_DOWNLOAD, data=partial(rows_xlsx, summary, key), mime=downloads.XLSX_MIME, on_click="ignore",
        icon=":material/download:",
        file_name=texts.SUMMARY_ROWS_FILE.format(name=fig.name, year=summary.year, as_of=summary.as_of.isoformat()))


def draft(summary: Summary) -> None:
    """Upload a Word draft with placeholders; download it filled in."""
    st.subheader(texts.SUMMARY_DRAFT_TITLE)
    st.caption(texts.SUMMARY_DRAFT_HELP)
    upload = st.file_uploader(texts.SUMMARY_DRAFT_UPLOAD, type=["docx"])
    if upload is not None:
        try:
            filled = _fill(upload.getvalue(), upload.name, summary, cache.data_version(), summary.year,
                           summary.as_of)
        except DataError as err:
            st.error(messages.md(err.message))
        else:
            if filled.unknown:
                st.warning(messages.md(texts.REPORT_UNKNOWN_LINE.format(names=texts.capped(filled.unknown))))
            else:
                st.success(texts.SUMMARY_DRAFT_DONE)
            if filled.no_data:
                st.info(messages.md(texts.REPORT_NO_DATA_LINE.format(names=texts.capped(filled.no_data))))
            st.download_button(texts.SUMMARY_DRAFT_DOWNLOAD, filled.data, mime=DOCX_MIME, on_click="ignore",
                               type="primary", icon=":material/download:",
                               file_name=texts.REPORT_FILLED_FILE_NAME.format(stem=Path(upload.name).stem))
    table = summary.placeholders()
    with st.expander(texts.SUMMARY_PLACEHOLDERS_TITLE.format(count=len(table))):
        st.dataframe(table.rename(columns=texts.REPORT_PLACEHOLDER_COLUMNS), hide_index=True, placeholder="")


year, as_of = board.heading(texts.PAGE_SUMMARY)
if cache.is_empty():
    st.info(texts.SUMMARY_EMPTY)
    st.stop()
st.caption(texts.SUMMARY_INTRO)
store = cache.get_store()
try:
    settings = load_settings()
    summary = board.computed(_summary, store.branch, settings.local_rules, board.definitions_token(),
                             settings.study_hours_min)
except SettingsError as err:  # a malformed local rule in the settings
    st.error(messages.md(str(err)))
    st.stop()
st.download_button(texts.SUMMARY_DOWNLOAD, data=partial(build_docx, summary), mime=DOCX_MIME, on_click="ignore",
                   type="primary", icon=":material/download:",
                   file_name=texts.REPORT_FILE_NAME.format(branch=summary.branch, year=summary.year))
sentences(summary)
sources(summary)
draft(summary)
