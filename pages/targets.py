"""计划目标: the year's targets in an editor (indicator chosen from the catalogue), saved as one
batch like any import; export and import of the 计划目标 sheet."""

from datetime import date

import streamlit as st

from data import schema, texts
from data.export import to_xlsx
from data.importer import (TARGET_KEYS, describe_issue_count, import_parsed, issues_frame, parse, save_targets,
                           targets_for_editor, targets_only)
from data.query import Filters, filter_rows
from metrics.catalogue import CATALOGUE, describe
from pages import common

common.require_role("editor")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MESSAGES, PARSED, GENERATION = "targets.messages", "targets.parsed", "targets.generation"

store = common.get_store()
year, _ = common.selection()
version = common.data_version()
column = schema.TARGETS.column

st.header(texts.PAGE_TARGETS)
st.caption(texts.TARGETS_INTRO.format(year=year))
common.show_flashes(MESSAGES)

stored = filter_rows(common.load("targets"), "targets", Filters(date_from=date(year, 1, 1), date_to=date(year, 12, 31)))
edited = st.data_editor(
    targets_for_editor(stored, year), num_rows="dynamic", hide_index=True, column_order=TARGET_KEYS, height="content",
    key=f"targets.editor.{year}.{version[0]}.{version[1]}",  # a fresh editor after every write
    column_config={
        "indicator": st.column_config.SelectboxColumn(column("indicator").label, options=[i.name for i in CATALOGUE],
                                                      required=True, help=texts.TARGETS_INDICATOR_HELP, width="medium"),
        "target": st.column_config.NumberColumn(column("target").label, min_value=0, required=True,
                                                help=texts.TARGETS_TARGET_HELP),
        "note": st.column_config.TextColumn(column("note").label, width="large"),
    })
if st.button(texts.TARGETS_SAVE, type="primary", icon=":material/save:"):
    outcome = save_targets(store, year, edited, user=common.current_user())
    if outcome.rejected:
        st.error(texts.TARGETS_REJECTED.format(summary=describe_issue_count(outcome)))
        st.dataframe(issues_frame(outcome.issues), hide_index=True)
    elif outcome.nothing_to_do:
        st.info(texts.STORE_NOTHING_TO_DO)
    else:
        for result in outcome.results:
            common.flash(MESSAGES, "success", result.message)
        st.rerun()

with st.expander(texts.TARGETS_CATALOGUE_TITLE):
    names = texts.TARGETS_CATALOGUE_COLUMNS
    st.dataframe([{names["name"]: i.name, names["key"]: i.key, names["unit"]: i.unit,
                   names["description"]: describe(i)} for i in CATALOGUE], hide_index=True)

st.download_button(
    texts.TARGETS_EXPORT.format(year=year), mime=XLSX_MIME, icon=":material/download:", on_click="ignore",
    file_name=texts.TARGETS_EXPORT_FILE.format(year=year), disabled=stored.empty,
    data=lambda: to_xlsx(stored, "targets", filters={texts.SIDEBAR_YEAR: texts.YEAR_FORMAT.format(year=year)}))


def confirm(parsed: list) -> None:
    outcome = import_parsed(store, parsed, user=common.current_user())
    for result in outcome.results:
        common.flash(MESSAGES, "success", result.message)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.session_state.pop(PARSED, None)


st.subheader(texts.TARGETS_IMPORT_TITLE)
upload = st.file_uploader(texts.TARGETS_IMPORT_LABEL, key=f"targets.upload.{st.session_state.get(GENERATION, 0)}")
if upload is not None:
    cached = st.session_state.get(PARSED)
    if cached is None or cached[0] != upload.file_id:
        cached = (upload.file_id, [targets_only(parse(upload.getvalue(), upload.name))])
        st.session_state[PARSED] = cached
    preview = import_parsed(store, cached[1], user=common.current_user(), dry_run=True)
    if common.show_check(preview):
        st.button(texts.TARGETS_IMPORT_BUTTON, type="primary", icon=":material/check:", on_click=confirm,
                  args=(cached[1],))
