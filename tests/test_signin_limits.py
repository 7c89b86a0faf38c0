"""The failed sign-in limit under a burst, as an attacker would send it: many attempts at the same
instant for one name (or from one client), from threads of one process and from two processes on
one database. Exactly the limit reaches the password check; every other attempt is told to wait.
Runs on PostgreSQL too (TEST_DATABASE_URL, CI's PostgreSQL pass)."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from pathlib import Path

import pytest

from data import signin_limits, texts, users
from data.signin_limits import SignInLimits
from data.store import Store

PW = "correct horse"
LOCKED = texts.SIGNIN_LOCKED.format(minutes=15)
BURST = 30


@pytest.fixture
def users_path(tmp_path, store) -> Path:
    path = tmp_path / "users.toml"
    users.add_user(path, "张三", "editor", PW, actor="测试", store=store, rounds=4)
    users.add_user(path, "李四", "viewer", PW, actor="测试", store=store, rounds=4)
    return path


def burst(n: int, attempt) -> Counter:
    """``attempt(i)`` from ``n`` threads released together; the messages they got, counted."""
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait(timeout=60)
        message = attempt(i)
        with lock:
            results.append(message)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(results) == n
    return Counter(results)


def message(result: users.SignIn) -> str:
    return "ok" if result.user else result.message


def test_a_burst_for_one_name_lets_exactly_the_limit_through(users_path, store):
    limits = SignInLimits(store)
    got = burst(BURST, lambda i: message(users.sign_in(users_path, "张三", "wrong password",
                                                         client=f"10.0.0.{i}", limits=limits)))
    assert got == {texts.SIGNIN_FAILED: signin_limits.PER_NAME, LOCKED: BURST - signin_limits.PER_NAME}
    assert message(users.sign_in(users_path, "张三", PW, client="10.9.9.9", limits=limits)) == LOCKED


def test_a_burst_from_one_client_lets_exactly_the_limit_through(users_path, store, monkeypatch):
    fast = users.bcrypt.hashpw(b"x", users.bcrypt.gensalt(4)).decode()
    monkeypatch.setattr(users, "_dummy_hash", lambda: fast)  # unknown names: cheap bcrypt, same path
    limits = SignInLimits(store)
    got = burst(BURST, lambda i: message(users.sign_in(users_path, f"用户{i}", "wrong password",
                                                         client="203.0.113.7", limits=limits)))
    assert got == {texts.SIGNIN_FAILED: signin_limits.PER_CLIENT, LOCKED: BURST - signin_limits.PER_CLIENT}
    assert message(users.sign_in(users_path, "李四", PW, client="203.0.113.7", limits=limits)) == LOCKED
    assert message(users.sign_in(users_path, "李四", PW, client="203.0.113.8", limits=limits)) == "ok"


def _child(url: str, branch: str, path: str, start, n: int, tag: str, out) -> None:
    store = Store(url, branch=branch)
    limits = SignInLimits(store)
    start.wait(timeout=120)
    got = Counter(message(users.sign_in(path, "张三", "wrong password", client=f"{tag}.{i}", limits=limits))
                  for i in range(n))
    out.put(dict(got))


def test_two_processes_share_one_limit(users_path, store, db_url):
    SignInLimits(store)  # the table exists before the children race
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(db_url, store.branch, str(users_path), start, BURST // 2, tag, out))
             for tag in ("a", "b")]
    for p in procs:
        p.start()
    totals = Counter()
    for _ in procs:
        totals.update(out.get(timeout=300))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert totals == {texts.SIGNIN_FAILED: signin_limits.PER_NAME, LOCKED: BURST - signin_limits.PER_NAME}


def test_the_limit_survives_a_new_limits_object(users_path, store):
    """A restart (or another process) starts from the database, not from zero."""
    for i in range(signin_limits.PER_NAME):
        users.sign_in(users_path, "张三", "wrong password", client=f"c{i}", limits=SignInLimits(store))
    assert message(users.sign_in(users_path, "张三", PW, client="x", limits=SignInLimits(store))) == LOCKED
