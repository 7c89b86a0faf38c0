"""Sign-in, roles, sign-out, the failed sign-in limit, local mode and the admin page, through
AppTest of the real app.py: a users file with made-up users in tmp_path, a real SQLite database.
Every change the tests make through the app is checked in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit import config as st_config

from data import audit, backup, signin_limits, texts, users
from data.settings import load_settings
from data.store import Store
from ui import messages, navigation, routing, signin
from tests.helpers import ROOT, XLSX, button, figures, goto
from tests.xlsx_factory import register_rows, xlsx_bytes

OVERVIEW, UPLOAD, QUERY, TARGETS, ADMIN = ("pages/overview.py", "pages/upload.py", "pages/query.py",
                                          "pages/targets.py", "pages/admin.py")
NAMES = {"viewer": "领导甲", "editor": "干事乙", "admin": "管理员丙"}
PASSWORDS = {"viewer": "viewer-password", "editor": "editor-password", "admin": "admin-password"}


@pytest.fixture
def users_file(app_db, tmp_path, monkeypatch) -> Path:
    """Sign-in on: a users file with one user per role (fast bcrypt hashes), limits reset."""
    path = tmp_path / "users.toml"
    users.save_users(path, {NAMES[r]: users.User(NAMES[r], r, users.hash_password(PASSWORDS[r], rounds=4))
                            for r in users.ROLES})
    monkeypatch.setenv("DJ_USERS_FILE", str(path))
    return path  # the failed sign-in limit is in app_db, fresh per test


@pytest.fixture
def local(app_db, monkeypatch):
    """Local mode: no users file configured."""
    monkeypatch.delenv("DJ_USERS_FILE", raising=False)
    monkeypatch.setattr("data.settings._file_settings", lambda: {})  # nor a settings.toml


def store(url: str) -> Store:
    return Store(url, branch=load_settings().branch)


def texts_of(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def sign_in(at, name: str, password: str):
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    button(at, texts.SIGNIN_BUTTON).click().run()
    assert not at.exception, at.exception
    return at


def signed_in_as(at, name: str):
    """``at``'s session signed in as ``name`` (with a server-side session, as the sign-in form does)."""
    user = users.load_users(load_settings().users_file)[name]
    at.session_state[signin.AUTH_KEY] = name
    at.session_state[signin.TOKEN_KEY] = signin.sessions().start(user)
    return at


def as_role(app, role: str):
    """A session signed in as ``role``'s user, on the app's first page."""
    at = signed_in_as(app(), NAMES[role])
    at.run()
    assert not at.exception, at.exception
    return at


def is_sign_in_form(at) -> bool:
    return [t.label for t in at.text_input] == [texts.SIGNIN_NAME, texts.SIGNIN_PASSWORD]


# --- signed out -----------------------------------------------------------------------------------

def test_a_signed_out_session_sees_only_the_sign_in_form(app, users_file):
    at = app().run()
    assert not at.exception
    assert is_sign_in_form(at) and at.header[0].value == texts.SIGNIN_TITLE
    assert not at.selectbox and not at.dataframe and not figures(at)
    for page in (OVERVIEW, UPLOAD, ADMIN):  # every page is registered; each shows the form alone
        goto(at, page)
        assert is_sign_in_form(at) and not at.error and not figures(at) and not at.file_uploader


@pytest.mark.parametrize("role, page, header", [
    ("viewer", "pages/volunteer.py", texts.PAGE_VOLUNTEER),
    ("editor", UPLOAD, texts.PAGE_UPLOAD),
])
def test_a_shared_link_opens_its_page_after_sign_in(app, users_file, role, page, header):
    """A link to a page other than the board, opened signed out: the sign-in form (no "Page not
    found"), then that page, its parameters kept."""
    at = app()
    at.query_params["year"] = "2025"
    at.switch_page(page).run()
    assert not at.exception and is_sign_in_form(at)
    sign_in(at, NAMES[role], PASSWORDS[role])
    assert [h.value for h in at.header][:1] == [header] and not is_sign_in_form(at)
    assert at.query_params["year"] in ("2025", ["2025"])


def test_a_link_to_a_page_the_role_may_not_use_says_so_after_sign_in(app, users_file):
    at = app()
    at.switch_page(ADMIN).run()
    sign_in(at, NAMES["viewer"], PASSWORDS["viewer"])
    assert texts_of(at.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["viewer"])
    assert not at.file_uploader and not at.dataframe


def test_signing_in_routes_to_the_board(app, users_file):
    at = sign_in(app().run(), NAMES["viewer"], PASSWORDS["viewer"])
    assert at.session_state[signin.AUTH_KEY] == NAMES["viewer"] and not at.error
    at = as_role(app, "viewer")
    assert at.header[0].value == texts.PAGE_OVERVIEW and not is_sign_in_form(at)


def test_a_malformed_users_file_lets_nobody_in(app, users_file):
    users_file.write_text('[users."甲"]\nrole = "root"\n', encoding="utf-8")
    at = app().run()
    assert texts.USERS_FILE_BAD.split("{")[0] in texts_of(at.error)
    assert not at.text_input and not figures(at)


# --- roles ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, pages", [
    ("viewer", ["overview", "study", "inspections", "volunteer", "summary", "query"]),
    ("editor", ["overview", "study", "inspections", "volunteer", "summary", "upload", "query", "targets",
                "indicators"]),
    ("admin", ["overview", "study", "inspections", "volunteer", "summary", "upload", "query", "targets",
               "indicators", "admin"]),
])
def test_navigation_lists_only_the_pages_a_role_may_use(role, pages):
    listed = [path for section in navigation.pages_for(role).values() for path, _, _ in section]
    assert listed == [f"pages/{p}.py" for p in pages]
    assert all(Path(ROOT / p).exists() for p in listed)


def first_request(app, page: str, *, user: str | None = None, routed: bool = False):
    """A session whose very first run asks for ``page`` by its address: on a fresh server Streamlit
    (its ``pages/`` folder mode) then runs the page file itself, not app.py. ``routed`` forges the
    router's mark, to reach the page's own role check behind it."""
    at = app()
    if user:
        signed_in_as(at, user)
    if routed:
        at.session_state[routing.ROUTED_KEY] = True
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", [UPLOAD, TARGETS, ADMIN])
def test_a_viewer_reaching_a_restricted_page_is_refused(app, users_file, page):
    at = as_role(app, "viewer")
    goto(at, page)  # registered (no "Page not found"), hidden from the menu, refused by the page
    assert texts_of(at.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["viewer"])
    assert not at.file_uploader and not at.dataframe
    direct = first_request(app, page, user=NAMES["viewer"])  # by its address: routed, then refused
    assert texts_of(direct.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["viewer"])
    assert not direct.file_uploader
    forged = first_request(app, page, user=NAMES["viewer"], routed=True)  # the page's own check
    assert texts_of(forged.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["viewer"])
    assert not forged.file_uploader and not forged.dataframe


@pytest.mark.parametrize("page", [path for pages in navigation.PAGES.values() for path, _, _ in pages])
def test_every_page_reached_by_its_address_refuses_a_signed_out_session(app, users_file, page):
    direct = first_request(app, page)
    assert is_sign_in_form(direct)  # app.py ran: the sign-in gate, nothing else
    assert not figures(direct) and not direct.dataframe and not direct.file_uploader
    forged = first_request(app, page, routed=True)
    assert texts_of(forged.error) == texts.ACCESS_DENIED.format(role=texts.NOT_SIGNED_IN)
    assert not figures(forged) and not forged.dataframe and not forged.file_uploader


def test_an_editor_may_not_reach_the_admin_page(app, users_file):
    direct = first_request(app, ADMIN, user=NAMES["editor"])
    assert texts_of(direct.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["editor"])
    forged = first_request(app, ADMIN, user=NAMES["editor"], routed=True)
    assert texts_of(forged.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["editor"])


def test_a_viewer_sees_the_board_and_the_query_page(app, users_file):
    at = as_role(app, "viewer")
    assert texts.SIDEBAR_SIGNED_IN.format(name=NAMES["viewer"], role="查看") in texts_of(at.sidebar.caption)
    assert texts.BOARD_DEMO_BUTTON not in [b.label for b in at.button]  # loading the demo is an import
    goto(at, QUERY)
    assert not at.error


IMPORT_PAGES = {  # page, its import button, a workbook it accepts
    UPLOAD: (texts.UPLOAD_CONFIRM, {"学习教育": register_rows(
        "study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])}),
    TARGETS: (texts.TARGETS_IMPORT_BUTTON, {"计划目标": register_rows(
        "targets", [{"year": 2025, "indicator": "集中学习次数", "target": 12}])}),
}


@pytest.mark.parametrize("page", list(IMPORT_PAGES))
def test_confirming_an_import_checks_the_role_the_user_has_when_clicking(app, users_file, app_db, page):
    """The uploader flow (ui.uploader) of both pages: an editor demoted to viewer after the check
    imports nothing; a users file broken after the check is a message, not a traceback."""
    label, sheets = IMPORT_PAGES[page]
    for change in ("demote", "break"):
        at = as_role(app, "editor")
        goto(at, page)
        at.file_uploader[0].set_value([("计划.xlsx", xlsx_bytes(sheets), XLSX)]).run()
        confirm = button(at, label)
        saved = users_file.read_text(encoding="utf-8")
        if change == "demote":
            users.save_users(users_file, {**users.load_users(users_file), NAMES["editor"]: users.User(
                NAMES["editor"], "viewer", users.load_users(users_file)[NAMES["editor"]].password_hash)})
        else:
            users_file.write_text("[users\n", encoding="utf-8")
        confirm.click().run()
        assert not at.exception, at.exception
        if change == "break":
            assert texts_of(at.error)  # app.py's message about the users file
        assert store(app_db).batches().empty, change
        users_file.write_text(saved, encoding="utf-8")


def test_an_editor_imports_and_undoes_and_the_audit_log_says_who(app, users_file, app_db):
    at = as_role(app, "editor")
    goto(at, UPLOAD)
    rows = register_rows("study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])
    at.file_uploader[0].set_value([("三月.xlsx", xlsx_bytes({"学习教育": rows}), XLSX)]).run()
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert "已导入（批次 1）" in texts_of(at.success)
    at.checkbox(key="upload.undo.1").check().run()
    button(at, texts.UPLOAD_UNDO_BUTTON).click().run()
    assert "已撤销批次 1" in texts_of(at.success)
    log = audit.entries(store(app_db))
    assert log[["action", "user", "file_name"]].values.tolist() == [
        ["undo", NAMES["editor"], "三月.xlsx"], ["import", NAMES["editor"], "三月.xlsx"]]
    assert store(app_db).batches()["user"].tolist() == [NAMES["editor"]]


# --- the admin page -------------------------------------------------------------------------------

def test_an_admin_sees_the_audit_log_and_manages_users(app, users_file, app_db):
    store(app_db).audit("backup", user="某人", file_name="早先的备份.xlsx")
    at = goto(as_role(app, "admin"), ADMIN)
    shown = at.dataframe[1].value
    assert shown[texts.AUDIT_COLUMNS["file_name"]].tolist() == ["早先的备份.xlsx"]
    assert [b.label for b in at.get("download_button")][:2] == [texts.AUDIT_DOWNLOAD_XLSX, texts.AUDIT_DOWNLOAD_CSV]

    at.text_input(key="admin.add.name").input("新同志")
    at.selectbox(key="admin.add.role").set_value("editor")
    at.text_input(key="admin.add.password").input("new-user-password")
    at.text_input(key="admin.add.again").input("new-user-password")
    button(at, texts.ADMIN_ADD_BUTTON).click().run()
    assert texts.ADMIN_ADDED.format(name="新同志", role="录入") in texts_of(at.success)
    assert users.verify(users_file, "新同志", "new-user-password").role == "editor"

    at.selectbox(key="admin.remove.name").set_value("新同志")
    button(at, texts.ADMIN_REMOVE_BUTTON).click().run()
    assert texts.ADMIN_CONFIRM_FIRST in texts_of(at.error)
    at.selectbox(key="admin.remove.name").set_value("新同志")
    at.checkbox(key="admin.remove.confirm").check()
    button(at, texts.ADMIN_REMOVE_BUTTON).click().run()
    assert "新同志" not in users.load_users(users_file)
    log = audit.entries(store(app_db))
    assert log[["action", "user"]].values.tolist()[:2] == [["user_remove", NAMES["admin"]],
                                                          ["user_add", NAMES["admin"]]]
    at.multiselect(key="admin.audit.actions").select("user_add").run()
    assert at.dataframe[1].value[texts.AUDIT_COLUMNS["action"]].tolist() == ["添加用户"]


def test_an_admin_backs_up_and_restores_into_an_empty_database(app, users_file, app_db, tmp_path):
    source = Store(f"sqlite:///{tmp_path / 'old.db'}", branch=load_settings().branch)
    rows = register_rows("study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])
    from data.importer import import_files

    (tmp_path / "三月.xlsx").write_bytes(xlsx_bytes({"学习教育": rows}))
    import_files(source, [tmp_path / "三月.xlsx"], user="干事乙")
    content = backup.backup_bytes(source)

    at = goto(as_role(app, "admin"), ADMIN)
    at.file_uploader[0].set_value([("备份.zip", content, "application/zip")]).run()
    button(at, texts.RESTORE_BUTTON).click().run()
    assert messages.md(texts.RESTORE_DONE.format(file="备份.zip", rows=4)) in texts_of(at.success)
    assert store(app_db).counts()["study"] == 1
    assert texts.BACKUP_DOWNLOAD in [b.label for b in at.get("download_button")]
    assert audit.entries(store(app_db))["action"].tolist()[:1] == ["restore"]


@pytest.fixture
def deferred(monkeypatch):
    """The deferred downloads the app registers (Streamlit's own MediaFileManager, which AppTest
    drops after each run), to run them as the server does when a button is clicked."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen = []
    real = MediaFileManager.add_deferred

    def add_deferred(self, *args, **kwargs):
        file_id = real(self, *args, **kwargs)
        seen.append((self, file_id))
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def test_a_backup_is_made_at_the_click_and_served_once_without_a_session(app, users_file, app_db, deferred,
                                                                        tmp_path):
    """No backup exists until its button is clicked; the file Streamlit then stores answers only
    the front end's two requests of its address (guard.Guard in front of Streamlit's media route)."""
    import asyncio

    from starlette.applications import Starlette
    from streamlit.web.server.starlette.starlette_routes import create_media_routes

    import guard
    from data.importer import import_files

    rows = register_rows("study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])
    (tmp_path / "三月.xlsx").write_bytes(xlsx_bytes({"学习教育": rows}))
    import_files(store(app_db), [tmp_path / "三月.xlsx"], user="干事乙")
    at = goto(as_role(app, "admin"), ADMIN)
    [download] = [b for b in at.get("download_button") if b.label == texts.BACKUP_DOWNLOAD]
    assert download.proto.deferred_file_id and not download.proto.url  # nothing made yet
    assert audit.entries(store(app_db))["action"].tolist() == ["import"]
    manager, file_id = [(m, f) for m, f in deferred if f == download.proto.deferred_file_id][-1]

    url = manager.execute_deferred(file_id)  # the click: Streamlit's worker thread runs the page's callable
    url = "/media/" + url.rsplit("/", 1)[1]  # AppTest's storage names its endpoint /mock/media
    from types import SimpleNamespace

    from streamlit.runtime import Runtime

    Runtime._instance = SimpleNamespace(media_file_mgr=manager)  # the guard deletes through it, as in a server
    log = audit.entries(store(app_db))
    assert log[["action", "user"]].values.tolist()[0] == ["backup", NAMES["admin"]]
    server = guard.Guard(Starlette(routes=create_media_routes(manager._storage, None)),
                         allowed_hosts=(), trusted_proxies=())

    def get(path: str) -> tuple[int, bytes]:
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": [(b"host", b"127.0.0.1:8501")], "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8501),
                 "scheme": "http", "http_version": "1.1", "root_path": ""}
        asyncio.run(server(scope, receive, send))
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    try:
        status, content = get(url)
        second = get(url)[0]  # the front end fetches it twice: a check, then the download
        again = get(url)[0]
    finally:
        Runtime._instance = None
    assert status == 200 and content.startswith(b"PK")
    restored = Store(f"sqlite:///{tmp_path / 'copy.db'}", branch=load_settings().branch)
    backup.restore(restored, content, file_name="b.xlsx", user="t")
    assert restored.counts()["study"] == 1
    assert second == 200 and again == 404  # the address a third time: gone


def test_the_admin_page_says_when_a_backup_is_too_big_to_upload(app, users_file, app_db):
    """The page's upload limit (server.maxUploadSize, in MB) set to 0 here stands in for a backup
    larger than 10 MB: the page says so before the backup is made and names the commands."""
    from streamlit import config

    from data.importer import import_files

    rows = register_rows("study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])
    path = app_db.replace("sqlite:///", "") + ".xlsx"
    with open(path, "wb") as f:
        f.write(xlsx_bytes({"学习教育": rows}))
    import_files(store(app_db), [path], user="干事乙")

    before = config.get_option("server.maxUploadSize")
    config.set_option("server.maxUploadSize", 0)
    try:
        at = goto(as_role(app, "admin"), ADMIN)
    finally:
        config.set_option("server.maxUploadSize", before)
    warning = texts_of(at.warning)
    assert "超过网页上传上限" in warning and "python cli.py restore" in warning
    assert texts.BACKUP_DOWNLOAD in [b.label for b in at.get("download_button")]


# --- failed sign-ins, sign-out ----------------------------------------------------------------------

def test_wrong_passwords_are_refused_and_rate_limited(app, users_file):
    at = app().run()
    assert not at.error
    for _ in range(signin_limits.PER_NAME):
        sign_in(at, NAMES["editor"], "not-the-password")
        assert texts_of(at.error) == texts.SIGNIN_FAILED and is_sign_in_form(at)
    sign_in(at, NAMES["editor"], PASSWORDS["editor"])  # right, but too late
    assert texts_of(at.error) == texts.SIGNIN_LOCKED.format(minutes=15)
    assert signin.AUTH_KEY not in at.session_state and is_sign_in_form(at)
    # Another user, from a fresh session, is not locked out.
    at = sign_in(app().run(), NAMES["viewer"], PASSWORDS["viewer"])
    assert at.session_state[signin.AUTH_KEY] == NAMES["viewer"]


def test_new_sessions_from_one_client_share_its_limit(app, users_file):
    """The per-client count is kept by address, not by browser session: opening a new session
    (or signing out) does not start a fresh count."""
    for n in range(signin_limits.PER_CLIENT):
        at = sign_in(app().run(), f"猜测{n}", "not-the-password")
        assert texts_of(at.error) == texts.SIGNIN_FAILED
    at = sign_in(app().run(), NAMES["viewer"], PASSWORDS["viewer"])
    assert texts_of(at.error) == texts.SIGNIN_LOCKED.format(minutes=15)
    assert signin.AUTH_KEY not in at.session_state


def test_sign_out_returns_to_the_sign_in_form(app, users_file):
    at = as_role(app, "editor")
    [signout] = at.sidebar.button
    assert signout.label == texts.SIGNOUT_BUTTON
    signout.click().run()
    assert signin.AUTH_KEY not in at.session_state and not figures(at)
    assert is_sign_in_form(at)


def test_a_removed_user_is_signed_out_at_the_next_click(app, users_file, app_db):
    at = as_role(app, "editor")
    users.remove_user(users_file, NAMES["editor"], actor=NAMES["admin"], store=store(app_db))
    at.run()
    assert signin.AUTH_KEY not in at.session_state and not figures(at)
    assert is_sign_in_form(at)


def test_a_new_password_ends_the_users_other_sessions(app, users_file, app_db):
    at = as_role(app, "editor")
    users.set_password(users_file, NAMES["editor"], "a-new-password", actor=NAMES["admin"], store=store(app_db))
    at.run()
    assert is_sign_in_form(at) and signin.AUTH_KEY not in at.session_state
    again = sign_in(app().run(), NAMES["editor"], "a-new-password")  # the new password works
    assert again.session_state[signin.AUTH_KEY] == NAMES["editor"]


def test_a_removed_admin_cannot_add_a_user_from_the_form_still_on_screen(app, users_file, app_db):
    users.add_user(users_file, "管理员丁", "admin", "other-admin-pw", actor=NAMES["admin"], store=store(app_db),
                   rounds=4)
    at = goto(as_role(app, "admin"), ADMIN)
    at.text_input(key="admin.add.name").input("新管理员")
    at.selectbox(key="admin.add.role").set_value("admin")
    at.text_input(key="admin.add.password").input("new-admin-password")
    at.text_input(key="admin.add.again").input("new-admin-password")
    users.remove_user(users_file, NAMES["admin"], actor="管理员丁", store=store(app_db))  # meanwhile
    button(at, texts.ADMIN_ADD_BUTTON).click().run()
    assert not at.exception
    assert "新管理员" not in users.load_users(users_file)
    assert is_sign_in_form(at)
    assert audit.entries(store(app_db))[["action", "user"]].values.tolist()[0] == ["user_remove", "管理员丁"]


def test_a_demoted_admin_cannot_restore_or_back_up(app, users_file, app_db, deferred):
    at = goto(as_role(app, "admin"), ADMIN)
    [download] = [b for b in at.get("download_button") if b.label == texts.BACKUP_DOWNLOAD]
    manager, file_id = [(m, f) for m, f in deferred if f == download.proto.deferred_file_id][-1]
    known = users.load_users(users_file)
    known[NAMES["admin"]] = users.User(NAMES["admin"], "editor", known[NAMES["admin"]].password_hash)
    users.save_users(users_file, known)  # demoted by editing the file
    from streamlit.runtime.media_file_manager import MediaFileStorageError

    with pytest.raises(MediaFileStorageError):  # the click on the button still on screen
        manager.execute_deferred(file_id)
    assert audit.entries(store(app_db)).empty


def test_no_backup_at_the_click_once_the_database_holds_a_second_branch(app, users_file, app_db, deferred):
    """The page drew the button while the database held one branch; a branch added before the click
    means the backup would hold another branch's rows: refused in the worker thread, nothing made."""
    from data import branches

    at = goto(as_role(app, "admin"), ADMIN)
    [download] = [b for b in at.get("download_button") if b.label == texts.BACKUP_DOWNLOAD]
    manager, file_id = [(m, f) for m, f in deferred if f == download.proto.deferred_file_id][-1]
    with store(app_db).engine.begin() as conn:
        branches.add(conn, "另一支部", user="管理员丁")
    from streamlit.runtime.media_file_manager import MediaFileStorageError

    with pytest.raises(MediaFileStorageError):
        manager.execute_deferred(file_id)
    assert "backup" not in audit.entries(store(app_db))["action"].tolist()


def test_a_removed_editor_cannot_undo(app, users_file, app_db):
    at = goto(as_role(app, "editor"), UPLOAD)
    rows = register_rows("study", [{"date": "2025-03-05", "type": "集中学习", "topic": "学习党章"}])
    at.file_uploader[0].set_value([("三月.xlsx", xlsx_bytes({"学习教育": rows}), XLSX)]).run()
    button(at, texts.UPLOAD_CONFIRM).click().run()
    at.checkbox(key="upload.undo.1").check().run()
    users.remove_user(users_file, NAMES["editor"], actor=NAMES["admin"], store=store(app_db))
    button(at, texts.UPLOAD_UNDO_BUTTON).click().run()
    assert not at.exception and is_sign_in_form(at)
    assert store(app_db).counts()["study"] == 1
    assert audit.entries(store(app_db))["action"].tolist()[0] == "user_remove"


def test_a_demoted_editor_cannot_save_targets(app, users_file, app_db):
    at = goto(as_role(app, "editor"), TARGETS)
    key = at.data_editor[0].key
    at.session_state[key] = {"edited_rows": {}, "deleted_rows": [],
                             "added_rows": [{"indicator": "集中学习次数", "target": 8}]}
    at.run()
    known = users.load_users(users_file)
    known[NAMES["editor"]] = users.User(NAMES["editor"], "viewer", known[NAMES["editor"]].password_hash)
    users.save_users(users_file, known)
    button(at, texts.TARGETS_SAVE).click().run()
    assert not at.exception
    assert store(app_db).counts()["targets"] == 0 and store(app_db).batches().empty
    assert audit.entries(store(app_db)).empty


def test_a_demoted_editor_cannot_load_the_demo(app, users_file, app_db):
    at = as_role(app, "editor")
    demo = button(at, texts.BOARD_DEMO_BUTTON)
    known = users.load_users(users_file)
    known[NAMES["editor"]] = users.User(NAMES["editor"], "viewer", known[NAMES["editor"]].password_hash)
    users.save_users(users_file, known)
    demo.click().run()
    assert texts.ACTION_DENIED.format(role="查看") in texts_of(at.error)
    assert not any(store(app_db).counts().values()) and audit.entries(store(app_db)).empty


# --- local mode -----------------------------------------------------------------------------------

def test_local_mode_says_so_and_allows_every_page(app, local):
    at = app().run()
    assert not at.exception and not is_sign_in_form(at)
    assert texts.LOCAL_MODE_NOTICE in texts_of(at.sidebar.caption)
    assert texts.SIGNOUT_BUTTON not in [b.label for b in at.sidebar.button]
    goto(at, ADMIN)
    assert texts.ADMIN_USERS_LOCAL in texts_of(at.info)


@pytest.fixture
def listening_everywhere():
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    yield
    st_config.set_option("server.address", before)


def test_local_mode_refuses_to_serve_a_network(app, local, listening_everywhere):
    at = app().run()
    assert texts_of(at.error) == texts.LOCAL_MODE_EXPOSED.format(address="0.0.0.0")
    assert not figures(at) and not at.selectbox


def test_sign_in_mode_may_serve_a_network(app, users_file, listening_everywhere):
    assert is_sign_in_form(app().run())
