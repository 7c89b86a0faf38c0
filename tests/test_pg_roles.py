"""The PostgreSQL owner/app role split (deploy/postgres-setup.sql, deploy/postgres-grants.sql): the
app, connected as the app role, imports, undoes, backs up and restores, and cannot alter, drop,
truncate, update or delete the audit log or its triggers.

Runs in CI's PostgreSQL pass (.ci/run), which runs deploy/postgres-setup.sql and sets
TEST_PG_OWNER_URL and TEST_PG_APP_URL (a database of their own); skipped elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from data import audit, backup
from data.importer import import_files
from data.store import Store
from tests.xlsx_factory import register_rows, write_xlsx

OWNER, APP = os.environ.get("TEST_PG_OWNER_URL"), os.environ.get("TEST_PG_APP_URL")
pytestmark = pytest.mark.skipif(not (OWNER and APP), reason="needs CI's PostgreSQL roles (TEST_PG_*_URL)")
ROOT = Path(__file__).resolve().parent.parent
BRANCH = "测试支部"


def fresh() -> Store:
    """Fresh tables made by the owner (the migration step), the grants script run as the owner,
    then the store the app would open, as the app role."""
    owner = sa.create_engine(OWNER)
    meta = sa.MetaData()
    meta.reflect(owner)
    meta.drop_all(owner)
    Store(OWNER, branch=BRANCH)
    with owner.begin() as conn:
        conn.exec_driver_sql((ROOT / "deploy" / "postgres-grants.sql").read_text(encoding="utf-8"))
    owner.dispose()
    return Store(APP, branch=BRANCH)


@pytest.fixture
def app_store() -> Store:
    return fresh()


def study_file(tmp_path, name: str, topic: str):
    rows = [{"date": "2025-03-05", "type": "集中学习", "topic": topic}]
    return write_xlsx(tmp_path / name, {"学习教育": register_rows("study", rows)})


def test_the_app_role_imports_undoes_and_audits(app_store, tmp_path):
    assert not import_files(app_store, [study_file(tmp_path, "a.xlsx", "一")], user="甲").rejected
    assert not import_files(app_store, [study_file(tmp_path, "b.xlsx", "二")], user="甲").rejected
    app_store.undo(2, user="乙")
    assert app_store.load("study")["topic"].tolist() == ["一"]
    assert audit.entries(app_store)["action"].tolist() == ["undo", "import", "import"]
    with app_store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT current_user").scalar_one() == sa.make_url(APP).username


def test_the_app_role_backs_up_and_restores(app_store, tmp_path):
    assert not import_files(app_store, [study_file(tmp_path, "a.xlsx", "一")], user="甲").rejected
    content = backup.backup(app_store, user="管理员", file_name="b.zip")
    target = fresh()  # a new database made as the deployment says, restored by the app role
    backup.restore(target, content, file_name="b.zip", user="管理员")
    assert target.load("study")["topic"].tolist() == ["一"]
    assert not import_files(target, [study_file(tmp_path, "c.xlsx", "三")], user="甲").rejected  # ids go on


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit_log ADD COLUMN forged text",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_log_append_only ON audit_log",
    "DROP FUNCTION audit_log_append_only() CASCADE",
    "DROP TABLE audit_log",
    "TRUNCATE audit_log",
    "UPDATE audit_log SET \"user\" = '伪造者'",
    "DELETE FROM audit_log",
    "INSERT INTO audit_log (id, at, branch, \"user\", action, rows_added, rows_removed) "
    "VALUES (1, now(), 'x', '伪造者', 'backup', 0, 0) ON CONFLICT (id) DO UPDATE SET \"user\" = excluded.\"user\"",
    "CREATE TABLE forged (id int)",
])
def test_the_app_role_cannot_touch_the_audit_log_or_its_triggers(app_store, statement):
    app_store.audit("backup", user="甲", file_name="b.zip")
    with pytest.raises(sa.exc.DBAPIError, match="permission denied|must be owner|append-only"):
        with app_store.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    log = audit.entries(app_store)
    assert log["user"].tolist() == ["甲"]
    with app_store.engine.connect() as conn:
        assert "forged" not in [c["name"] for c in sa.inspect(conn).get_columns("audit_log")]


def _metadatas() -> list[sa.MetaData]:
    """Every MetaData defined in a module of ``data``: a table added anywhere is checked below."""
    import importlib
    import pkgutil

    import data

    found = []
    for module in pkgutil.iter_modules(data.__path__):
        loaded = importlib.import_module(f"data.{module.name}")
        found += [v for v in vars(loaded).values() if isinstance(v, sa.MetaData) and v not in found]
    return found


def test_the_owner_creates_every_table_and_the_app_role_may_use_each(app_store):
    """Every table of every MetaData exists after the owner's setup step (no table is left for
    the app role to create on first use: it may not) and the grants give the app role what the
    code does with it; the audit log stays read-and-append only."""
    tables = {t.name for m in _metadatas() for t in m.sorted_tables}
    assert {"sign_in_sessions", "signin_failures", "branches", "custom_indicators", "audit_log"} <= tables
    app_user = sa.make_url(APP).username
    with app_store.engine.connect() as conn:
        present = set(sa.inspect(conn).get_table_names())
        assert tables <= present, sorted(tables - present)

        def may(table: str, right: str) -> bool:
            return conn.execute(sa.text("SELECT has_table_privilege(:u, :t, :r)"),
                                {"u": app_user, "t": table, "r": right}).scalar_one()

        for table in sorted(tables):
            expected = {"SELECT": True, "INSERT": True, "UPDATE": table != "audit_log",
                        "DELETE": table not in ("audit_log", "branches"), "TRUNCATE": False}
            assert {r: may(table, r) for r in expected} == expected, table


def test_the_app_role_signs_in_counts_failures_and_keeps_sessions(app_store, tmp_path):
    from data import users
    from data.sessions import Sessions
    from data.signin_limits import SignInLimits

    path = tmp_path / "users.toml"
    users.add_user(path, "张三", "editor", "correct horse", actor="测试", store=app_store, rounds=4)
    limits = SignInLimits(app_store, per_name=2)
    assert users.sign_in(path, "张三", "wrong", client="10.0.0.1", limits=limits).user is None
    assert limits.failures() == 1
    signed = users.sign_in(path, "张三", "correct horse", client="10.0.0.1", limits=limits).user
    assert signed is not None and signed.name == "张三"
    for _ in range(2):
        users.sign_in(path, "张三", "wrong", client="10.0.0.2", limits=limits)
    locked = users.sign_in(path, "张三", "correct horse", client="10.0.0.3", limits=limits)
    assert locked.user is None and "分钟" in locked.message
    sessions = Sessions(APP)
    token = sessions.start(signed)
    assert sessions.resolve(token, users.load_users(path)).name == "张三"
    sessions.end(token)
    assert sessions.resolve(token, users.load_users(path)) is None
    assert sessions.active("张三") == 0
