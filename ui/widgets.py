"""Widget helpers for the data pages: values kept across page switches, register column settings."""

from __future__ import annotations

import streamlit as st


def kept(widget, label: str, *args, key: str, default, **kwargs):
    """``widget(label, *args, **kwargs)`` whose value survives page switches: Streamlit drops a
    widget's state when its page is not rendered, so the value is also kept under ``key`` (a
    plain session key) and seeds the widget (key ``key + ".w"``) when the page is shown again."""
    wkey = key + ".w"
    if wkey not in st.session_state:
        st.session_state[wkey] = st.session_state.get(key, default)
    value = widget(label, *args, key=wkey, **kwargs)
    st.session_state[key] = value
    return value


def column_config(register: str) -> dict:
    """``st.dataframe`` column settings for a register: Chinese labels, dates as YYYY-MM-DD,
    whole numbers without decimals."""
    from data import schema

    config = {}
    for col in schema.REGISTERS[register].columns:
        if col.kind == schema.DATE:
            config[col.key] = st.column_config.DateColumn(col.label, format="YYYY-MM-DD")
        elif col.kind in (schema.INT, schema.YEAR):
            config[col.key] = st.column_config.NumberColumn(col.label, format="%d")
        elif col.kind == schema.FLOAT:
            config[col.key] = st.column_config.NumberColumn(col.label)
        else:
            config[col.key] = st.column_config.TextColumn(col.label)
    return config
