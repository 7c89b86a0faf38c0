"""The web server's front door (guard.py, serve.py) against DNS rebinding and cross-site requests,
tried as an attacker would: ``streamlit run serve.py`` on a free loopback port in local mode (no
users file), raw HTTP requests and websocket upgrades with forged Host and Origin headers, and a
real websocket session reading what Streamlit sends a browser. Also the host and proxy rules on
their own, uvicorn's X-Forwarded-For handling switched off, and one-shot media files."""

from __future__ import annotations

import asyncio
import base64
import http.client
import os
import socket
import time
from pathlib import Path

import pytest

import guard
from data import texts
from tests.helpers import free_port, start_server as start, stop_server as stop  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = "dangjian.example.org"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """serve.py in local mode with one extra allowed host name; yields the port."""
    tmp = tmp_path_factory.mktemp("guard")
    proc, port, log = start(tmp, "serve.py", {"DJ_ALLOWED_HOSTS": ALLOWED})
    yield port
    stop(proc, log)


def request(port: int, path: str, host: str, method: str = "GET", headers: dict | None = None,
            body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def upgrade(port: int, host: str, origin: str | None) -> str:
    """A raw websocket upgrade of Streamlit's stream; returns the response's status line."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /_stcore/stream HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: streamlit"]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n")[0].decode()


def static_asset(port: int) -> str:
    """The path of one of the front end's script files, from the index page."""
    status, body = request(port, "/", f"127.0.0.1:{port}")
    assert status == 200
    at = body.find(b"static/js/")
    assert at > 0, body[:500]
    return "/" + body[at:body.find(b'"', at)].decode()


# --- forged Host and Origin against a real server ---------------------------------------------------

FORGED = ["attacker.example:{port}", "attacker.example", "127.0.0.1.attacker.example:{port}",
          "localhost.attacker.example:{port}", "[::2]:{port}", "10.0.0.1:{port}", "", "127.0.0.1:{port}@evil"]


@pytest.mark.parametrize("forged", FORGED)
def test_a_forged_host_gets_nothing_from_any_route(server, forged):
    port = server
    host = forged.format(port=port)
    paths = [("GET", "/"), ("GET", "/_stcore/health"), ("GET", "/_stcore/host-config"),
             ("GET", static_asset(port)), ("GET", "/media/0123456789abcdef.xlsx"),
             ("GET", "/some/page"), ("PUT", "/_stcore/upload_file/session/file")]
    for method, path in paths:
        status, body = request(port, path, host, method, body=b"x" if method == "PUT" else None)
        assert status == 403, (host, path, status)
        assert body.decode("utf-8").strip() == texts.GUARD_REFUSED
    assert upgrade(port, host, f"http://{host}").startswith("HTTP/1.1 403")
    assert upgrade(port, host, None).startswith("HTTP/1.1 403")


def test_loopback_and_allowed_names_are_served(server):
    port = server
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST.:{port}", f"127.5.6.7:{port}",
                 f"[::1]:{port}", f"{ALLOWED}:{port}", ALLOWED.upper()):
        status, body = request(port, "/", host)
        assert status == 200 and b"<html" in body.lower(), host
        assert request(port, "/_stcore/health", host) == (200, b"ok")
        assert request(port, static_asset(port), host)[0] == 200
        assert upgrade(port, host, f"http://{host}").startswith("HTTP/1.1 101"), host


def test_another_sites_page_cannot_open_the_websocket_or_post(server):
    port = server
    host = f"127.0.0.1:{port}"
    for origin in ("http://attacker.example", f"http://attacker.example:{port}", "null", "file://",
                   f"http://{ALLOWED}.attacker.example"):
        assert upgrade(port, host, origin).startswith("HTTP/1.1 403"), origin
        assert request(port, "/_stcore/upload_file/s/f", host, "PUT", {"Origin": origin}, b"x")[0] == 403
    assert upgrade(port, host, f"http://localhost:{port}").startswith("HTTP/1.1 101")


# --- a real websocket session -----------------------------------------------------------------------

def session_messages(port: int, seconds: float = 40) -> list[bytes]:
    """Open Streamlit's stream as the front end does, ask for a run of the app and collect every
    message until the run finishes."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    msgs = []
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                 origin=f"http://127.0.0.1:{port}", open_timeout=30) as ws:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_script_hash = ""
        ws.send(back.SerializeToString())
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            data = ws.recv(timeout=max(0.1, deadline - time.monotonic()))
            msgs.append(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            if msg.WhichOneof("type") == "script_finished":
                break
    return msgs


def test_the_app_path_never_reaches_the_browser(server):
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msgs = session_messages(server)
    kinds = []
    for data in msgs:
        msg = ForwardMsg()
        msg.ParseFromString(data)
        kinds.append(msg.WhichOneof("type"))
        if msg.WhichOneof("type") == "new_session":
            assert msg.new_session.main_script_path == "app.py"
    assert "new_session" in kinds and "script_finished" in kinds
    assert texts.LOCAL_MODE_NOTICE.encode() in b"".join(msgs)  # the app ran: the sidebar is there
    assert not any(str(ROOT).encode() in data for data in msgs)


def test_an_app_started_without_the_guard_serves_no_page(tmp_path):
    proc, port, log = start(tmp_path, "app.py")
    try:
        msgs = b"".join(session_messages(port))
    finally:
        stop(proc, log)
    assert texts.GUARD_NOT_INSTALLED.encode() in msgs
    assert texts.LOCAL_MODE_NOTICE.encode() not in msgs and texts.PAGE_OVERVIEW.encode() not in msgs


# --- the rules on their own --------------------------------------------------------------------------

@pytest.mark.parametrize("host, allowed, ok", [
    ("127.0.0.1:8501", (), True), ("127.9.9.9", (), True), ("localhost:1", (), True), ("[::1]:8501", (), True),
    ("LocalHost.", (), True), ("attacker.example:8501", (), False), ("localhost.attacker.example", (), False),
    ("0.0.0.0:8501", (), False), ("[::ffff:7f00:1]:8501", (), False), ("", (), False), (None, (), False),
    ("127.0.0.1:99999", (), False), ("user@127.0.0.1", (), False), ("127.0.0.1/x", (), False),
    ("board.example.org:443", ("board.example.org",), True), ("BOARD.example.org", ("board.example.org",), True),
    ("a.board.example.org", ("board.example.org",), False), ("a.example.org", ("*.example.org",), True),
    ("example.org", ("*.example.org",), False), ("evilexample.org", ("*.example.org",), False),
    ("10.1.2.3:8501", ("10.1.2.3",), True), ("[fd00::1]:8501", ("[fd00::1]",), True), ("x.org", ("*",), False),
])
def test_host_rules(host, allowed, ok):
    assert guard.host_allowed(host, allowed) is ok


@pytest.mark.parametrize("peer, forwarded, trusted, client", [
    ("203.0.113.9", [], (), "203.0.113.9"),
    ("203.0.113.9", ["1.2.3.4"], (), "203.0.113.9"),  # not a proxy: its header is ignored
    ("127.0.0.1", ["1.2.3.4"], (), "127.0.0.1"),  # loopback is not trusted unless listed
    ("10.0.0.2", ["1.2.3.4"], ("10.0.0.2",), "1.2.3.4"),
    ("10.0.0.2", ["6.6.6.6, 1.2.3.4"], ("10.0.0.2",), "1.2.3.4"),  # the client's own entry is left of it
    ("10.0.0.2", ["6.6.6.6", "1.2.3.4"], ("10.0.0.0/24",), "1.2.3.4"),
    ("10.0.0.2", ["1.2.3.4, 10.0.0.7"], ("10.0.0.0/24",), "1.2.3.4"),  # two proxies in a row
    ("10.0.0.2", ["[2001:db8::1]:4711"], ("10.0.0.2",), "2001:db8::1"),
    ("10.0.0.2", ["1.2.3.4:5678"], ("10.0.0.2",), "1.2.3.4"),
    ("10.0.0.2", ["10.0.0.3"], ("10.0.0.0/24",), "10.0.0.2"),  # only proxies: the peer
    ("10.0.0.2", ["not-an-address"], ("10.0.0.2",), "not-an-address"),
    (None, ["1.2.3.4"], (), ""),
])
def test_client_address_believes_only_trusted_proxies(peer, forwarded, trusted, client):
    assert guard.client_address(peer, forwarded, guard.networks(trusted)) == client


# --- the middleware in uvicorn, in process --------------------------------------------------------------

def run_asgi(app, scope: dict) -> list[dict]:
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def test_uvicorn_does_not_rewrite_the_client_from_x_forwarded_for():
    """Uvicorn believes X-Forwarded-For from any loopback peer by default; serve.py switches that
    off, so only the guard's trusted proxies count."""
    import uvicorn

    seen = {}

    async def inner(scope, receive, send):
        seen.update(client=scope["client"], header=dict(scope["headers"])[guard.CLIENT_HEADER])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    scope = {"type": "http", "method": "GET", "path": "/", "client": ("127.0.0.1", 5555),
             "headers": [(b"host", b"127.0.0.1:8501"), (b"x-forwarded-for", b"9.9.9.9"),
                         (guard.CLIENT_HEADER, b"8.8.8.8")]}
    config = uvicorn.Config(guard.Guard(inner, allowed_hosts=(), trusted_proxies=()), proxy_headers=True)
    before = uvicorn.config.ProxyHeadersMiddleware
    try:
        config.load()  # stock uvicorn: the forged header wins
        run_asgi(config.loaded_app, dict(scope))
        assert seen["client"][0] == "9.9.9.9"
        guard.own_proxy_headers()
        config = uvicorn.Config(guard.Guard(inner, allowed_hosts=(), trusted_proxies=()), proxy_headers=True)
        config.load()
        run_asgi(config.loaded_app, dict(scope))
        assert seen["client"][0] == "127.0.0.1" and seen["header"] == b"127.0.0.1"
    finally:
        uvicorn.config.ProxyHeadersMiddleware = before


def test_a_one_shot_file_answers_two_gets_then_is_deleted():
    deleted = []

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"secret"})

    scope = {"type": "http", "method": "GET", "path": "/media/abc123.xlsx", "client": ("127.0.0.1", 1),
             "headers": [(b"host", b"localhost:8501")]}
    app = guard.Guard(inner, allowed_hosts=(), trusted_proxies=())
    original, guard._delete_media = guard._delete_media, deleted.append
    try:
        guard.serve_once("abc123")
        run_asgi(app, dict(scope, method="HEAD"))
        run_asgi(app, dict(scope, path="/media/other.xlsx"))
        assert deleted == []  # a HEAD, or another file, does not use it up
        run_asgi(app, dict(scope))  # the front end checks the address
        assert deleted == []
        run_asgi(app, dict(scope))  # and downloads it
        assert deleted == ["abc123"]
        run_asgi(app, dict(scope))
        assert deleted == ["abc123"]  # not claimed again
    finally:
        guard._delete_media = original


def test_an_unfetched_one_shot_file_is_deleted_after_a_while(monkeypatch):
    deleted = []
    monkeypatch.setattr(guard, "ONCE_SECONDS", 0.05)
    monkeypatch.setattr(guard, "_delete_media", deleted.append)
    guard.serve_once("never-fetched")
    deadline = time.monotonic() + 30
    while not deleted and time.monotonic() < deadline:  # a hang guard, not a timing assertion
        time.sleep(0.05)
    assert deleted == ["never-fetched"] and "never-fetched" not in guard._once
