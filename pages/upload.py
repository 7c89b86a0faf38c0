"""数据上传: upload workbooks, check them (every error and warning, what would change), confirm;
the import history with undo of the latest batch; the blank template."""

import streamlit as st

from data import texts
from data.errors import DataError, UndoRefused
from data.importer import batches_frame, import_parsed, parse
from data.texts import local_time
from data.template import build_template
from pages import common

common.require_role("editor")

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Session keys: parsed workbooks (file ids, ParsedWorkbook list), uploader generation, messages.
PARSED, GENERATION, MESSAGES = "upload.parsed", "upload.generation", "upload.messages"


def parsed_workbooks(files) -> list:
    """The uploaded files read and validated once: confirming does not parse them again."""
    ids = tuple(f.file_id for f in files)
    cached = st.session_state.get(PARSED)
    if cached is None or cached[0] != ids:
        cached = (ids, [parse(f.getvalue(), f.name) for f in files])
        st.session_state[PARSED] = cached
    return cached[1]


def confirm(parsed: list) -> None:
    try:
        outcome = import_parsed(common.get_store(), parsed, user=common.current_user())
    except DataError as err:
        common.flash(MESSAGES, "error", err.message)
        return
    for name, result in zip(outcome.files, outcome.results):
        common.flash(MESSAGES, "info" if result.nothing_to_do else "success",
                     texts.UPLOAD_RESULT_LINE.format(file=name, message=result.message))
    # A fresh uploader: the imported files are done with.
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.session_state.pop(PARSED, None)


def undo(batch_id: int) -> None:
    try:
        result = common.get_store().undo(batch_id, user=common.current_user())
    except UndoRefused as err:
        common.flash(MESSAGES, "error", err.message)
        return
    common.flash(MESSAGES, "success", result.message)


st.header(texts.PAGE_UPLOAD)
st.caption(texts.UPLOAD_INTRO)
st.download_button(texts.UPLOAD_TEMPLATE_BUTTON, data=build_template, file_name=texts.UPLOAD_TEMPLATE_FILE,
                   mime=XLSX_MIME, icon=":material/download:", on_click="ignore")
common.show_flashes(MESSAGES)

files = st.file_uploader(texts.UPLOAD_FILES_LABEL, accept_multiple_files=True,
                         key=f"upload.files.{st.session_state.get(GENERATION, 0)}")
if files:
    parsed = parsed_workbooks(files)
    st.subheader(texts.UPLOAD_CHECK_TITLE)
    preview = import_parsed(common.get_store(), parsed, user=common.current_user(), dry_run=True)
    if common.show_check(preview):
        st.button(texts.UPLOAD_CONFIRM, type="primary", icon=":material/check:", on_click=confirm, args=(parsed,))

st.subheader(texts.UPLOAD_HISTORY_TITLE)
history = common.batches()
if history.empty:
    st.info(texts.UPLOAD_NO_HISTORY)
else:
    st.dataframe(batches_frame(history), hide_index=True)
    with st.container(border=True):
        st.markdown(f"**{texts.UPLOAD_UNDO_TITLE}**")
        undoable = history.loc[history["undoable"]]
        if undoable.empty:
            st.caption(texts.UPLOAD_NOTHING_TO_UNDO)
        else:
            latest = undoable.iloc[0]
            batch_id = int(latest["id"])
            st.markdown(common.md(texts.UPLOAD_UNDO_TARGET.format(
                batch_id=batch_id, kind=texts.STORE_BATCH_KIND.get(latest["kind"], latest["kind"]),
                file_name=latest["file_name"], time=local_time(latest["created_at"]), user=latest["user"],
                registers=latest["registers"])))
            sure = st.checkbox(texts.UPLOAD_UNDO_CONFIRM.format(batch_id=batch_id), key=f"upload.undo.{batch_id}")
            st.button(texts.UPLOAD_UNDO_BUTTON, icon=":material/undo:", disabled=not sure, on_click=undo,
                      args=(batch_id,))
