"""A branch admin's backup and restore on the 用户与日志 page with several branches (AppTest through
app.py, a users file with roles per branch): the download holds only that branch's rows and is made
at the click for a user who is then still that branch's admin; the restore is checked at its click."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileStorageError

from data import audit, backup, texts, users
from data.settings import load_settings
from tests.helpers import button
from ui import cache, signin
from tests.test_app_access import deferred  # noqa: F401  (fixture)
from tests.test_app_branches import OTHER, org_db, session  # noqa: F401  (fixture)
from tests.test_backup_branches import zip_rows

ADMIN_PAGE = "pages/admin.py"


def test_a_branch_admin_downloads_only_their_branch_made_at_the_click(app, org_db, deferred):
    theirs, ours = org_db["theirs"], org_db["ours"]
    at = session(app, "财政局管理员", ADMIN_PAGE)
    labels = [b.label for b in at.get("download_button")]
    assert texts.BACKUP_BRANCH_DOWNLOAD in labels and texts.BACKUP_DOWNLOAD not in labels
    assert "backup" not in audit.entries(theirs)["action"].tolist()
    [download] = [b for b in at.get("download_button") if b.label == texts.BACKUP_BRANCH_DOWNLOAD]
    manager, file_id = [(m, f) for m, f in deferred if f == download.proto.deferred_file_id][-1]
    made = []
    real = backup.backup_bytes

    def spy(store, **kwargs):
        made.append(content := real(store, **kwargs))
        return content

    import data.backup

    data.backup.backup_bytes = spy
    try:
        manager.execute_deferred(file_id)  # the click
    finally:
        data.backup.backup_bytes = real
    [content] = made
    manifest, rows = zip_rows(content)
    assert manifest["branch"]["id"] == theirs.branch
    assert {r["branch"] for r in rows["study"]} == {theirs.branch} and len(rows["study"]) == 5
    assert all(r["branch"] == theirs.branch for t in ("batches", "audit_log") for r in rows[t])
    assert audit.entries(theirs)[["action", "user"]].values.tolist()[0] == ["backup", "财政局管理员"]
    assert "backup" not in audit.entries(ours)["action"].tolist()


def test_the_branch_role_is_checked_at_the_click(app, org_db, deferred):
    theirs = org_db["theirs"]
    at = session(app, "财政局管理员", ADMIN_PAGE)
    [download] = [b for b in at.get("download_button") if b.label == texts.BACKUP_BRANCH_DOWNLOAD]
    manager, file_id = [(m, f) for m, f in deferred if f == download.proto.deferred_file_id][-1]
    path = load_settings().users_file
    known = users.load_users(path)
    known["财政局管理员"] = users.User("财政局管理员", "", known["财政局管理员"].password_hash, ((OTHER, "editor"),))
    users.save_users(path, known)  # demoted in that branch, the page still on screen
    with pytest.raises(MediaFileStorageError):
        manager.execute_deferred(file_id)
    assert "backup" not in audit.entries(theirs)["action"].tolist()


def test_a_branch_admin_restores_only_into_their_empty_branch(app, org_db):
    theirs, ours = org_db["theirs"], org_db["ours"]
    own = backup.backup_bytes(theirs, branch_only=True)
    at = session(app, "财政局管理员", ADMIN_PAGE)
    for content, name, expected in (
            (own, "财.zip", "支部备份只能恢复到还没有数据的支部"),  # the branch holds rows
            (backup.backup_bytes(ours, branch_only=True), "本.zip",
             texts.BACKUP_BRANCH_OTHER.format(file="本.zip", backup=ours.branch_name, branch=OTHER)),
            (backup.backup_bytes(ours), "全.zip", texts.BACKUP_NOT_BRANCH.format(file="全.zip"))):
        at.get("file_uploader")[0].set_value([(name, content, "application/zip")]).run()
        button(at, texts.RESTORE_BUTTON).click().run()
        assert not at.exception, at.exception
        shown = "\n".join(str(e.value) for e in at.error)
        assert expected in shown.replace("\\", "").replace("\u2060", ""), shown
    assert theirs.counts()["study"] == 5 and ours.counts()["study"] == 3
    assert "restore" not in audit.entries(theirs)["action"].tolist()


def test_the_restore_checks_the_branch_role_at_the_click(app, org_db):
    """A restore that would go through (its own backup, into its still empty branch) is refused when
    the admin was demoted in that branch after the page was drawn; once an admin again, it goes through."""
    from data import branches

    ours = org_db["ours"]
    with ours.transaction(lock="branches") as conn:
        branches.add(conn, "新支部", user="测试")
    new = ours.reopen("新支部")
    content = backup.backup_bytes(new, branch_only=True)  # its audit row only: it holds no rows
    path = load_settings().users_file
    known = users.load_users(path)
    admin = known["财政局管理员"]

    def roles(role: str) -> None:
        known["财政局管理员"] = users.User(admin.name, "", admin.password_hash, ((OTHER, "admin"), ("新支部", role)))
        users.save_users(path, known)

    for role, restored in (("editor", False), ("admin", True)):
        roles("admin")
        at = app()  # the new branch has no year to pick yet
        at.session_state[signin.AUTH_KEY], at.session_state[cache.BRANCH_KEY] = "财政局管理员", new.branch
        at.run()
        at.switch_page(ADMIN_PAGE).run()
        assert not at.exception and at.session_state[cache.BRANCH_KEY] == new.branch
        at.get("file_uploader")[0].set_value([("新.zip", content, "application/zip")]).run()
        roles(role)  # the role at the click
        button(at, texts.RESTORE_BUTTON).click().run()
        assert not at.exception, at.exception
        assert ("restore" in audit.entries(new)["action"].tolist()) is restored, role
