"""Deployment settings, from environment variables (and an optional TOML file).

DATABASE_URL      any SQLAlchemy URL; default: SQLite file at ``var/dangjian.db`` (git-ignored)
DJ_BRANCH         the default branch (支部) name rows are stored under
DJ_USERS_FILE     the users file (TOML, outside git); unset = local mode without sign-in
DJ_ALLOWED_HOSTS  comma-separated host names (besides loopback ones) the web server answers to;
                  every other Host header is refused (DNS rebinding). ``*.example.org`` matches
                  subdomains; ports are ignored
DJ_TRUSTED_PROXIES comma-separated proxy addresses or networks (``10.0.0.2``, ``10.0.0.0/24``)
                  whose X-Forwarded-For is believed; without any, the socket peer is the client
DJ_SETTINGS       path of an optional TOML file with the same keys in lower case
                  (database_url, branch, local_rules, users_file, tolerance_pp, session_days,
                  allowed_hosts, trusted_proxies; the last two as TOML lists)
DJ_TOLERANCE_PP   percentage points below 序时进度 still shown as 略滞后 (amber), not 滞后; default 5
DJ_SESSION_DAYS   how long a sign-in lasts in a browser (reloads included) before asking again; default 7
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = ROOT / "var" / "dangjian.db"
DEFAULT_BRANCH = "市统计局党支部"


@dataclass(frozen=True)
class Settings:
    database_url: str
    branch: str
    # Local rules for 三会一课 compliance, e.g. [{"type": "讲党课", "every": "quarter", "min": 1}]
    local_rules: list = field(default_factory=list)
    users_file: str | None = None
    tolerance_pp: float = 5.0
    session_days: float = 7.0
    allowed_hosts: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()


def _names(env: str, conf: dict, key: str) -> tuple[str, ...]:
    """A list setting: the comma-separated environment variable, else the file's list."""
    raw = os.environ.get(env)
    values = raw.split(",") if raw is not None else conf.get(key, [])
    if isinstance(values, str):
        values = values.split(",")
    return tuple(str(v).strip() for v in values if str(v).strip())


def _file_settings() -> dict:
    path = os.environ.get("DJ_SETTINGS")
    if not path:
        default = ROOT / "settings.toml"
        path = str(default) if default.exists() else None
    if not path:
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_settings() -> Settings:
    conf = _file_settings()
    url = os.environ.get("DATABASE_URL") or conf.get("database_url")
    if not url:
        DEFAULT_DB_PATH.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_DB_PATH}"
    return Settings(
        database_url=url,
        branch=os.environ.get("DJ_BRANCH") or conf.get("branch") or DEFAULT_BRANCH,
        local_rules=list(conf.get("local_rules", [])),
        users_file=os.environ.get("DJ_USERS_FILE") or conf.get("users_file"),
        tolerance_pp=_tolerance(os.environ.get("DJ_TOLERANCE_PP", conf.get("tolerance_pp", 5.0))),
        session_days=_days(os.environ.get("DJ_SESSION_DAYS", conf.get("session_days", 7.0))),
        allowed_hosts=_names("DJ_ALLOWED_HOSTS", conf, "allowed_hosts"),
        trusted_proxies=_names("DJ_TRUSTED_PROXIES", conf, "trusted_proxies"),
    )


def _days(value: object) -> float:
    """A sign-in's lifetime in days: more than 0, at most 366."""
    from data import texts
    from data.errors import DataError

    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not 0 < number <= 366:
        raise DataError(texts.SETTINGS_BAD_SESSION_DAYS.format(value=value))
    return number


def _tolerance(value: object) -> float:
    """The 略滞后 band in percentage points: a number from 0 to 100 (0 turns the band off)."""
    from data import texts
    from data.errors import DataError

    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if isinstance(value, bool) or not 0 <= number <= 100:
        raise DataError(texts.SETTINGS_BAD_TOLERANCE.format(value=value))
    return number
