"""ui.head: the style sheet and the Chinese-words script written into the page Streamlit serves,
through a real Starlette app (static files, gzip) called as ASGI, as uvicorn would call it. That
the sheet and the script work in a browser is tests/test_browser_leadership.py's part."""

from __future__ import annotations

import asyncio
import gzip
import json

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from data import texts
from ui import head, style

PAGE = "<!doctype html><html><head><title>x</title></head><body><div id=\"root\"></div></body></html>"
SCRIPT = "console.log(1)"


def served(tmp_path, path: str, encoding: str = "gzip") -> tuple[int, dict, bytes]:
    """GET ``path`` from static files (index.html, and a big .js under /static/ as Streamlit's scripts
    are) behind gzip and ``head.Head``."""
    (tmp_path / "index.html").write_text(PAGE * 40)  # big enough for gzip
    (tmp_path / "static").mkdir(exist_ok=True)
    (tmp_path / "static" / "app.js").write_text("var a = 1;\n" * 2000)
    inner = Starlette(routes=[Mount("/", StaticFiles(directory=tmp_path, html=True))],
                      middleware=[Middleware(GZipMiddleware, minimum_size=10)])
    app = head.Head(inner, css="a{color:red}", script=SCRIPT)
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 5),
             "headers": [(b"host", b"127.0.0.1"), (b"accept-encoding", encoding.encode())],
             "http_version": "1.1"}
    sent, asked = [], []

    async def main():
        done = asyncio.Event()

        async def receive():  # the request once; then the client waits until the answer is complete
            if not asked:
                asked.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        await asyncio.wait_for(app(scope, receive, send), timeout=30)

    asyncio.run(main())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_the_page_gets_the_sheet_and_the_script_first_in_its_body(tmp_path):
    status, headers, body = served(tmp_path, "/")
    assert status == 200
    assert "content-encoding" not in headers and "etag" not in headers  # never a stale copy
    assert int(headers["content-length"]) == len(body)
    page = body.decode()
    assert page.count('<style id="dj-style">a{color:red}</style><script id="dj-words">') == 1
    assert page.index('id="dj-style"') < page.index('<div id="root">')  # before the app draws anything


def test_other_files_pass_untouched(tmp_path):
    status, headers, body = served(tmp_path, "/static/app.js")
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).decode() == "var a = 1;\n" * 2000


def test_nothing_in_the_sheet_or_script_ends_its_element_early():
    page = head.with_style(b"<body><div>", 'a::after{content:"</style>"}', 'x = "</script>"').decode()
    assert page.count("</style>") == 1 and page.count("</script>") == 1
    assert page.startswith('<body><style id="dj-style">a::after{content:"<\\/style>"}</style>')


def test_the_page_sheet_is_the_style_sheet_and_the_script_carries_the_words():
    assert head.page_css() == style.css(max_upload_mb=10)  # .streamlit/config.toml: maxUploadSize = 10
    script = head.page_script()
    assert json.dumps(texts.UI_STREAMLIT_WORDS, ensure_ascii=False) in script
    assert texts.UI_STREAMLIT_WORDS["Download as CSV"] in script


def test_every_streamlit_word_has_chinese():
    """The Chinese may keep a file type (CSV, PNG) but no English word."""
    import re

    for english, chinese in texts.UI_STREAMLIT_WORDS.items():
        assert re.search(r"[\u4e00-\u9fff]", chinese), english
        assert not set(re.findall(r"[A-Za-z]{2,}", chinese)) - {"CSV", "PNG", "Esc"}, english
