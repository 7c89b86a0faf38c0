"""Pure functions from DataFrames to DataFrames or numbers. Never imports streamlit."""
