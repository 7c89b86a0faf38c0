"""Streamlit pages. Thin: read widgets, call ``data`` and ``metrics``, draw."""
