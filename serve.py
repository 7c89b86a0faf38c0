"""The server's entry point: ``streamlit run serve.py`` (``make run``) serves app.py behind
``guard.Guard``, which answers only requests addressed to this server (loopback names and the
settings' ``allowed_hosts``), works out the client's address (``trusted_proxies``), keeps the
app's path from browsers and serves the backup download once; ``ui.head.Head`` writes the
app's style sheet into the page, so it applies from the first paint. app.py refuses web sessions of a
server started any other way (``streamlit run app.py``)."""

import streamlit as st
from starlette.middleware import Middleware

import guard
from ui import head

guard.own_proxy_headers()

app = st.App("app.py", middleware=[Middleware(guard.Guard), Middleware(head.Head)])
