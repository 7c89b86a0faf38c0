"""登录: the only page a signed-out session can reach when a users file is configured.

Names and passwords are checked against the users file (bcrypt) by ``data.users.sign_in``, with
failed attempts limited per name and per client. Signing out is the sidebar button
(``ui.sidebar.account``)."""

import streamlit as st

from data import texts, users
from ui import messages, routing, signin

NAME, PASSWORD, MESSAGES = "signin.name", "signin.password", "signin.messages"

routing.ensure_routed()


def submit() -> None:
    """Form callback: runs before the app script, so a signed-in session is routed by this very run."""
    result = users.sign_in(signin.users_path(), st.session_state[NAME], st.session_state[PASSWORD],
                           client=signin.client_id(), limits=signin.limits())
    st.session_state[PASSWORD] = ""
    if result.user is None:
        messages.flash(MESSAGES, "error", result.message)
    else:
        signin.sign_in_as(result.user)


st.header(texts.SIGNIN_TITLE)
if signin.local_mode():  # reached by its address while sign-in is off
    st.info(texts.LOCAL_MODE_NOTICE)
    st.stop()
if not users.load_users(signin.users_path()):
    st.info(texts.SIGNIN_NO_USERS)
messages.show_flashes(MESSAGES)
with st.form("signin", enter_to_submit=True):
    st.text_input(texts.SIGNIN_NAME, key=NAME, max_chars=users.MAX_NAME_CHARS, autocomplete="username")
    st.text_input(texts.SIGNIN_PASSWORD, key=PASSWORD, type="password", autocomplete="current-password")
    st.form_submit_button(texts.SIGNIN_BUTTON, on_click=submit, type="primary", icon=":material/login:")
