"""The app's style sheet in the page itself: an ASGI middleware (``Head``) that ``serve.py`` puts in
front of Streamlit and that writes ``ui.style.css()`` into the HTML page Streamlit serves (the
same ``index.html`` for every page address), first thing in ``<body>``, with a small script that
puts Streamlit's own English (tooltips, placeholders, screen-reader names) in Chinese.

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

import json

# Addresses that are never the page: scripts, fonts, the websocket, health, media, uploads.
NOT_PAGES = ("/static/", "/_stcore/", "/media/", "/component/", "/app/static/", "/favicon")
DROPPED = (b"content-length", b"etag", b"last-modified", b"content-encoding")


def with_style(page: bytes, css: str, script: str = "") -> bytes:
    """``page`` with ``css`` in a ``<style>`` element (and ``script`` in a ``<script>``) first in
    ``<body>`` (at the end when there is no body). ``</`` cannot end either element early: it is
    written ``<\\/`` (an escape in CSS, and in JavaScript strings and regular expressions)."""
    element = f'<style id="dj-style">{css.replace("</", "<" + chr(92) + "/")}</style>'
    if script:
        element += f'<script id="dj-words">{script.replace("</", "<" + chr(92) + "/")}</script>'
    element = element.encode("utf-8")
    body = page.find(b"<body")
    at = page.find(b">", body) + 1 if body >= 0 else 0
    return page + element if at <= 0 else page[:at] + element + page[at:]


# Streamlit's own English (``data.texts.UI_STREAMLIT_WORDS`` / ``_PATTERNS``) in Chinese: the
# attributes a person or a screen reader meets (labels, tooltips, placeholders, plotly's mode bar)
# everywhere, and text only outside the page's content (tooltips and menus are drawn at the end of
# <body>; the header's status), never inside a list of options (those are the data's own words)
# except the words Streamlit puts in an empty list (``LISTED``).
LISTED = ["No results", "No options to select"]
SCRIPT = """(() => {
const words = %s, patterns = %s.map(([re, to]) => [new RegExp(re), to]), listed = %s;
const ATTRS = ["aria-label", "title", "placeholder", "data-title"];
const KEEP = '[data-testid="stMain"], [data-testid="stSidebarUserContent"], [role="option"], input, textarea';
const chinese = (value) => {
  const text = (value || "").trim();
  if (!text) return null;
  if (Object.prototype.hasOwnProperty.call(words, text)) return value.replace(text, words[text]);
  let to = text;  // a pattern's part may hold another ("year, 日期范围 start date")
  for (const [re, into] of patterns) to = to.replace(re, into);
  return to === text ? null : value.replace(text, to);
};
const element = (el) => {
  for (const name of ATTRS) {
    const to = chinese(el.getAttribute(name));
    if (to !== null) el.setAttribute(name, to);
  }
};
const text = (node) => {
  const to = chinese(node.nodeValue);
  const kept = node.parentElement && node.parentElement.closest(KEEP) && !listed.includes(node.nodeValue.trim());
  if (to !== null && !kept) node.nodeValue = to;
};
const walk = (root) => {
  if (root.nodeType === 3) return text(root);
  if (root.nodeType !== 1) return;
  element(root);
  root.querySelectorAll("[aria-label], [title], [placeholder], [data-title]").forEach(element);
  const all = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (all.nextNode()) text(all.currentNode);
};
new MutationObserver((records) => records.forEach((r) => {
  if (r.type === "attributes") element(r.target);
  else if (r.type === "characterData") text(r.target);
  else r.addedNodes.forEach(walk);
})).observe(document.documentElement, {subtree: true, childList: true, characterData: true, attributes: true,
                                      attributeFilter: ATTRS});
})();"""


def page_script() -> str:
    """The script that puts Streamlit's own English in Chinese (``SCRIPT`` with the words)."""
    from data import texts

    return SCRIPT % (json.dumps(texts.UI_STREAMLIT_WORDS, ensure_ascii=False),
                     json.dumps(texts.UI_STREAMLIT_PATTERNS, ensure_ascii=False), json.dumps(LISTED))


def page_css() -> str:
    """The style sheet for every page (without the 大屏 rules), with the server's upload limit."""
    import streamlit as st

    from ui import style

    return style.css(max_upload_mb=int(st.get_option("server.maxUploadSize")))


class Head:
    """ASGI middleware: see the module docstring. ``css``: the sheet (default ``page_css()``, made
    at the first page request, when Streamlit's configuration is loaded)."""

    def __init__(self, app, css: str | None = None, script: str | None = None):
        self.app = app
        self._css, self._script = css, script

    @property
    def css(self) -> str:
        if self._css is None:
            self._css = page_css()
        return self._css

    @property
    def script(self) -> str:
        if self._script is None:
            self._script = page_script()
        return self._script

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
                body = with_style(b"".join(chunks), self.css, self.script)
                headers = [(k, v) for k, v in start.get("headers") or [] if k.lower() not in DROPPED]
                await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        return await self.app(scope, receive, edited)
