"""数据上传: upload workbooks, check them (every error and warning, what would change), confirm;
the import history with undo of the latest batch; the blank template."""

import streamlit as st

from data import texts
from data.aliases import vocabulary
from data.errors import UndoRefused
from data.importer import batches_frame
from data.texts import local_time
from data.template import build_template
from ui import cache, downloads, intake, messages, signin, uploader

signin.require_role("editor")

MESSAGES = "upload.messages"


def undo(batch_id: int) -> None:
    me = signin.acting("editor", MESSAGES)
    if me is None:
        return
    try:
        result = cache.get_store().undo(batch_id, user=me.name)
    except UndoRefused as err:
        messages.flash(MESSAGES, "error", err.message)
        return
    messages.flash(MESSAGES, "success", result.message)


st.header(texts.PAGE_UPLOAD)
st.caption(texts.UPLOAD_INTRO)
st.download_button(texts.UPLOAD_TEMPLATE_BUTTON, data=lambda: build_template(vocabulary(cache.get_store())),
                   file_name=texts.UPLOAD_TEMPLATE_FILE, mime=downloads.XLSX_MIME, icon=":material/download:",
                   on_click="ignore")
messages.show_flashes(MESSAGES)
messages.show_flashes(texts.UPLOAD_MAP_MESSAGES)

uploader.upload_flow("upload", texts.UPLOAD_FILES_LABEL, texts.UPLOAD_CONFIRM, flashes=MESSAGES, multiple=True,
                     check_title=texts.UPLOAD_CHECK_TITLE,
                     line=lambda name, result: texts.UPLOAD_RESULT_LINE.format(file=name, message=result.message),
                     intake=True)

intake.aliases_editor("upload.aliases")

st.subheader(texts.UPLOAD_HISTORY_TITLE)
history = cache.batches()
if history.empty:
    st.info(texts.UPLOAD_NO_HISTORY)
else:
    st.dataframe(batches_frame(history), hide_index=True, placeholder="")
    with st.container(border=True):
        st.markdown(f"**{texts.UPLOAD_UNDO_TITLE}**")
        undoable = history.loc[history["undoable"]]
        if undoable.empty:
            st.caption(texts.UPLOAD_NOTHING_TO_UNDO)
        else:
            latest = undoable.iloc[0]
            batch_id = int(latest["id"])
            st.markdown(messages.md(texts.UPLOAD_UNDO_TARGET.format(
                batch_id=batch_id, kind=texts.STORE_BATCH_KIND.get(latest["kind"], latest["kind"]),
                file_name=latest["file_name"], time=local_time(latest["created_at"]), user=latest["user"],
                registers=latest["registers"])))
            sure = st.checkbox(texts.UPLOAD_UNDO_CONFIRM.format(batch_id=batch_id), key=f"upload.undo.{batch_id}")
            st.button(texts.UPLOAD_UNDO_BUTTON, icon=":material/undo:", disabled=not sure, on_click=undo,
                      args=(batch_id,))
