"""计划目标: the year's targets in an editor (indicator chosen from the catalogue), saved as one
batch like any import; export and import of the 计划目标 sheet."""

from datetime import date

import streamlit as st

from data import schema, texts
from data.export import to_xlsx
from data.errors import StaleEdit
from data.importer import (TARGET_KEYS, describe_issue_count, issues_frame, save_targets, targets_changes,
                           targets_for_editor, targets_only, targets_version)
from data.query import Filters, filter_rows
from metrics.catalogue import CATALOGUE, describe
from ui import cache, downloads, messages, selection, signin, uploader

signin.require_role("editor")

MESSAGES = "targets.messages"
LOADED, GENERATION = "targets.loaded", "targets.editor.generation"

store = cache.get_store()
year, _ = selection.selection()
column = schema.TARGETS.column

st.header(texts.PAGE_TARGETS)
st.caption(texts.TARGETS_INTRO.format(year=year))
messages.show_flashes(MESSAGES)

stored = filter_rows(cache.load("targets"), "targets", Filters(date_from=date(year, 1, 1), date_to=date(year, 12, 31)))


def fresh(year: int) -> dict:
    """The year's stored targets as the editor's rows, with the version they came from (read from
    the database, not a cache) and an editor key not used before in this session: a new key starts
    an editor without edits."""
    generation = st.session_state.get(GENERATION, 0) + 1
    st.session_state[GENERATION] = generation
    entry = {"version": targets_version(store, year), "key": f"targets.editor.{year}.{generation}",
             "rows": targets_for_editor(store.load("targets", year=year), year), "seen": None, "changes": []}
    st.session_state.setdefault(LOADED, {})[year] = entry
    return entry


def has_edits(key: str) -> bool:
    state = st.session_state.get(key) or {}
    return any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))


# The editor keeps the rows it was opened with while the user edits them: someone else's write
# refreshes it only when it holds no edits, and a save over such a write is refused, saying what
# changed meanwhile, with the user's edits kept on screen (#13.7).
entry = st.session_state.get(LOADED, {}).get(year)
if entry is None or (entry["version"] != targets_version(store, year) and not has_edits(entry["key"])):
    entry = fresh(year)
if entry["changes"]:
    changed = texts.TARGETS_CHANGE_SEP.join(
        texts.TARGETS_CHANGE.format(indicator=messages.md(name), old=messages.md(old), new=messages.md(new))
        for name, old, new in entry["changes"])
    st.warning(texts.TARGETS_STALE.format(changes=changed))
    st.button(texts.TARGETS_DISCARD, on_click=fresh, args=(year,), icon=":material/undo:")
edited = st.data_editor(
    entry["rows"], num_rows="dynamic", hide_index=True, column_order=TARGET_KEYS, height="content", key=entry["key"],
    placeholder="",  # an empty 备注 shows empty, not "None"
    column_config={
        "indicator": st.column_config.SelectboxColumn(column("indicator").label, options=[i.name for i in CATALOGUE],
                                                      required=True, help=texts.TARGETS_INDICATOR_HELP, width="medium"),
        "target": st.column_config.NumberColumn(column("target").label, min_value=0, max_value=schema.MAX_TARGET,
                                                required=True, help=texts.TARGETS_TARGET_HELP),
        "note": st.column_config.TextColumn(column("note").label, width="large"),
    })
if st.button(texts.TARGETS_SAVE, type="primary", icon=":material/save:"):
    if (me := signin.acting("editor", MESSAGES)) is None:
        st.rerun()  # the refusal shows at the top
    try:
        # Saved over the version the user loaded, or, after being told what changed, the one seen then.
        outcome = save_targets(store, year, edited, user=me.name,
                               loaded_version=entry["seen"] or entry["version"])
    except StaleEdit:
        entry["seen"] = targets_version(store, year)
        entry["changes"] = targets_changes(entry["rows"], targets_for_editor(store.load("targets", year=year), year))
        st.rerun()
    if outcome.rejected:
        st.error(texts.TARGETS_REJECTED.format(summary=describe_issue_count(outcome)))
        st.dataframe(issues_frame(outcome.issues), hide_index=True, placeholder="")
    elif outcome.nothing_to_do:
        st.info(texts.STORE_NOTHING_TO_DO)
    else:
        for result in outcome.results:
            messages.flash(MESSAGES, "success", result.message)
        fresh(year)
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
