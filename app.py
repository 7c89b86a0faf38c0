"""The router: page config, the sign-in gate, navigation per role, the shared sidebar. Nothing else."""

import streamlit as st

from data import texts
from data.errors import DataError
from ui import messages, navigation, routing, sidebar, signin, signin_form, style, urlstate

st.set_page_config(page_title=texts.APP_TITLE, page_icon=":material/flag:", layout="wide")

if refusal := signin.request_refusal():  # a web session not addressed to this server, or no guard
    st.error(refusal)
    st.stop()
urlstate.seed()  # a reload or a link: the view in the address, before any widget

try:
    user = signin.signed_in()
except DataError as err:  # a malformed users file: nobody gets in until it is fixed
    st.error(messages.md(err.message))
    st.stop()
if signin.local_mode() and (address := signin.exposed_address()):
    st.error(texts.LOCAL_MODE_EXPOSED.format(address=address))
    st.stop()

if user is not None and not user.role:  # signed in, but no role in any branch of this deployment
    st.error(texts.ACCESS_DENIED.format(role=user.role_name))
    st.stop()
if user is None:  # every page registered, none listed: the link's page and parameters wait for sign-in
    st.navigation(navigation.navigation_sections(None), position="hidden")
    style.inject()
    signin_form.render()
    signin.session_cookie()
    st.stop()
menu = st.navigation(navigation.navigation_sections(user.role, len(signin.allowed_branches()) > 1))
style.inject(big_screen=sidebar.render(menu))
sidebar.account(user)
signin.session_cookie()
routing.mark_routed()
menu.run()
