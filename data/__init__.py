"""Everything that moves data in or out: schema, Excel reading and validation, the store,
exports, the template and the demo year. Never imports streamlit."""
