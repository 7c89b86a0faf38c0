"""Shared fixtures: a fresh database per test.

SQLite file in tmp_path by default; with TEST_DATABASE_URL set (e.g.
``postgresql+psycopg://user:pw@host/db``), that database with every table dropped first.
"""

import os

import pytest

from data.store import Store
from tests.helpers import ROOT, drop_all_tables

TEST_BRANCH = "测试支部"


@pytest.fixture
def db_url(tmp_path) -> str:
    return _empty_database(tmp_path, "t.db")


def _empty_database(tmp_path, name: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path}/{name}"
    drop_all_tables(url)
    return url


@pytest.fixture
def store(db_url) -> Store:
    return Store(db_url, branch=TEST_BRANCH)




@pytest.fixture
def app_db(tmp_path, monkeypatch) -> str:
    """A fresh database the Streamlit app (run through AppTest) will use: an SQLite file, or with
    TEST_DATABASE_URL that database emptied (CI's PostgreSQL pass runs the branch pages' tests so);
    Streamlit's caches are cleared before and after, so no test sees another's data."""
    import streamlit as st

    url = _empty_database(tmp_path, "app.db")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DJ_BRANCH", raising=False)
    monkeypatch.delenv("DJ_USERS_FILE", raising=False)
    monkeypatch.delenv("DJ_SETTINGS", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(app_db):
    """A factory for AppTest runs of the real app.py against ``app_db``."""
    from streamlit.testing.v1 import AppTest

    def make(timeout: float = 60):
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)

    return make
