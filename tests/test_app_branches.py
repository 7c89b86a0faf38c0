"""Who sees what with several branches, through AppTest of the real app.py: a users file with roles
per branch and an organisation viewer, a real SQLite database holding two branches' rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import audit, branches, texts, users
from data.settings import load_settings
from data.store import Store
from data.tables import BranchKind
from tests.test_app_data import QUERY, YEAR, choose_year, messages, study_sheet
from tests.xlsx_factory import xlsx_bytes
from ui import cache, sidebar, signin

ORG, OTHER = "市直机关工委", "市财政局党支部"
PASSWORD = "branch-password"
# name -> (role in the deployment's branch, {branch: role}, organisation role)
PEOPLE = {"本支部管理员": ("admin", {}, None), "财政局录入员": ("", {OTHER: "editor"}, None),
          "财政局管理员": ("", {OTHER: "admin"}, None), "工委领导": ("", {}, "viewer")}


@pytest.fixture
def org_db(app_db, tmp_path, monkeypatch) -> dict[str, Store]:
    """The deployment's branch with 3 study rows in 2025, another branch with 5, an organisation,
    and a users file with one user of each kind."""
    monkeypatch.setattr("data.settings._file_settings", lambda: {})
    ours = Store(app_db, branch=load_settings().branch)
    with ours.transaction(lock="branches") as conn:
        branches.add(conn, ORG, user="测试", kind=BranchKind.ORGANISATION)
        branches.add(conn, OTHER, user="测试")
    theirs = Store(app_db, branch=OTHER, create=False)
    from data.importer import import_parsed, parse

    for store, n, prefix in ((ours, 3, "本"), (theirs, 5, "财")):
        data = xlsx_bytes({"学习教育": study_sheet([(f"2025-03-{d + 1:02d}", "集中学习") for d in range(n)])})
        outcome = import_parsed(store, [parse(data, f"{prefix}.xlsx")], user=f"{prefix}干事")
        assert not outcome.rejected, outcome.issues
    path = tmp_path / "users.toml"
    users.save_users(path, {name: users.User(name, role, users.hash_password(PASSWORD, rounds=4),
                                             tuple(roles.items()), org)
                            for name, (role, roles, org) in PEOPLE.items()})
    monkeypatch.setenv("DJ_USERS_FILE", str(path))
    return {"ours": ours, "theirs": theirs}


def session(app, name: str, page: str | None = None, branch: str | None = None):
    at = app()
    at.session_state[signin.AUTH_KEY] = name
    if branch is not None:
        at.session_state[cache.BRANCH_KEY] = branch
    at.run()
    choose_year(at, YEAR)
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def shown_rows(at) -> int:
    return len(at.dataframe[0].value)


def test_the_users_file_round_trips_roles_per_branch(org_db):
    loaded = users.load_users(load_settings().users_file)
    assert loaded["财政局录入员"].branch_roles == ((OTHER, "editor"),)
    assert loaded["工委领导"].organisation == "viewer" and loaded["工委领导"].role == ""
    with org_db["ours"].engine.begin() as conn:
        records = branches.all_records(conn)
    ours, theirs = org_db["ours"].branch, org_db["theirs"].branch
    assert users.access(loaded["本支部管理员"], records, load_settings().branch) == {ours: "admin"}
    assert users.access(loaded["财政局录入员"], records, load_settings().branch) == {theirs: "editor"}
    assert users.access(loaded["工委领导"], records, load_settings().branch) == {ours: "viewer", theirs: "viewer"}


def test_a_branch_user_sees_only_their_branch_even_when_asking_for_another(app, org_db):
    ours, theirs = org_db["ours"], org_db["theirs"]
    at = session(app, "本支部管理员", QUERY, branch=theirs.branch)  # a forged session value
    assert at.session_state[cache.BRANCH_KEY] == ours.branch
    assert shown_rows(at) == 3 and texts.QUERY_ROWS.format(rows=3) in messages(at.caption)
    assert not [s for s in at.selectbox if s.label == texts.SIDEBAR_PICK_BRANCH]

    at = session(app, "财政局录入员", QUERY)
    assert at.session_state[cache.BRANCH_KEY] == theirs.branch
    assert shown_rows(at) == 5
    assert set(at.dataframe[0].value.iloc[:, 2].astype(str).str[:2]) <= {"主题"}


def page_text(at) -> str:
    return "\n".join(str(e.value) for kind in ("dataframe", "info", "markdown", "caption") for e in at.get(kind))


def test_a_branch_admin_sees_only_their_audit_log_and_their_branch_backup_not_users(app, org_db):
    for name, mine, theirs in (("本支部管理员", "本干事", "财干事"), ("财政局管理员", "财干事", "本干事")):
        at = session(app, name, "pages/admin.py")
        assert not at.exception, at.exception
        shown = page_text(at)
        assert mine in shown and theirs not in shown
        labels = [b.label for b in at.get("download_button")]  # a whole backup would hold every branch
        assert texts.BACKUP_DOWNLOAD not in labels and texts.BACKUP_BRANCH_DOWNLOAD in labels
    assert texts.ADMIN_SITE_ONLY in shown  # the other branch's admin does not manage the users file
    assert "本支部管理员" not in shown


def test_an_organisation_viewer_picks_a_branch_and_may_only_view(app, org_db):
    ours, theirs = org_db["ours"], org_db["theirs"]
    at = session(app, "工委领导", QUERY)
    picker = at.selectbox(key=sidebar.PICK_KEY)
    assert set(picker.options) == {texts.ORG_ALL_BRANCHES, ours.branch_name, theirs.branch_name}
    assert shown_rows(at) == 3  # the deployment's branch first
    picker.set_value(theirs.branch).run()
    assert not at.exception and shown_rows(at) == 5
    at.switch_page("pages/upload.py").run()  # a viewer: 数据上传 is hidden from them and refuses itself
    assert texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["viewer"]) in [e.value for e in at.error]
    assert not at.get("file_uploader")


def test_a_user_without_a_role_here_gets_nothing(app, org_db, monkeypatch):
    path = Path(load_settings().users_file)
    found = users.load_users(path)
    found["外单位"] = users.User("外单位", "", found["工委领导"].password_hash, (("不存在的支部", "admin"),))
    users.save_users(path, found)
    at = app()
    at.session_state[signin.AUTH_KEY] = "外单位"
    at.run()
    assert not at.exception
    assert at.error and not at.dataframe


def test_the_comparison_page_shows_each_branch_it_may_and_downloads_them(app, org_db):
    import io

    import openpyxl

    ours, theirs = org_db["ours"], org_db["theirs"]
    at = session(app, "工委领导", "pages/organisation.py")
    assert not at.exception, at.exception
    ranked = at.dataframe[0].value
    assert set(ranked[texts.ORG_RANK_COLUMNS["branch"]]) == {ours.branch_name, theirs.branch_name}
    at.radio(key="org.field").set_value("value").run()
    wide = at.dataframe[1].value
    assert wide.loc[ours.branch_name, "集中学习次数"] == 3 and wide.loc[theirs.branch_name, "集中学习次数"] == 5
    branch = texts.ROLLUP_HEADERS["branch"]
    stale = at.dataframe[3].value  # as of 2025-12-31 both branches' registers end in March
    assert dict(zip(stale[branch], stale[texts.ORG_STALE_MONTH])) == {ours.branch_name: "2025年3月",
                                                                      theirs.branch_name: "2025年3月"}
    assert texts.ORG_STALE_TITLE.format(month="2025年12月") in [h.value for h in at.subheader]
    totals = at.dataframe[4].value.set_index(texts.ORG_TOTALS_COLUMNS["name"])
    assert totals.loc["集中学习次数", texts.ORG_TOTALS_COLUMNS["total"]] == 8
    shares = at.dataframe[5].value
    assert round(shares.loc[theirs.branch_name, "集中学习次数"], 1) == 62.5
    (download,) = at.get("download_button")
    assert download.proto.label == texts.ORG_DOWNLOAD
    book = openpyxl.load_workbook(io.BytesIO(at.session_state["org.xlsx"]()))  # built on the click
    assert list(book.sheetnames) == list(texts.ORG_SHEETS.values())
    values = {r[0]: r for r in book[texts.ORG_SHEETS["value"]].iter_rows(min_row=2, values_only=True)}
    assert values[theirs.branch_name][1] == 5


def test_the_comparison_page_lists_the_branches_without_rows_in_the_as_of_month(app, org_db):
    """Not the last import's date: the registers' months, as 总览's freshness line (a branch that
    imported today but only up to March has not uploaded December)."""
    from data.importer import import_parsed, parse

    ours, theirs = org_db["ours"], org_db["theirs"]
    data = xlsx_bytes({"学习教育": study_sheet([("2025-12-05", "集中学习")])})
    assert not import_parsed(ours, [parse(data, "本12月.xlsx")], user="本干事").rejected
    at = session(app, "工委领导", "pages/organisation.py")
    stale = at.dataframe[3].value
    assert list(stale[texts.ROLLUP_HEADERS["branch"]]) == [theirs.branch_name]


def test_a_branch_user_has_no_comparison_page(app, org_db):
    at = session(app, "财政局录入员")
    at.switch_page("pages/organisation.py").run()  # hidden from them; by its address it reads one branch only
    assert not at.exception
    assert texts.ORG_ONE_BRANCH in [e.value for e in at.info]
    assert not at.get("dataframe") and not at.get("download_button")
