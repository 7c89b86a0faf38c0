"""The router: page config, navigation, the shared sidebar. Nothing else."""

import streamlit as st

from data import texts
from pages import common

st.set_page_config(page_title=texts.APP_TITLE, page_icon=":material/flag:", layout="wide")

navigation = st.navigation(common.navigation_sections())
common.sidebar()
navigation.run()
