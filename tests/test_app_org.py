"""The organisation's view through AppTest of the real app.py (issue 17): a cell of 各支部对比 opens
its rows, the sidebar's 全部支部, and only the branches a user may view, anywhere."""

from __future__ import annotations

import pandas as pd
import pytest

from data import branches, texts, users
from data.importer import import_parsed, parse, save_targets
from data.settings import load_settings
from data.store import Store
from tests.test_app_branches import OTHER, PASSWORD, org_db, session  # noqa: F401  (org_db: a fixture)
from tests.test_app_data import study_sheet
from tests.xlsx_factory import xlsx_bytes
from ui import cache, sidebar

THIRD = "市审计局党支部"
ORG_PAGE = "pages/organisation.py"


@pytest.fixture
def three(org_db):
    """org_db plus a third branch with 7 study rows, and a user with roles in two of the three."""
    ours = org_db["ours"]
    with ours.transaction(lock="branches") as conn:
        branches.add(conn, THIRD, user="测试")
    third = Store(ours.url, branch=THIRD, create=False)
    data = xlsx_bytes({"学习教育": study_sheet([(f"2025-04-{d + 1:02d}", "集中学习") for d in range(7)])})
    assert not import_parsed(third, [parse(data, "审.xlsx")], user="审干事").rejected
    path = load_settings().users_file
    found = users.load_users(path)
    found["两支部书记"] = users.User("两支部书记", "viewer", users.hash_password(PASSWORD, rounds=4),
                                 ((OTHER, "viewer"),))
    users.save_users(path, found)
    return {**org_db, "third": third}


def _dialog_text(at) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "caption") for e in at.get(kind))


@pytest.mark.parametrize("field", ["value", "completion"])
def test_a_cell_opens_the_rows_behind_it(app, three, field):
    at = session(app, "工委领导", ORG_PAGE)
    at.radio(key="org.field").set_value("value").run()
    values = at.dataframe[1].value
    at.radio(key="org.field").set_value(field).run()  # whatever the cells show, a cell opens the same rows
    column = "集中学习次数"
    for name, expected in ((three["theirs"].branch_name, 5), (THIRD, 7)):
        row = list(values.index).index(name)
        assert values.loc[name, column] == expected
        at.session_state["org.cell"] = {"selection": {"rows": [], "columns": [], "cells": [[row, column]]}}
        at.run()
        assert not at.exception, at.exception
        shown = _dialog_text(at)
        assert texts.ORG_CELL_BRANCH.format(branch=name) in shown
        assert texts.GLANCE_ROWS_COUNT.format(rows=expected, register="学习教育") in shown
        rows = [d.value for d in at.dataframe if len(d.value) == expected and "topic" in d.value.columns]
        assert rows, "the dialog lists the rows"
        assert texts.SUMMARY_ROWS_DOWNLOAD in [b.proto.label for b in at.get("download_button")]


def test_all_branches_opens_the_comparison_and_a_branch_opens_its_overview(app, three):
    at = session(app, "工委领导")
    picker = at.selectbox(key=sidebar.PICK_KEY)
    assert picker.value == three["ours"].branch  # the deployment's branch first
    picker.set_value(sidebar.ALL).run()
    assert not at.exception, at.exception
    ranked = at.dataframe[0].value
    assert set(ranked[texts.ORG_RANK_COLUMNS["branch"]]) == {three["ours"].branch_name,
                                                           three["theirs"].branch_name, THIRD}
    assert at.selectbox(key=sidebar.PICK_KEY).value == sidebar.ALL  # shown as 全部支部 there
    at.selectbox(key=sidebar.PICK_KEY).set_value(three["third"].branch).run()
    assert not at.exception, at.exception
    assert at.session_state[cache.BRANCH_KEY] == three["third"].branch
    assert at.header[0].value == texts.PAGE_OVERVIEW
    assert at.selectbox(key=sidebar.PICK_KEY).value == three["third"].branch


def test_all_branches_shows_only_the_branches_the_user_may_view(app, three):
    at = session(app, "两支部书记")
    picker = at.selectbox(key=sidebar.PICK_KEY)
    assert set(picker.options) == {texts.ORG_ALL_BRANCHES, three["ours"].branch_name, three["theirs"].branch_name}
    picker.set_value(sidebar.ALL).run()
    assert not at.exception, at.exception
    shown = "\n".join(str(d.value) for d in at.dataframe)
    assert THIRD not in shown and three["theirs"].branch_name in shown
    book = at.session_state["org.xlsx"]()
    assert THIRD.encode("utf-8") not in book
    # a forged cell of a branch they may not view opens nothing (the table holds only theirs)
    at.session_state["org.cell"] = {"selection": {"rows": [], "columns": [], "cells": [[5, "集中学习次数"]]}}
    at.run()
    assert not at.exception and THIRD not in _dialog_text(at)
    # a forged session branch is replaced by one they may use
    at.session_state[cache.BRANCH_KEY] = three["third"].branch
    at.run()
    assert at.session_state[cache.BRANCH_KEY] != three["third"].branch


# --- branches on the admin page ---------------------------------------------------------------------

ADMIN_PAGE = "pages/admin.py"


def _button(at, label: str):
    return next(b for b in at.button if b.label == label)


def _records(store: Store) -> dict[str, str]:
    with store.engine.begin() as conn:
        return {b.id: b.name for b in branches.all_records(conn)}


def test_the_deployments_admin_adds_and_renames_branches_audited(app, three):
    ours, theirs = three["ours"], three["theirs"]
    before = len(theirs.load("study"))
    at = session(app, "本支部管理员", ADMIN_PAGE)
    shown = "\n".join(str(d.value) for d in at.dataframe)
    assert THIRD in shown and texts.ADMIN_BRANCHES_TITLE in [s.value for s in at.subheader]
    at.text_input(key="admin.branch.add.name").input("市商务局党支部")
    _button(at, texts.ADMIN_BRANCH_ADD_BUTTON).click().run()
    assert not at.exception, at.exception
    assert "市商务局党支部" in _records(ours).values()
    assert texts.BRANCH_ADDED.format(kind="支部", name="市商务局党支部") in [s.value for s in at.success]

    at.selectbox(key="admin.branch.rename.which").set_value(theirs.branch)
    at.text_input(key="admin.branch.rename.name").input("市财政局机关党支部")
    _button(at, texts.ADMIN_BRANCH_RENAME_BUTTON).click().run()
    assert not at.exception, at.exception
    assert _records(ours)[theirs.branch] == "市财政局机关党支部"
    assert len(Store(ours.url, branch="市财政局机关党支部", create=False).load("study")) == before  # rows kept

    # a taken name is refused in words, nothing changes
    at.text_input(key="admin.branch.add.name").input(THIRD)
    _button(at, texts.ADMIN_BRANCH_ADD_BUTTON).click().run()
    assert texts.BRANCH_EXISTS.format(name=THIRD) in [e.value for e in at.error]

    from data import audit

    log = audit.entries(Store(ours.url, branch="市商务局党支部", create=False))
    assert log[["action", "user"]].values.tolist() == [["branch_add", "本支部管理员"]]
    renamed = audit.entries(Store(ours.url, branch=theirs.branch, create=False))
    assert ["branch_rename", "本支部管理员"] in renamed[["action", "user"]].values.tolist()


def test_a_branch_admin_manages_no_branches_and_a_demoted_admin_changes_nothing(app, three):
    ours = three["ours"]
    at = session(app, "财政局管理员", ADMIN_PAGE)
    assert texts.ADMIN_BRANCHES_TITLE not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label == texts.ADMIN_BRANCH_ADD_BUTTON]

    at = session(app, "本支部管理员", ADMIN_PAGE)
    at.text_input(key="admin.branch.add.name").input("不该出现的支部")
    path = load_settings().users_file
    known = users.load_users(path)
    known["本支部管理员"] = users.User("本支部管理员", "viewer", known["本支部管理员"].password_hash)
    users.save_users(path, known)  # demoted while the form is on screen
    _button(at, texts.ADMIN_BRANCH_ADD_BUTTON).click().run()
    assert not at.exception
    assert "不该出现的支部" not in _records(ours).values()


@pytest.mark.parametrize("field", ["completion", "target", "status"])
def test_the_comparison_shows_no_column_empty_in_every_branch_and_names_those_left_out(app, three, field):
    """An indicator with no target in any branch would be a column of grey "None" cells (Streamlit's
    grid shows a missing number so): it is left out of 各支部×指标, and the caption names it."""
    save_targets(three["third"], 2025, pd.DataFrame({"indicator": ["集中学习次数"], "target": [12.0], "note": [""]}),
                 user="审干事")  # one branch, one target: every other indicator has none anywhere
    at = session(app, "工委领导", ORG_PAGE)
    at.radio(key="org.field").set_value("value").run()
    every = list(at.dataframe[1].value.columns)
    at.radio(key="org.field").set_value(field).run()
    assert not at.exception, at.exception
    wide = at.dataframe[1].value
    assert not [c for c in wide.columns if wide[c].isna().all()]
    left_out = [c for c in every if c not in wide.columns]
    assert "集中学习次数" in wide.columns and left_out, "the one target stays, the others are left out"
    prefix = texts.ORG_COMPARE_LEFT_OUT.format(field=texts.ORG_FIELDS[field], names="")[:-1]
    line = [str(c.value) for c in at.caption if str(c.value).startswith(prefix)]
    assert len(line) == 1
    named = set(line[0][len(prefix):-1].split("、"))
    assert set(left_out) <= named and not named & set(wide.columns)


def test_the_users_table_shows_roles_in_other_branches_and_the_organisations(app, three):
    """A user with roles only in other branches, or only the organisation's, is not shown as 无权限."""
    at = session(app, "本支部管理员", "pages/admin.py")
    shown = at.dataframe[0].value.set_index(texts.ADMIN_USER_COLUMNS["name"])[texts.ADMIN_USER_COLUMNS["role"]]
    viewer = texts.ROLE_NAMES["viewer"]
    assert shown["工委领导"] == texts.ADMIN_ROLE_IN.format(branch=texts.ORG_ALL_BRANCHES, role=viewer)
    assert shown["财政局录入员"] == texts.ADMIN_ROLE_IN.format(branch=three["theirs"].branch_name,
                                                         role=texts.ROLE_NAMES["editor"])
    assert shown["两支部书记"] == "；".join([viewer, texts.ADMIN_ROLE_IN.format(branch=three["theirs"].branch_name,
                                                                           role=viewer)])
    assert shown["本支部管理员"] == texts.ROLE_NAMES["admin"]
    assert texts.ROLE_NONE not in set(shown)
