"""The app's style sheet in the page itself: an ASGI middleware (``Head``) that ``serve.py`` puts in
front of Streamlit and that writes ``ui.style.css()`` into the HTML page Streamlit serves (the
same ``index.html`` for every page address), first thing in ``<body>``.

Why not ``st.html`` alone: Streamlit loads the code of ``st.html`` (and of ``st.metric``,
``st.button``, HTML in markdown, charts, tables) on demand, as separate scripts fetched when the
first such element arrives, and React keeps an element hidden until its code is there. On a first
visit those scripts queue behind the charts' (plotly alone is 4.7 MB), so a style sheet sent with
``st.html`` reached the page seconds after the first text: cards, the phone layout and the Chinese
labels of the file uploader would show late or unstyled. In the page, the sheet applies from the
first paint. Placed in ``<body>``, it comes after the styles Streamlit's components write into
``<head>`` and wins over them at equal specificity, as the ``st.html`` copy did; the 大屏 rules
``ui.style.inject`` adds later in the page win over it in turn.

Only ``GET`` answers of type ``text/html`` (the page) are changed; everything else passes
untouched. The page is asked of Streamlit uncompressed (it is small) so it can be edited, and its
validators are dropped so a browser never keeps a copy with an older sheet. The 大屏 rules, which
depend on the session, still come with ``ui.style.inject``.
"""

from __future__ import annotations

# Addresses that are never the page: scripts, fonts, the websocket, health, media, uploads.
NOT_PAGES = ("/static/", "/_stcore/", "/media/", "/component/", "/app/static/", "/favicon")
DROPPED = (b"content-length", b"etag", b"last-modified", b"content-encoding")


def with_style(page: bytes, css: str) -> bytes:
    """``page`` with ``css`` in a ``<style>`` element first in ``<body>`` (at the end when there is
    no body). ``</`` cannot end the element early: it is written as the CSS escape ``<\\/``."""
    safe = css.replace("</", "<\\/")
    element = f'<style id="dj-style">{safe}</style>'.encode("utf-8")
    body = page.find(b"<body")
    at = page.find(b">", body) + 1 if body >= 0 else 0
    return page + element if at <= 0 else page[:at] + element + page[at:]


def page_css() -> str:
    """The style sheet for every page (without the 大屏 rules), with the server's upload limit."""
    import streamlit as st

    from ui import style

    return style.css(max_upload_mb=int(st.get_option("server.maxUploadSize")))


class Head:
    """ASGI middleware: see the module docstring. ``css``: the sheet (default ``page_css()``, made
    at the first page request, when Streamlit's configuration is loaded)."""

    def __init__(self, app, css: str | None = None):
        self.app = app
        self._css = css

    @property
    def css(self) -> str:
        if self._css is None:
            self._css = page_css()
        return self._css

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope.get("method") != "GET" or any(p in path for p in NOT_PAGES):
            return await self.app(scope, receive, send)
        scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers") or [] if k != b"accept-encoding"]}
        start: dict | None = None
        chunks: list[bytes] = []

        async def edited(message):
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers") or []).get(b"content-type", b"")
                if message.get("status") == 200 and kind.startswith(b"text/html"):
                    start = message  # held until the whole page is there
                    return
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = with_style(b"".join(chunks), self.css)
                headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in DROPPED]
                await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        return await self.app(scope, receive, edited)
