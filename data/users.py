"""Users who may sign in, their roles, and signing in (the failed sign-in limit: data.signin_limits).

The users file is a TOML file at ``Settings.users_file`` (env ``DJ_USERS_FILE`` or ``users_file``
in settings.toml). Keep it outside the git work tree (``users.toml`` is git-ignored as a safety
net). Without a configured users file the app runs in local mode (one local user, 127.0.0.1 only).
``python cli.py user ...`` and the admin page maintain it; it looks like::

    [users."张三"]
    role = "editor"                      # viewer (查看) | editor (录入) | admin (管理)
    password_hash = "$2b$12$..."         # bcrypt; the password itself is never stored

    [users."李四"]                       # an organisation with many branches (data.branches)
    password_hash = "$2b$12$..."
    organisation = "viewer"              # views every branch (机关党委 / 机关工委)
    branches = { "市统计局党支部" = "admin", "市财政局党支部" = "viewer" }   # a role per branch

``role`` is the user's role in the deployment's branch (``DJ_BRANCH``): a file written before
branches were records keeps working unchanged. ``branches`` gives roles in other branches (by name;
a branch's old name works too). ``organisation`` (only ``viewer``) lets the user view every branch.

Writes replace the file atomically (a temporary file renamed over it, mode 0600) under an
in-process lock; two processes editing users at the same instant could lose one of the edits.
Every change is then recorded in the audit log (a file and a database cannot share a
transaction: the file is written first, the audit row right after).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import bcrypt

from data import texts
from data.errors import DataError

if TYPE_CHECKING:  # SQLAlchemy is loaded only when the limit is used (cli.py --help stays light)
    from data.signin_limits import SignInLimits

ROLES = ("viewer", "editor", "admin")  # each role may do everything the roles before it may
BCRYPT_ROUNDS = 12
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt uses at most 72 bytes; longer passwords are refused, not cut
MAX_NAME_CHARS = 64

_LOCK = threading.Lock()


ORGANISATION_ROLES = ("viewer",)  # what an organisation role may be: it views every branch


@dataclass(frozen=True)
class User:
    name: str
    role: str  # the role in the deployment's branch, or in the branch a session works in ("": none)
    password_hash: str
    branch_roles: tuple[tuple[str, str], ...] = ()  # (branch name, role) besides the deployment's
    organisation: str | None = None  # "viewer": views every branch

    @property
    def role_name(self) -> str:
        return texts.ROLE_NAMES.get(self.role, texts.ROLE_NONE)

    def roles(self, deployment_branch: str) -> dict[str, str]:
        """{branch name: role} the file gives this user, the deployment's branch included."""
        out = {deployment_branch: self.role} if self.role else {}
        return out | dict(self.branch_roles)

    def in_branch(self, role: str) -> User:
        """This user with ``role`` as the role that every check of the current branch reads."""
        return replace(self, role=role)


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (admin > editor > viewer)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def access(user: User, records, deployment_branch: str) -> dict[str, str]:
    """{branch key: role} for every branch ``user`` may use: the roles the file gives (branch names
    resolved against ``records``, ``data.branches.Branch``es, by name or old name/key), and, with an
    organisation role, at least that role in every branch. Names that match no record are ignored."""
    by_name = {r.name: r.id for r in records} | {r.id: r.id for r in records}
    out: dict[str, str] = {}
    for name, role in user.roles(deployment_branch).items():
        key = by_name.get(unicodedata.normalize("NFC", name))
        if key is not None:
            out[key] = role
    if user.organisation:
        for r in records:
            if not r.is_organisation and not allows(out.get(r.id), user.organisation):
                out[r.id] = user.organisation
    return out


# --- passwords ---------------------------------------------------------------------------------


def check_new_password(password: str) -> None:
    """Refuse (``DataError``) a password too short for a sign-in or too long for bcrypt."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise DataError(texts.USERS_PASSWORD_SHORT.format(min=MIN_PASSWORD_CHARS))
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise DataError(texts.USERS_PASSWORD_LONG.format(max=MAX_PASSWORD_BYTES,
                                                         chars=MAX_PASSWORD_BYTES // 3))


def hash_password(password: str, rounds: int = BCRYPT_ROUNDS) -> str:
    check_new_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def _matches(password: str, password_hash: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode("ascii"))
    except ValueError:  # a malformed hash in the file matches nothing
        return False


@cache
def _dummy_hash() -> str:
    """Checked for unknown names, so that a sign-in takes as long whether or not the name exists."""
    return bcrypt.hashpw(b"not a password", bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


# --- the users file ----------------------------------------------------------------------------


def check_name(name: str) -> str:
    """The name as stored (NFC), or ``DataError`` for an empty, padded, over-long or odd name."""
    name = unicodedata.normalize("NFC", name)
    bad = (not name or name != name.strip() or len(name) > MAX_NAME_CHARS
           or any(unicodedata.category(ch).startswith("C") for ch in name))
    if bad:
        raise DataError(texts.USERS_NAME_BAD.format(max=MAX_NAME_CHARS))
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise DataError(texts.USERS_ROLE_BAD.format(role=role))
    return role


def load_users(path: str | os.PathLike) -> dict[str, User]:
    """Every user in the file, by name; an absent file has none. ``DataError`` if malformed."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        raise DataError(texts.USERS_FILE_BAD.format(path=path, reason=err)) from None
    entries = data.get("users", {})
    if not isinstance(entries, dict):
        raise DataError(texts.USERS_FILE_BAD.format(path=path, reason="[users]"))
    users = {}
    for name, entry in entries.items():
        ok = isinstance(entry, dict) and isinstance(entry.get("password_hash"), str)
        branch_roles = entry.get("branches", {}) if ok else None
        org = entry.get("organisation") if ok else None
        ok = (ok and isinstance(branch_roles, dict) and all(r in ROLES for r in branch_roles.values())
              and (org is None or org in ORGANISATION_ROLES)
              and (entry.get("role") in ROLES or ("role" not in entry and (branch_roles or org))))
        if not ok:
            raise DataError(texts.USERS_FILE_BAD.format(
                path=path, reason=texts.USERS_FILE_BAD_ENTRY.format(name=name)))
        users[name] = User(name, entry.get("role", ""), entry["password_hash"],
                           tuple(sorted(branch_roles.items())), org)
    return users


def _toml_string(value: str) -> str:
    # A JSON string (ensure_ascii off) is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=False)


def save_users(path: str | os.PathLike, users: dict[str, User]) -> None:
    """Write the file atomically (temporary file in the same folder, then rename), mode 0600."""
    path = Path(path)
    lines = ["# 党建台账看板 users file. Managed by `python cli.py user ...` and the admin page.",
             "# Keep it outside the git work tree; it holds bcrypt hashes, never passwords.", ""]
    for user in sorted(users.values(), key=lambda u: u.name):
        lines.append(f"[users.{_toml_string(user.name)}]")
        if user.role:
            lines.append(f"role = {_toml_string(user.role)}")
        lines.append(f"password_hash = {_toml_string(user.password_hash)}")
        if user.organisation:
            lines.append(f"organisation = {_toml_string(user.organisation)}")
        if user.branch_roles:
            pairs = ", ".join(f"{_toml_string(b)} = {_toml_string(r)}" for b, r in user.branch_roles)
            lines.append(f"branches = {{ {pairs} }}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\n".join(lines))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_user(path, name: str, role: str, password: str, *, actor: str, store,
             rounds: int = BCRYPT_ROUNDS) -> User:
    """Add a user; ``actor`` (who did it) is recorded in ``store``'s audit log."""
    name, role = check_name(name), check_role(role)
    password_hash = hash_password(password, rounds)
    with _LOCK:
        users = load_users(path)
        if name in users:
            raise DataError(texts.USERS_EXISTS.format(name=name))
        users[name] = User(name, role, password_hash)
        save_users(path, users)
        store.audit("user_add", user=actor, detail=_detail(users[name]))
    return users[name]


def set_password(path, name: str, password: str, *, actor: str, store,
                 rounds: int = BCRYPT_ROUNDS) -> User:
    """Give a user a new password (audited like ``add_user``)."""
    password_hash = hash_password(password, rounds)
    with _LOCK:
        users = load_users(path)
        if name not in users:
            raise DataError(texts.USERS_UNKNOWN.format(name=name))
        users[name] = replace(users[name], password_hash=password_hash)
        save_users(path, users)
        store.audit("user_password", user=actor, detail=_detail(users[name]))
    return users[name]


def remove_user(path, name: str, *, actor: str, store) -> User:
    """Remove a user (audited); refused for the only admin, who alone can manage users."""
    with _LOCK:
        users = load_users(path)
        if name not in users:
            raise DataError(texts.USERS_UNKNOWN.format(name=name))
        admins = [u for u in users.values() if u.role == "admin"]
        if users[name].role == "admin" and len(admins) == 1:
            raise DataError(texts.USERS_LAST_ADMIN.format(name=name))
        removed = users.pop(name)
        save_users(path, users)
        store.audit("user_remove", user=actor, detail=_detail(removed))
    return removed


def _detail(user: User) -> str:
    return texts.AUDIT_DETAIL_USER.format(name=user.name, role=user.role_name)


def verify(path, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (same bcrypt work for an unknown name)."""
    user = load_users(path).get(unicodedata.normalize("NFC", name))
    if user is None:
        _matches(password, _dummy_hash())
        return None
    return user if _matches(password, user.password_hash) else None


# --- failed sign-ins ---------------------------------------------------------------------------
# The limit (per user name, per client address) lives in the database: data.signin_limits.


@dataclass(frozen=True)
class SignIn:
    user: User | None
    message: str = ""  # why not, in Chinese


def sign_in(path, name: str, password: str, *, client: str, limits: SignInLimits) -> SignIn:
    """Check a sign-in against the users file, limited per user name and per ``client`` address
    by ``limits`` (``data.signin_limits.SignInLimits``: in the database, checked and counted in one
    transaction). While either limit is reached, the password is not even checked. The message
    never says whether the name exists."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name or not password:
        return SignIn(None, texts.SIGNIN_EMPTY)
    reservation = limits.reserve(name, client)
    if reservation.wait > 0:
        return SignIn(None, texts.SIGNIN_LOCKED.format(minutes=max(1, -(-int(reservation.wait) // 60))))
    user = verify(path, name, password)
    if user is None:
        return SignIn(None, texts.SIGNIN_FAILED)
    limits.succeeded(reservation, name)
    return SignIn(user)
