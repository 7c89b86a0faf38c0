"""Sign-in sessions kept on the server, so a reload or a link opened again in the same browser keeps
the user signed in.

The browser holds a random token (a cookie); the database holds only its SHA-256, the user's name,
a fingerprint of the user's credential when the session began, and the expiry. A token signs in
while it is not expired, not ended, its user is still in the users file and the user's credential
is unchanged: sign-out ends the session, a password change (or any change of the credential,
including a revocation epoch, ``User.epoch``, when the users file has one) ends every session of
that user at once, and removing the user ends them too. Nothing here is a register: backups leave
it out and it is never audited; member names are not involved.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa

from data.store import get_engine

METADATA = sa.MetaData()
SESSIONS = sa.Table(
    "sign_in_sessions", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_name", sa.String(200), nullable=False, index=True),
    sa.Column("credential", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime, nullable=True),
)
DEFAULT_DAYS = 7
TOKEN_BYTES = 32


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def credential(user) -> str:
    """A fingerprint of what a session depends on: the user's name, password hash and revocation
    epoch (``getattr(user, "epoch", 0)``: bumping it ends every session of the user)."""
    parts = (user.name, user.password_hash, str(getattr(user, "epoch", 0)))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class Sessions:
    """The sessions table in the app's database (created on first use)."""

    def __init__(self, url: str, *, days: float = DEFAULT_DAYS, clock=_now):
        self.engine = get_engine(url)
        self.lifetime = dt.timedelta(days=days)
        self.clock = clock
        METADATA.create_all(self.engine)

    def start(self, user) -> str:
        """A new session for ``user``; returns the token for the browser (shown nowhere else)."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(SESSIONS.insert().values(token_hash=_hash(token), user_name=user.name,
                                                  credential=credential(user), created_at=now,
                                                  expires_at=now + self.lifetime))
            # Expired and ended sessions are kept for a day, then dropped.
            conn.execute(SESSIONS.delete().where(
                sa.or_(SESSIONS.c.expires_at < now - dt.timedelta(days=1),
                       SESSIONS.c.ended_at < now - dt.timedelta(days=1))))
        return token

    def resolve(self, token: str | None, users: dict) -> object | None:
        """The user a token signs in (``users``: ``data.users.load_users``), or None. A session whose
        user is gone or whose credential changed is ended here."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        now = self.clock()
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(SESSIONS).where(
                SESSIONS.c.token_hash == _hash(token), SESSIONS.c.ended_at.is_(None),
                SESSIONS.c.expires_at > now)).first()
        if row is None:
            return None
        user = users.get(row.user_name)
        if user is None or credential(user) != row.credential:
            self._end(SESSIONS.c.id == row.id)
            return None
        return user

    def end(self, token: str | None) -> None:
        """Sign-out: the session of this token ends."""
        if token:
            self._end(SESSIONS.c.token_hash == _hash(token))

    def end_user(self, name: str) -> int:
        """Every session of ``name`` ends (e.g. sign out everywhere); returns how many."""
        return self._end(SESSIONS.c.user_name == name)

    def active(self, name: str) -> int:
        """How many sessions of ``name`` could still sign in (not ended, not expired)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(SESSIONS).where(
                SESSIONS.c.user_name == name, SESSIONS.c.ended_at.is_(None),
                SESSIONS.c.expires_at > self.clock())).scalar_one()

    def _end(self, where) -> int:
        with self.engine.begin() as conn:
            return conn.execute(SESSIONS.update().where(where, SESSIONS.c.ended_at.is_(None))
                                .values(ended_at=self.clock())).rowcount
