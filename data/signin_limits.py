"""The failed sign-in limit, kept in the database so that every server process (and every thread
of one) sees the same counts.

At most ``per_name`` failed sign-ins per user name and ``per_client`` per client address within
``window`` seconds; while either is reached, further attempts are refused without checking the
password. Checking and counting are one step: ``reserve`` counts the recent failures and, if the
attempt may go ahead, records it as a failure in the same write transaction (SQLite ``BEGIN
IMMEDIATE``; PostgreSQL a transaction-level advisory lock), so of any number of simultaneous
attempts exactly the allowed number reach the password check. A successful sign-in then takes its
own attempt back and clears the name's earlier failures (they still count for their clients).

The table (``signin_failures``) has its own metadata: it is not a register, so backups leave it
out and restore does not count it; rows older than the window are deleted as new ones come.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

PER_NAME, PER_CLIENT, WINDOW_S = 5, 20, 15 * 60  # per user name a few tries; per client more,
# since one office address may be shared by several people who mistype
MAX_KEY_CHARS = 200  # a name or address longer than any real one is counted by its first chars

METADATA = sa.MetaData()
FAILURES = sa.Table(
    "signin_failures",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text, nullable=True, index=True),  # NULL once the name signed in
    sa.Column("client", sa.Text, nullable=False, index=True),
    sa.Column("at", sa.Float(53), nullable=False, index=True),  # seconds since the epoch (UTC)
)


@dataclass(frozen=True)
class Reservation:
    """The outcome of ``reserve``: ``wait`` seconds until either key may try again (0: go ahead,
    the attempt is already counted as ``attempt_id``)."""

    wait: float
    attempt_id: int | None = None


class SignInLimits:
    """The limit over ``store``'s database (a ``data.store.Store``)."""

    def __init__(self, store, *, per_name: int = PER_NAME, per_client: int = PER_CLIENT,
                 window: float = WINDOW_S, clock=time.time):
        self.store = store
        self.per_name = per_name
        self.per_client = per_client
        self.window = window
        self.clock = clock
        if not sa.inspect(store.engine).has_table(FAILURES.name):
            with store.transaction(lock="schema") as conn:  # two processes starting at once: one creates it
                METADATA.create_all(conn, checkfirst=True)

    def _wait(self, conn: sa.Connection, column, key: str, limit: int, now: float) -> float:
        """Seconds until ``key`` has fewer than ``limit`` failures in the window (0: it has)."""
        nth = conn.execute(
            sa.select(FAILURES.c.at).where(column == key, FAILURES.c.at > now - self.window)
            .order_by(FAILURES.c.at.desc(), FAILURES.c.id.desc()).limit(1).offset(limit - 1)).scalar()
        return 0.0 if nth is None else max(nth + self.window - now, 0.001)

    def reserve(self, name: str, client: str) -> Reservation:
        """Check both limits and, if neither is reached, count this attempt as a failure; one
        write transaction, so concurrent attempts from any process are counted one by one."""
        name, client = name[:MAX_KEY_CHARS], (client or "-")[:MAX_KEY_CHARS]
        with self.store.transaction(lock="signin") as conn:
            now = self.clock()
            wait = max(self._wait(conn, FAILURES.c.name, name, self.per_name, now),
                       self._wait(conn, FAILURES.c.client, client, self.per_client, now))
            if wait > 0:
                return Reservation(wait)
            conn.execute(sa.delete(FAILURES).where(FAILURES.c.at <= now - self.window))
            attempt = conn.execute(sa.insert(FAILURES).values(name=name, client=client, at=now)
                                   .returning(FAILURES.c.id)).scalar_one()
        return Reservation(0.0, attempt)

    def succeeded(self, reservation: Reservation, name: str) -> None:
        """The attempt was right: it is not a failure, and the name's earlier failures no longer
        count against the name (they still count against the clients they came from)."""
        with self.store.transaction(lock="signin") as conn:
            conn.execute(sa.delete(FAILURES).where(FAILURES.c.id == reservation.attempt_id))
            conn.execute(sa.update(FAILURES).where(FAILURES.c.name == name[:MAX_KEY_CHARS]).values(name=None))

    def failures(self) -> int:
        """Failures in the table now (tests)."""
        with self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(FAILURES)).scalar_one()
