"""Deployment settings, from environment variables (and an optional TOML file).

DATABASE_URL      any SQLAlchemy URL; default: SQLite file at ``var/dangjian.db`` (git-ignored)
DJ_BRANCH         the default branch (支部) name rows are stored under
DJ_USERS_FILE     the users file (TOML, outside git); unset = local mode without sign-in
DJ_SETTINGS       path of an optional TOML file with the same keys in lower case
                  (database_url, branch, local_rules, users_file)
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
    )
