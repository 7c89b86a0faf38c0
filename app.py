"""The router: page config, the sign-in gate, navigation per role, the shared sidebar. Nothing else."""

import streamlit as st

from data import texts
from data.errors import DataError
from pages import common

st.set_page_config(page_title=texts.APP_TITLE, page_icon=":material/flag:", layout="wide")

try:
    user = common.signed_in()
except DataError as err:  # a malformed users file: nobody gets in until it is fixed
    st.error(err.message)
    st.stop()
if common.local_mode() and (address := common.exposed_address()):
    st.error(texts.LOCAL_MODE_EXPOSED.format(address=address))
    st.stop()

if user is None:
    navigation = st.navigation([st.Page("pages/auth.py", title=texts.PAGE_SIGNIN, icon=":material/login:")])
else:
    navigation = st.navigation(common.navigation_sections(user.role))
    common.sidebar()
    common.account(user)
common.mark_routed()
navigation.run()
