"""The Streamlit UI shared by the pages (``pages/`` holds only pages): navigation and routing,
sign-in, the store's cached reads, the sidebar, board helpers, charts, the uploader flow."""
