"""计划目标: the year's targets in an editor (indicator chosen from the catalogue), saved as one
batch like any import; export and import of the 计划目标 sheet."""

from datetime import date

import streamlit as st

from data import schema, texts
from data.export import to_xlsx
from data.importer import (TARGET_KEYS, describe_issue_count, issues_frame, save_targets, targets_for_editor,
                           targets_only)
from data.query import Filters, filter_rows
from metrics.catalogue import CATALOGUE, describe
from ui import cache, downloads, messages, selection, signin, uploader

signin.require_role("editor")

MESSAGES = "targets.messages"

store = cache.get_store()
year, _ = selection.selection()
version = cache.data_version()
column = schema.TARGETS.column

st.header(texts.PAGE_TARGETS)
st.caption(texts.TARGETS_INTRO.format(year=year))
messages.show_flashes(MESSAGES)

stored = filter_rows(cache.load("targets"), "targets", Filters(date_from=date(year, 1, 1), date_to=date(year, 12, 31)))
edited = st.data_editor(
    targets_for_editor(stored, year), num_rows="dynamic", hide_index=True, column_order=TARGET_KEYS, height="content",
    key=f"targets.editor.{year}.{version[0]}.{version[1]}",  # a fresh editor after every write
    placeholder="",  # an empty 备注 shows empty, not "None"
    column_config={
        "indicator": st.column_config.SelectboxColumn(column("indicator").label, options=[i.name for i in CATALOGUE],
                                                      required=True, help=texts.TARGETS_INDICATOR_HELP, width="medium"),
        "target": st.column_config.NumberColumn(column("target").label, min_value=0, required=True,
                                                help=texts.TARGETS_TARGET_HELP),
        "note": st.column_config.TextColumn(column("note").label, width="large"),
    })
if st.button(texts.TARGETS_SAVE, type="primary", icon=":material/save:"):
    if (me := signin.acting("editor", MESSAGES)) is None:
        st.rerun()  # the refusal shows at the top
    outcome = save_targets(store, year, edited, user=me.name)
    if outcome.rejected:
        st.error(texts.TARGETS_REJECTED.format(summary=describe_issue_count(outcome)))
        st.dataframe(issues_frame(outcome.issues), hide_index=True, placeholder="")
    elif outcome.nothing_to_do:
        st.info(texts.STORE_NOTHING_TO_DO)
    else:
        for result in outcome.results:
            messages.flash(MESSAGES, "success", result.message)
        st.rerun()

with st.expander(texts.TARGETS_CATALOGUE_TITLE):
    names = texts.TARGETS_CATALOGUE_COLUMNS
    st.dataframe([{names["name"]: i.name, names["key"]: i.key, names["unit"]: i.unit,
                   names["description"]: describe(i)} for i in CATALOGUE], hide_index=True, placeholder="")

st.download_button(
    texts.TARGETS_EXPORT.format(year=year), mime=downloads.XLSX_MIME, icon=":material/download:", on_click="ignore",
    file_name=texts.TARGETS_EXPORT_FILE.format(year=year), disabled=stored.empty,
    data=lambda: to_xlsx(stored, "targets", filters={texts.SIDEBAR_YEAR: texts.YEAR_FORMAT.format(year=year)}))

st.subheader(texts.TARGETS_IMPORT_TITLE)
uploader.upload_flow("targets", texts.TARGETS_IMPORT_LABEL, texts.TARGETS_IMPORT_BUTTON, flashes=MESSAGES,
                     widget="upload", prepare=targets_only)
