"""Access: who this session's user is (sign-in, local mode, a sign-in kept across reloads by a
server-side session and its cookie), what their role allows, and the check every page makes first
(``require_role``)."""

from __future__ import annotations

import getpass

import streamlit as st

from data import texts, users
from data.errors import DataError
from data.settings import load_settings
from ui import cache, routing


AUTH_KEY, BRANCHES_KEY = "auth.user", "auth.branches"
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


def acting(needed: str, flashes: str) -> users.User | None:
    """First line of every action (import, undo, targets, demo, user changes, backup, restore):
    the user doing it, checked NOW against the users file and their server-side session
    (``signed_in``) and ``needed``'s role, whose name the audit row records; None after queueing
    the refusal under ``flashes`` (the action must then do nothing). A callback runs before the
    page, so the page's own check at its top belongs to the previous run and does not count."""
    from ui import messages

    try:
        user = signed_in()
    except DataError as err:
        messages.flash(flashes, "error", err.message)
        return None
    if user is None or not users.allows(user.role, needed):
        messages.flash(flashes, "error", texts.ACTION_DENIED.format(
            role=user.role_name if user else texts.NOT_SIGNED_IN))
        return None
    return user


def acting_site_admin(flashes: str, site_admin) -> users.User | None:
    """``acting("admin", ...)`` for a change to the whole deployment (its users, its branches): the
    admin must also pass ``site_admin()`` (the page's check that they administer the deployment, not
    one branch), asked NOW; None after queueing the refusal under ``flashes``."""
    from ui import messages

    actor = acting("admin", flashes)
    if actor is None:
        return None
    if not site_admin():
        messages.flash(flashes, "error", texts.ADMIN_SITE_ONLY)
        return None
    return actor


def still_allowed(name: str, token: str | None, needed: str, branch: str | None = None) -> users.User:
    """``acting`` for work that runs outside the session that asked for it (a download made in
    Streamlit's worker thread): the user ``name`` (signed in with server-side session ``token``,
    if any) as the users file and the session have them now; ``DataError`` if that user may no
    longer do what ``needed`` may in the deployment's branch, or with ``branch`` (a branch key) in
    that branch (the branch records read now). No streamlit session state is touched."""
    if local_mode():
        return local_user()
    known = users.load_users(users_path())
    user = sessions().resolve(token, known) if token else known.get(name)
    if user is not None and branch is not None:
        from data import branches

        with cache.store_for(None).engine.begin() as conn:
            records = branches.all_records(conn)
        user = user.in_branch(users.access(user, records, load_settings().branch).get(branch, ""))
    if user is None or user.name != name or not users.allows(user.role, needed):
        raise DataError(texts.ACTION_DENIED.format(role=user.role_name if user else texts.NOT_SIGNED_IN))
    return user


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
    starts afresh); the cookie is cleared. The failed sign-in limit counts by address, in the
    database, so nothing of it is kept here."""
    sessions().end(st.session_state.get(TOKEN_KEY))
    st.session_state.clear()
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
    """Where a sign-in comes from, for the failed sign-in limit: the address ``guard.Guard`` worked
    out (the socket peer, or X-Forwarded-For's right-most untrusted hop behind a trusted proxy),
    sent in its header; Streamlit's view of the address when there is no guard; "local" for a
    run with no web request (AppTest). Never a per-session value, which a new session would reset."""
    import guard

    address = st.context.headers.get(guard.CLIENT_HEADER.decode()) if guard.installed() else None
    address = address or st.context.ip_address
    return address if isinstance(address, str) and address else "local"


@st.cache_resource
def limits():
    """The failed sign-in limit over this process's store (``data.signin_limits.SignInLimits``)."""
    from data.signin_limits import SignInLimits
    from ui import cache

    return SignInLimits(cache.get_store())


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


def request_refusal() -> str | None:
    """Why this run's web session must get nothing (None: it may go on). ``guard.Guard`` (started
    by serve.py) already refuses other hosts and origins before Streamlit sees them; this is the
    same check again per run, and the refusal of a server started without the guard. A run with
    no web request behind it (AppTest) has no headers and passes."""
    import guard

    headers = st.context.headers
    if not headers:
        return None
    if not guard.installed():
        return texts.GUARD_NOT_INSTALLED
    allowed = load_settings().allowed_hosts
    origin = headers.get("Origin")
    if not guard.host_allowed(headers.get("Host"), allowed) or (
            origin is not None and not guard.origin_allowed(origin, allowed)):
        return texts.GUARD_REFUSED
    return None


def exposed_address() -> str | None:
    """The address the server listens on when other machines can reach it (unset: all of them)."""
    address = st.get_option("server.address")
    return None if address in LOOPBACK else (address or "0.0.0.0")
