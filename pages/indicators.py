"""指标设置: the branch's own indicators (count, distinct or sum over a register's rows, with a
filter), edited in a table by editors, checked like the catalogue, stored in the database and
audited; the settings file's ones shown beside them."""

import streamlit as st

from data import texts, users
from data.errors import DataError
from data.indicators import EDITOR_COLUMNS, from_editor, save_definitions, settings_definitions, stored_definitions, to_editor
from data.schema import REGISTERS
from metrics.catalogue import CATALOGUE, CUSTOM_AGGREGATIONS, CUSTOM_REGISTERS, catalogue_with, describe
from ui import cache, messages, signin

signin.require_role("editor")

MESSAGES = "indicators.messages"
GENERATION = "indicators.generation"

store = cache.get_store()
st.header(texts.PAGE_INDICATORS)
st.caption(texts.INDICATORS_INTRO)
messages.show_flashes(MESSAGES)

stored = stored_definitions(store)
text = st.column_config.TextColumn
headers = texts.INDICATORS_EDITOR_COLUMNS
edited = st.data_editor(
    to_editor(stored), num_rows="dynamic", hide_index=True, column_order=EDITOR_COLUMNS,
    key=f"indicators.editor.{st.session_state.get(GENERATION, 0)}",  # a fresh editor after every save
    column_config={
        "key": text(headers["key"], required=True, help=texts.INDICATORS_HELP["key"]),
        "name": text(headers["name"], required=True, help=texts.INDICATORS_HELP["name"]),
        "register": st.column_config.SelectboxColumn(headers["register"], required=True,
                                                     options=[REGISTERS[k].name for k in CUSTOM_REGISTERS],
                                                     help=texts.INDICATORS_HELP["register"]),
        "agg": st.column_config.SelectboxColumn(headers["agg"], required=True, options=list(CUSTOM_AGGREGATIONS),
                                                help=texts.INDICATORS_HELP["agg"]),
        "columns": text(headers["columns"], help=texts.INDICATORS_HELP["columns"]),
        "filter": text(headers["filter"], width="large", help=texts.INDICATORS_HELP["filter"]),
        "unit": text(headers["unit"], help=texts.INDICATORS_HELP["unit"]),
    })

if st.button(texts.INDICATORS_SAVE, type="primary", icon=":material/save:"):
    try:
        user = signin.signed_in()  # the role now, not when the page was shown
        if not signin.local_mode() and (user is None or not users.allows(user.role, "editor")):
            st.error(texts.ACCESS_DENIED.format(role=user.role_name if user else texts.NOT_SIGNED_IN))
            st.stop()
        definitions = from_editor(edited)
        catalogue_with(settings_definitions(), definitions)  # checked like the catalogue
        saved, before = save_definitions(store, definitions, user=signin.current_user())
    except DataError as err:
        st.error(messages.md(err.message))
    else:
        messages.flash(MESSAGES, "success", texts.INDICATORS_SAVED.format(saved=saved, before=before))
        st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
        st.rerun()

try:
    full = catalogue_with(settings_definitions(), stored)
except DataError as err:
    st.warning(messages.md(err.message))
    full = CATALOGUE
names = texts.TARGETS_CATALOGUE_COLUMNS
custom = full[len(CATALOGUE):]
st.subheader(texts.INDICATORS_CURRENT_TITLE)
if custom:
    st.dataframe([{names["name"]: i.name, names["key"]: i.key, names["unit"]: i.unit,
                   names["description"]: describe(i)} for i in custom], hide_index=True)
else:
    st.info(texts.INDICATORS_NONE_YET)
if settings_definitions():
    st.caption(texts.INDICATORS_FROM_SETTINGS.format(count=len(settings_definitions())))
