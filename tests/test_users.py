"""data.users: the users file (TOML, bcrypt hashes), roles, the failed sign-in limit, and the
``python cli.py user ...`` commands; every user change lands in the audit log."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import cli
from data import audit, texts, users
from data.errors import DataError
from data.signin_limits import SignInLimits
from tests.helpers import ROOT

FAST = 4  # bcrypt rounds for test users: the file format and checks are the same, only faster
PW = "correct horse"


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "private" / "users.toml"


def add(path, store, name, role="viewer", password=PW):
    return users.add_user(path, name, role, password, actor="测试管理员", store=store, rounds=FAST)


# --- roles ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, needed, allowed", [
    ("viewer", "viewer", True), ("viewer", "editor", False), ("viewer", "admin", False),
    ("editor", "viewer", True), ("editor", "editor", True), ("editor", "admin", False),
    ("admin", "viewer", True), ("admin", "editor", True), ("admin", "admin", True),
    (None, "viewer", False), ("root", "viewer", False),
])
def test_roles_are_ordered(role, needed, allowed):
    assert users.allows(role, needed) is allowed


def test_every_role_has_a_chinese_name():
    assert set(texts.ROLE_NAMES) == set(users.ROLES)
    assert [texts.ROLE_NAMES[r] for r in users.ROLES] == ["查看", "录入", "管理"]


# --- the file ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["张三", "li.si", 'quote"and\\backslash', "带 空格的名字", "a" * 64])
def test_a_user_round_trips_through_the_file(path, store, name):
    add(path, store, name, "editor")
    assert users.load_users(path)[name].role == "editor"
    assert users.verify(path, name, PW).name == name
    assert users.verify(path, name, PW + "x") is None


def test_the_file_holds_bcrypt_hashes_only_and_is_private(path, store):
    add(path, store, "王五", "admin")
    text = path.read_text(encoding="utf-8")
    assert PW not in text
    entry = tomllib.loads(text)["users"]["王五"]
    assert entry["role"] == "admin" and entry["password_hash"].startswith("$2b$04$")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["users.toml"]  # no temporary file left


def test_an_absent_file_has_no_users_and_unknown_names_fail(path):
    assert users.load_users(path) == {}
    assert users.verify(path, "nobody", PW) is None


@pytest.mark.parametrize("content", [
    "[users\n", '[users."a"]\nrole = "root"\npassword_hash = "x"\n', '[users."a"]\nrole = "admin"\n',
    'users = 3\n',
])
def test_a_malformed_file_is_refused_not_ignored(path, content):
    path.parent.mkdir()
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError):
        users.load_users(path)


@pytest.mark.parametrize("name, password, message", [
    ("", PW, texts.USERS_NAME_BAD.format(max=users.MAX_NAME_CHARS)),
    (" 张三", PW, texts.USERS_NAME_BAD.format(max=users.MAX_NAME_CHARS)),
    ("a\tb", PW, texts.USERS_NAME_BAD.format(max=users.MAX_NAME_CHARS)),
    ("a" * 65, PW, texts.USERS_NAME_BAD.format(max=users.MAX_NAME_CHARS)),
    ("张三", "1234567", texts.USERS_PASSWORD_SHORT.format(min=8)),
    ("张三", "密" * 25, texts.USERS_PASSWORD_LONG.format(max=72, chars=24)),
])
def test_bad_names_and_passwords_are_refused(path, store, name, password, message):
    with pytest.raises(DataError) as err:
        add(path, store, name, password=password)
    assert err.value.message == message
    assert not path.exists()


def test_add_change_password_and_remove(path, store):
    add(path, store, "管理员", "admin")
    add(path, store, "张三", "editor")
    with pytest.raises(DataError, match="已存在"):
        add(path, store, "张三")
    users.set_password(path, "张三", "new password", actor="管理员", store=store, rounds=FAST)
    assert users.verify(path, "张三", PW) is None
    assert users.verify(path, "张三", "new password").role == "editor"
    users.remove_user(path, "张三", actor="管理员", store=store)
    assert list(users.load_users(path)) == ["管理员"]
    for call in (lambda: users.remove_user(path, "张三", actor="x", store=store),
                 lambda: users.set_password(path, "张三", PW, actor="x", store=store, rounds=FAST)):
        with pytest.raises(DataError, match="没有用户"):
            call()
    log = audit.entries(store)
    assert log["action"].tolist() == ["user_remove", "user_password", "user_add", "user_add"]
    assert log["user"].tolist() == ["管理员", "管理员", "测试管理员", "测试管理员"]
    assert log["detail"].tolist()[0] == texts.AUDIT_DETAIL_USER.format(name="张三", role="录入")


def test_the_only_admin_cannot_be_removed(path, store):
    add(path, store, "甲", "admin")
    with pytest.raises(DataError) as err:
        users.remove_user(path, "甲", actor="甲", store=store)
    assert err.value.message == texts.USERS_LAST_ADMIN.format(name="甲")
    add(path, store, "乙", "admin")
    users.remove_user(path, "甲", actor="乙", store=store)
    assert list(users.load_users(path)) == ["乙"]


# --- failed sign-ins -----------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def limiters(store, clock=None) -> dict:
    """The sign-in limit in ``store``'s database: 3 per name, 5 per client, 10 minutes."""
    return {"limits": SignInLimits(store, per_name=3, per_client=5, window=600, clock=clock or Clock())}


def test_sign_in_is_rate_limited_per_name(path, store):
    add(path, store, "张三", "editor")
    limits = limiters(store)
    for client in "ABC":  # three places, one name
        result = users.sign_in(path, "张三", "wrong password", client=client, **limits)
        assert result.user is None and result.message == texts.SIGNIN_FAILED
    locked = texts.SIGNIN_LOCKED.format(minutes=10)
    # Locked: even the right password is refused, from anywhere.
    assert users.sign_in(path, "张三", PW, client="D", **limits).message == locked
    # Another name from the same places is not affected.
    add(path, store, "李四", "viewer")
    assert users.sign_in(path, "李四", PW, client="A", **limits).user.name == "李四"


def test_sign_in_is_rate_limited_per_client(path, store):
    add(path, store, "张三", "editor")
    limits = limiters(store)
    for n in range(5):  # one place guessing many names, unknown ones included
        assert users.sign_in(path, f"用户{n}", PW, client="A", **limits).message == texts.SIGNIN_FAILED
    assert users.sign_in(path, "张三", PW, client="A", **limits).message == texts.SIGNIN_LOCKED.format(minutes=10)
    assert users.sign_in(path, "张三", PW, client="B", **limits).user.name == "张三"


def test_a_lock_ends_after_the_window(path, store):
    add(path, store, "张三", "editor")
    clock = Clock()
    limits = limiters(store, clock)
    for _ in range(3):
        users.sign_in(path, "张三", "wrong password", client="A", **limits)
    clock.now += 599
    assert users.sign_in(path, "张三", PW, client="A", **limits).message == texts.SIGNIN_LOCKED.format(minutes=1)
    clock.now += 1
    assert users.sign_in(path, "张三", PW, client="A", **limits).user is not None


def test_a_successful_sign_in_clears_the_names_failures(path, store):
    add(path, store, "张三", "editor")
    limits = limiters(store)
    for _ in range(2):
        users.sign_in(path, "张三", "wrong password", client="A", **limits)
    assert users.sign_in(path, "张三", PW, client="B", **limits).user.role == "editor"
    users.sign_in(path, "张三", "wrong password", client="C", **limits)
    assert users.sign_in(path, " 张三 ", PW, client="D", **limits).user.name == "张三"
    assert users.sign_in(path, "", PW, client="D", **limits).message == texts.SIGNIN_EMPTY


# --- the CLI -------------------------------------------------------------------------------------

@pytest.fixture
def configured(monkeypatch, tmp_path, path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("DJ_USERS_FILE", str(path))
    return path


def main(monkeypatch, capsys, *args, stdin: str = "", expect: int = 0) -> tuple[str, str]:
    """``python cli.py ARGS`` in this process (stdin given), returning (stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    assert cli.main(list(args)) == expect
    return capsys.readouterr()


def test_cli_user_commands_never_echo_the_password(configured, monkeypatch, capsys):
    secret = "s3cret-passphrase"
    outputs = [main(monkeypatch, capsys, "user", "add", "张三", "--role", "admin", "--password-stdin",
                    stdin=secret + "\n"),
               main(monkeypatch, capsys, "user", "add", "bob", "--role", "viewer", "--password-stdin",
                    stdin=secret + "\n"),
               main(monkeypatch, capsys, "user", "list"),
               main(monkeypatch, capsys, "user", "passwd", "bob", "--password-stdin",
                    stdin="another-passphrase\n"),
               main(monkeypatch, capsys, "user", "remove", "张三", expect=cli.EXIT_REFUSED),
               main(monkeypatch, capsys, "user", "remove", "bob")]
    assert "张三\tadmin（管理）" in outputs[2].out and "bob\tviewer（查看）" in outputs[2].out
    assert texts.USERS_LAST_ADMIN.format(name="张三") in outputs[4].err
    assert all(secret not in out + err for out, err in outputs)
    assert users.verify(configured, "张三", secret).role == "admin"
    assert list(users.load_users(configured)) == ["张三"]
    log, _ = main(monkeypatch, capsys, "audit")
    for action in ("user_add", "user_password", "user_remove"):
        assert texts.AUDIT_ACTIONS[action] in log


def test_cli_user_needs_a_configured_users_file(configured, monkeypatch, capsys):
    monkeypatch.delenv("DJ_USERS_FILE")
    empty = configured.parent.parent / "settings.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("DJ_SETTINGS", str(empty))  # no users_file there either
    _, err = main(monkeypatch, capsys, "user", "list", expect=cli.EXIT_USAGE)
    assert texts.USERS_NOT_CONFIGURED in err


def test_cli_prompts_twice_and_refuses_a_mismatch(configured, monkeypatch, capsys):
    typed = iter(["first-password", "other-password"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(typed))
    _, err = main(monkeypatch, capsys, "user", "add", "张三", "--role", "editor", expect=cli.EXIT_REFUSED)
    assert texts.USERS_PASSWORD_MISMATCH in err
    assert users.load_users(configured) == {}
    typed = iter(["same-password", "same-password"])
    out, err = main(monkeypatch, capsys, "user", "add", "张三", "--role", "editor")
    assert users.verify(configured, "张三", "same-password").role == "editor"
    assert "same-password" not in out + err


def test_cli_entry_point_reads_the_password_from_stdin(tmp_path, path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "DJ_USERS_FILE": str(path),
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "user", "add", "张三", "--role", "editor",
                           "--password-stdin"], input="typed-in-a-pipe\n", env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "typed-in-a-pipe" not in proc.stdout + proc.stderr
    assert users.verify(path, "张三", "typed-in-a-pipe").role == "editor"
