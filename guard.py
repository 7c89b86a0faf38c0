"""The web server's front door: an ASGI middleware (``Guard``) that ``serve.py`` puts in front of
every route Streamlit serves (pages, websocket, media files, uploads, static files, health).

- **Host.** Only loopback names (``localhost``, ``127.0.0.0/8``, ``::1``) and the names in the
  settings' ``allowed_hosts`` (``DJ_ALLOWED_HOSTS``) are answered; any other ``Host`` header (a
  site whose name was re-pointed at 127.0.0.1: DNS rebinding) gets a bare 403 and no websocket.
- **Origin.** When a request names an origin (websockets and cross-site requests do), its host
  must pass the same check: a page on another site cannot talk to the app either.
- **Client address.** The socket peer; X-Forwarded-For only when the peer is one of the settings'
  ``trusted_proxies`` (``DJ_TRUSTED_PROXIES``), and then its right-most hop that is not a trusted
  proxy. The result reaches the app in the ``X-Dangjian-Client`` header (a client's own header of
  that name is dropped); the failed sign-in limit counts by it. Uvicorn's own X-Forwarded-For
  handling, which believes any loopback peer, is switched off by ``serve.py``
  (``own_proxy_headers``), so a local process cannot choose its address.
- **The app's path.** Streamlit tells every browser the absolute path of the main script (its
  ``new_session`` message); the guard replaces it with the bare file name.
- **One-shot files.** A download registered with ``serve_once`` (the backup) answers the two GETs
  the front end makes of its media URL (a check, then the download) and is deleted right after the
  second, or a minute after it was made; the URL then answers 404.

``installed()`` tells app.py whether the guard is in front of this process; a web session that
arrives without it (the server was started with ``streamlit run app.py``) is refused, so the
protections above cannot be skipped by starting the app the other way.

Pure Python (no streamlit import at module level): the host and proxy rules are plain functions,
tested on their own and through a real server (tests/test_guard.py).
"""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path
from urllib.parse import urlsplit

from data import texts
from data.settings import load_settings

CLIENT_HEADER = b"x-dangjian-client"
MAIN_SCRIPT = Path(__file__).resolve().parent / "app.py"

_installed = False
_once: dict[str, int] = {}  # one-shot media file id -> GETs it may still answer
ONCE_GETS, ONCE_SECONDS = 2, 60
_once_lock = threading.Lock()


def installed() -> bool:
    """Whether a ``Guard`` has been built in this process (``serve.py`` started the server)."""
    return _installed


# --- rules -------------------------------------------------------------------------------------


def hostname(host: str | None) -> str | None:
    """The host name of a ``Host`` header value (port dropped, lower case, no trailing dot, IPv6
    without brackets), or None when it is missing or malformed."""
    if not host:
        return None
    try:
        parts = urlsplit(f"//{host}")
        name = parts.hostname
        _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        return None
    if (not name or parts.username is not None or parts.password is not None or parts.path
            or parts.query or parts.fragment):
        return None
    return name.lower().rstrip(".")


def is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_allowed(host: str | None, allowed: tuple[str, ...] = ()) -> bool:
    """Whether a ``Host`` header value names this server: a loopback name, or a name in
    ``allowed`` (exact, case-insensitive; ``*.example.org`` for its subdomains; ports ignored)."""
    name = hostname(host)
    if name is None:
        return False
    if is_loopback(name):
        return True
    for pattern in allowed:
        pattern = pattern.strip().lower().rstrip(".")
        if pattern.startswith("[") and pattern.endswith("]"):
            pattern = pattern[1:-1]
        if pattern.startswith("*.") and len(pattern) > 2:
            if name.endswith(pattern[1:]):
                return True
        elif pattern and name == pattern:
            return True
    return False


def origin_allowed(origin: str, allowed: tuple[str, ...] = ()) -> bool:
    """Whether an ``Origin`` header names a page of this server (``null`` never does)."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host_allowed(parts.netloc, allowed)


def networks(proxies: tuple[str, ...]) -> tuple:
    """The settings' ``trusted_proxies`` as networks; ``SettingsError``-like ValueError for a bad one."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _address(value: str):
    """An address from an X-Forwarded-For hop (``1.2.3.4``, ``1.2.3.4:5``, ``[::1]:5``, ``::1``)."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:value.find("]")] if "]" in value else value
    elif value.count(":") == 1:
        value = value.split(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: list[str], trusted: tuple = ()) -> str:
    """Who a request comes from: the socket ``peer``; only when the peer is a trusted proxy, the
    right-most X-Forwarded-For hop that is not one (a proxy appends the address it saw, so what a
    client wrote itself is further left and never chosen). An unreadable hop is used as written:
    it can only be the client's own text when the proxy passed the header on unchanged."""
    if not peer:
        return ""

    def trusted_address(addr) -> bool:
        return addr is not None and any(addr in net for net in trusted)

    if not forwarded_for or not trusted_address(_address(peer)):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        addr = _address(hop)
        if not trusted_address(addr):
            return str(addr) if addr is not None else hop[:64]
    return peer


# --- one-shot downloads --------------------------------------------------------------------------


def serve_once(file_id: str) -> None:
    """Serve the media file ``file_id`` to its first ``ONCE_GETS`` GETs only (Streamlit's front end
    fetches a download's address once to check it, then once more to save it), then delete it; and
    delete it ``ONCE_SECONDS`` after now whatever happened."""
    with _once_lock:
        _once[file_id] = ONCE_GETS
    timer = threading.Timer(ONCE_SECONDS, _forget, (file_id,))
    timer.daemon = True
    timer.start()


def serve_once_content(content: bytes, mimetype: str, file_name: str) -> None:
    """``serve_once`` for the file Streamlit stores for a download of ``content`` (its media id is
    a hash of the content, type and name: ``MemoryMediaFileStorage``)."""
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    serve_once(_calculate_file_id(content, mimetype, file_name))


def _take_once(path: str) -> tuple[str, bool] | None:
    """For a ``/media/<id>.<ext>`` path of a one-shot file: its id and whether this GET is its last;
    None for any other path."""
    marker = "/media/"
    at = path.find(marker)
    if at < 0:
        return None
    file_id = path[at + len(marker):].split("/")[0].split(".")[0]
    with _once_lock:
        left = _once.get(file_id)
        if left is None:
            return None
        if left <= 1:
            del _once[file_id]
            return file_id, True
        _once[file_id] = left - 1
        return file_id, False


def _forget(file_id: str) -> None:
    with _once_lock:
        _once.pop(file_id, None)
    _delete_media(file_id)


def _delete_media(file_id: str) -> None:
    from streamlit import runtime

    if runtime.exists():
        runtime.get_instance().media_file_mgr._storage.delete_file(file_id)


# --- the middleware ------------------------------------------------------------------------------


def _header(headers, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


class Guard:
    """ASGI middleware: see the module docstring. Settings are read once, when the server starts."""

    def __init__(self, app, allowed_hosts: tuple[str, ...] | None = None,
                 trusted_proxies: tuple[str, ...] | None = None):
        global _installed
        settings = load_settings()
        self.app = app
        self.allowed = settings.allowed_hosts if allowed_hosts is None else tuple(allowed_hosts)
        self.trusted = networks(settings.trusted_proxies if trusted_proxies is None else tuple(trusted_proxies))
        self.script_dir = str(MAIN_SCRIPT.parent).encode("utf-8")
        _installed = True

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = scope.get("headers") or []
        origin = _header(headers, b"origin")
        if (not host_allowed(_header(headers, b"host"), self.allowed)
                or (origin is not None and not origin_allowed(origin, self.allowed))):
            return await self._refuse(scope, send)
        peer = scope.get("client")
        client = client_address(peer[0] if peer else None,
                                [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"],
                                self.trusted)
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in headers if k != CLIENT_HEADER] + [
            (CLIENT_HEADER, client.encode("latin-1", "replace"))]
        if peer:
            scope["client"] = (client, peer[1])
        if scope["type"] == "websocket":
            send = self._scrubbed(send)
        elif scope.get("method") == "GET" and (once := _take_once(scope.get("path", ""))) and once[1]:
            send = self._then_delete(send, once[0])
        return await self.app(scope, receive, send)

    async def _refuse(self, scope, send) -> None:
        if scope["type"] == "websocket":  # closing before accepting: the upgrade is answered 403
            await send({"type": "websocket.close", "code": 1008})
            return
        body = (texts.GUARD_REFUSED + "\n").encode("utf-8")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode()),
                                (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})

    def _scrubbed(self, send):
        """``send`` that replaces the app's absolute path in Streamlit's ``new_session`` message."""
        script_dir = self.script_dir

        async def scrubbed(message):
            data = message.get("bytes") if message.get("type") == "websocket.send" else None
            if data and script_dir in data:
                message = {**message, "bytes": _without_path(data)}
            await send(message)

        return scrubbed

    @staticmethod
    def _then_delete(send, file_id: str):
        async def then_delete(message):
            await send(message)
            if message.get("type") == "http.response.body" and not message.get("more_body", False):
                _delete_media(file_id)

        return then_delete


def _without_path(data: bytes) -> bytes:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except Exception:  # not a ForwardMsg: leave it alone
        return data
    if msg.WhichOneof("type") != "new_session":
        return data
    msg.new_session.main_script_path = MAIN_SCRIPT.name
    return msg.SerializeToString()


def own_proxy_headers() -> None:
    """Switch off uvicorn's X-Forwarded-For handling (it believes any loopback peer, so a local
    process could pick the address the sign-in limit counts by); ``Guard`` does it instead, for
    the settings' trusted proxies only. Called by serve.py before uvicorn wraps the app."""
    import uvicorn.config

    def no_proxy_headers(app, trusted_hosts=None):
        return app

    uvicorn.config.ProxyHeadersMiddleware = no_proxy_headers
