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
