"""Server-side sign-in sessions (data.sessions) on a real database: a token signs in until it
expires, is signed out, its user's password changes or its user is removed."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from data import users
from data.sessions import SESSIONS, Sessions
from data.store import Store


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 3, 1, 9, 0)

    def __call__(self):
        return self.now


def user(name="李四", password="secret-one"):
    return users.User(name, "viewer", users.hash_password(password, rounds=4))


def test_token_signs_in_until_it_expires(db_url):
    clock = Clock()
    sessions = Sessions(db_url, days=7, clock=clock)
    known = {"李四": user()}
    token = sessions.start(known["李四"])
    assert sessions.resolve(token, known) == known["李四"]
    assert sessions.resolve(token + "x", known) is None and sessions.resolve(None, known) is None
    clock.now += dt.timedelta(days=6, hours=23)
    assert sessions.resolve(token, known) is not None
    clock.now += dt.timedelta(hours=2)
    assert sessions.resolve(token, known) is None
    assert sessions.active("李四") == 0


def test_only_a_hash_of_the_token_is_stored(db_url):
    sessions = Sessions(db_url)
    token = sessions.start(user())
    with sessions.engine.connect() as conn:
        stored = conn.execute(sa.select(SESSIONS)).mappings().all()
    assert len(stored) == 1 and token not in repr(stored)


def test_sign_out_ends_only_that_session(db_url):
    sessions = Sessions(db_url)
    known = {"李四": user()}
    phone, desk = sessions.start(known["李四"]), sessions.start(known["李四"])
    sessions.end(phone)
    assert sessions.resolve(phone, known) is None
    assert sessions.resolve(desk, known) == known["李四"]
    assert sessions.end_user("李四") == 1 and sessions.resolve(desk, known) is None


def test_password_change_and_removal_end_sessions(db_url, tmp_path):
    path = tmp_path / "users.toml"
    store = Store(db_url, branch="测试支部")
    users.add_user(path, "管理员", "admin", "admin-password", actor="test", store=store, rounds=4)
    users.add_user(path, "李四", "viewer", "secret-one", actor="test", store=store, rounds=4)
    sessions = Sessions(db_url)
    token = sessions.start(users.load_users(path)["李四"])
    assert sessions.resolve(token, users.load_users(path)).name == "李四"
    users.set_password(path, "李四", "secret-two", actor="管理员", store=store, rounds=4)
    assert sessions.resolve(token, users.load_users(path)) is None
    assert sessions.active("李四") == 0  # ended, not merely refused
    token = sessions.start(users.load_users(path)["李四"])
    users.remove_user(path, "李四", actor="管理员", store=store)
    assert sessions.resolve(token, users.load_users(path)) is None


def test_a_revocation_epoch_ends_sessions(db_url):
    """A users file with a per-user credential epoch (bumped to revoke): the sessions check it."""

    @dataclasses.dataclass(frozen=True)
    class EpochUser:
        name: str
        role: str
        password_hash: str
        epoch: int = 0

    sessions = Sessions(db_url)
    before = EpochUser("李四", "viewer", "hash", 0)
    token = sessions.start(before)
    assert sessions.resolve(token, {"李四": before}) == before
    assert sessions.resolve(token, {"李四": dataclasses.replace(before, epoch=1)}) is None


def test_old_sessions_are_dropped(db_url):
    clock = Clock()
    sessions = Sessions(db_url, days=1, clock=clock)
    sessions.start(user())
    clock.now += dt.timedelta(days=3)
    sessions.start(user())  # starting a session drops those expired more than a day ago
    with sessions.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(SESSIONS)).scalar_one() == 1
