"""Access: who this session's user is (sign-in, local mode, a sign-in kept across reloads by a
server-side session and its cookie), what their role allows, and the check every page makes first
(``require_role``)."""

from __future__ import annotations

import getpass
import secrets

import streamlit as st

from data import texts, users
from data.settings import load_settings
from ui import cache, routing


AUTH_KEY, CLIENT_KEY, BRANCHES_KEY = "auth.user", "auth.client", "auth.branches"
TOKEN_KEY, COOKIE_KEY = "auth.token", "auth.cookie"   # the server-side session; the cookie to write
SESSION_COOKIE = "dj_session"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def users_path() -> str | None:
    """The users file (``DJ_USERS_FILE`` / ``users_file``); None means local mode (no sign-in)."""
    return load_settings().users_file


def local_mode() -> bool:
    return not users_path()


def local_user() -> users.User:
    """Local mode's one user: the operating-system account running the server, with every right."""
    try:
        name = getpass.getuser()
    except OSError:  # no user name in the environment or the password database
        name = texts.UI_DEFAULT_USER
    return users.User(name, "admin", "", organisation="admin")


@st.cache_resource
def sessions():
    """The server-side sign-in sessions (``data.sessions``), one per server process."""
    from data.sessions import Sessions

    settings = load_settings()
    return Sessions(settings.database_url, days=settings.session_days)


def signed_in() -> users.User | None:
    """This session's user, looked up in the users file on every run (removing a user or changing
    a role takes effect at their next click), with ``role`` their role in the session's branch;
    local mode's user; None when signed out. ``DataError`` when the users file is malformed.

    A browser that signed in before (the session cookie) is signed in again on a reload or a new
    tab while its server-side session lasts (``data.sessions``); every run checks that session,
    so sign-out, a password change or removal ends it at the next click."""
    if local_mode():
        return _in_session_branch(local_user())
    known = users.load_users(users_path())  # read (and checked) on every run
    token = st.session_state.get(TOKEN_KEY)
    if token is None and AUTH_KEY not in st.session_state:
        token = _cookie()
    if token:
        user = sessions().resolve(token, known)
        if user is None:  # expired, signed out, password changed or user removed
            st.session_state.pop(AUTH_KEY, None)
            st.session_state.pop(TOKEN_KEY, None)
            st.session_state[COOKIE_KEY] = None
            return None
        st.session_state[AUTH_KEY], st.session_state[TOKEN_KEY] = user.name, token
        return _in_session_branch(user)
    name = st.session_state.get(AUTH_KEY)
    user = known.get(name) if name else None
    if name and user is None:
        st.session_state.pop(AUTH_KEY, None)
    return _in_session_branch(user) if user else None


def _in_session_branch(user: users.User) -> users.User:
    """``user`` with their role in this session's branch (``cache.BRANCH_KEY``). A branch the user
    may not use is replaced by the deployment's branch, else by the first they may use; with none,
    the role is empty (every check refuses). Every page, download and action reads its data through
    ``cache.get_store()``, the store of this branch, so a branch user never reaches another's rows."""
    allowed = users.access(user, cache.branch_records(), load_settings().branch)
    st.session_state[BRANCHES_KEY] = allowed
    current = st.session_state.get(cache.BRANCH_KEY)
    if current not in allowed:
        deployment = cache.store_for(None).branch
        current = deployment if deployment in allowed else min(allowed, default=None)
        if current is None:
            st.session_state.pop(cache.BRANCH_KEY, None)
            return user.in_branch("")
        st.session_state[cache.BRANCH_KEY] = current
    return user.in_branch(allowed[current])


def allowed_branches() -> dict[str, str]:
    """{branch key: role} of this session's user (set by ``signed_in`` on every run)."""
    return st.session_state.get(BRANCHES_KEY, {})


def _cookie() -> str | None:
    """The session cookie the browser sent when this session connected, if any."""
    value = st.context.cookies.get(SESSION_COOKIE)
    return value if isinstance(value, str) and value else None


def sign_in_as(user: users.User) -> None:
    """Sign this browser session in, and start a server-side session whose token the browser keeps
    (a cookie written by ``session_cookie``)."""
    token = sessions().start(user)
    st.session_state[AUTH_KEY], st.session_state[TOKEN_KEY] = user.name, token
    st.session_state[COOKIE_KEY] = token


def sign_out() -> None:
    """End the server-side session, forget this session's state (the next person at this browser
    starts afresh), except the client key the failed sign-in limit counts by; the cookie is cleared."""
    sessions().end(st.session_state.get(TOKEN_KEY))
    client = st.session_state.get(CLIENT_KEY)
    st.session_state.clear()
    if client:
        st.session_state[CLIENT_KEY] = client
    st.session_state[COOKIE_KEY] = None


def session_cookie() -> None:
    """Write (after sign-in) or clear (after sign-out or an ended session) the browser's session
    cookie, once. ``SameSite=Strict``; ``Secure`` when the page is served over HTTPS. Script-written,
    so not HttpOnly (Streamlit cannot set a cookie from the server; see README, 访问与权限)."""
    if COOKIE_KEY not in st.session_state:
        return
    token = st.session_state.pop(COOKIE_KEY)
    if token is None and not _cookie():
        return
    age = int(load_settings().session_days * 86400) if token else 0
    value = token or ""
    if not all(c.isalnum() or c in "-_" for c in value):  # token_urlsafe only; never anything else
        return
    script = (f'<script>document.cookie = "{SESSION_COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict"'
              ' + (location.protocol === "https:" ? "; Secure" : "");</script>')
    with st.sidebar:
        st.html(script, unsafe_allow_javascript=True)


def client_id() -> str:
    """Where a sign-in comes from, for the failed sign-in limit: the client's address when the
    server knows it, else this browser session."""
    address = st.context.ip_address
    if isinstance(address, str) and address:
        return address
    return st.session_state.setdefault(CLIENT_KEY, secrets.token_hex(8))


def can(needed: str) -> bool:
    """Whether this session's user may do what role ``needed`` may (for buttons and links)."""
    user = signed_in()
    return user is not None and users.allows(user.role, needed)


def current_user() -> str:
    """Who is recorded in a batch and the audit log: the signed-in user, in local mode the
    operating-system account running the server."""
    user = signed_in()
    return user.name if user else texts.UI_DEFAULT_USER


def require_role(needed: str) -> users.User:
    """First line of every page but sign-in: its user, or an error and the page stops (a page
    reached without the navigation, e.g. by its address)."""
    routing.ensure_routed()
    user = signed_in()
    if user is None or not users.allows(user.role, needed):
        st.error(texts.ACCESS_DENIED.format(role=user.role_name if user else texts.NOT_SIGNED_IN))
        st.stop()
    return user


def exposed_address() -> str | None:
    """The address the server listens on when other machines can reach it (unset: all of them)."""
    address = st.get_option("server.address")
    return None if address in LOOPBACK else (address or "0.0.0.0")
