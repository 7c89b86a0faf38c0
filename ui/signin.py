"""Access: who this session's user is (sign-in, local mode), what their role allows, and the check
every page makes first (``require_role``)."""

from __future__ import annotations

import getpass
import secrets

import streamlit as st

from data import texts, users
from data.settings import load_settings
from ui import routing


AUTH_KEY, CLIENT_KEY = "auth.user", "auth.client"
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
    return users.User(name, "admin", "")


def signed_in() -> users.User | None:
    """This session's user, looked up in the users file on every run (removing a user or changing
    a role takes effect at their next click); local mode's user; None when signed out.
    ``DataError`` when the users file is malformed."""
    if local_mode():
        return local_user()
    known = users.load_users(users_path())  # read (and checked) on every run
    name = st.session_state.get(AUTH_KEY)
    user = known.get(name) if name else None
    if name and user is None:
        st.session_state.pop(AUTH_KEY, None)
    return user


def sign_in_as(user: users.User) -> None:
    st.session_state[AUTH_KEY] = user.name


def sign_out() -> None:
    """Forget this session's state (the next person at this browser starts afresh), except the
    client key the failed sign-in limit counts by."""
    client = st.session_state.get(CLIENT_KEY)
    st.session_state.clear()
    if client:
        st.session_state[CLIENT_KEY] = client


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
