"""The data pages (数据上传, 数据查询, 计划目标) through AppTest from app.py, on a real SQLite file;
plus the importer helpers behind them (targets editor, display tables) and the query's object filter."""

import io
import re
import sqlite3
from datetime import date

import openpyxl
import pandas as pd
import pytest

from data import schema, texts
from data.demo import SAMPLES_DIR
from data.importer import import_files, parse, save_targets, targets_for_editor, targets_only
from data.query import Filters, filter_rows
from data.settings import load_settings
from data.store import Store
from metrics.catalogue import CATALOGUE
from ui.selection import default_as_of
from tests.helpers import XLSX, button, figures, goto
from tests.xlsx_factory import register_rows, xlsx_bytes

YEAR = 2025
UPLOAD, QUERY, TARGETS, OVERVIEW = "pages/upload.py", "pages/query.py", "pages/targets.py", "pages/overview.py"


# --- fixtures and tiny helpers -------------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A SQLite file holding the demo year (the 12 sample workbooks), built once per session."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("DJ_BRANCH", raising=False)
        branch = load_settings().branch
    outcome = import_files(Store(f"sqlite:///{path}", branch=branch), sorted(SAMPLES_DIR.glob("*.xlsx")), user="demo")
    assert not outcome.rejected
    return path


def copy_db(src, url: str) -> None:
    """Copy a SQLite database (WAL included) into the file of ``url`` with SQLite's backup API."""
    source, target = sqlite3.connect(src), sqlite3.connect(url.removeprefix("sqlite:///"))
    with target:
        source.backup(target)
    source.close()
    target.close()


@pytest.fixture
def demo_db(app_db, demo_template) -> str:
    copy_db(demo_template, app_db)
    return app_db


def app_store(url: str) -> Store:
    """The store the app uses for ``url`` (same branch as the app)."""
    return Store(url, branch=load_settings().branch)


def choose_year(at, year: int):
    """Pick ``year`` (and its default as-of date) as the sidebar would. Through session state: after
    a ``switch_page`` AppTest no longer lists the sidebar's widgets (they still run)."""
    at.session_state["year"] = year
    at.session_state["as_of"] = default_as_of(year, date.today())
    return at.run()


def open_page(app, page: str, year: int | None = None):
    at = app().run()
    if year is not None:
        choose_year(at, year)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def card_values(at) -> dict[str, int]:
    """The 总览 cards: indicator name -> the whole number shown."""
    return {name: int(re.match(r"\d+", value).group()) for name, value in figures(at)}


def messages(elements) -> str:
    return "\n".join(e.value for e in elements)


def study_sheet(rows: list[tuple[str, str]]) -> list[list]:
    """A 学习教育 sheet with one row per (date, 类型)."""
    return register_rows("study", [{"date": d, "type": t, "topic": f"主题{i}"} for i, (d, t) in enumerate(rows)])


def targets_sheet(targets: dict[str, float], year: int = YEAR) -> list[list]:
    return register_rows("targets", [{"year": year, "indicator": k, "target": v} for k, v in targets.items()])


def upload(at, *files: tuple[str, bytes]):
    at.file_uploader[0].set_value([(name, data, XLSX) for name, data in files]).run()
    assert not at.exception, at.exception
    return at


# --- every data page renders ---------------------------------------------------------------------

@pytest.mark.parametrize("page, expected", [
    (UPLOAD, texts.UPLOAD_NO_HISTORY),
    (QUERY, texts.QUERY_NO_ROWS),
])
def test_pages_on_an_empty_database(app, page, expected):
    at = open_page(app, page)
    assert expected in messages(at.info)


def test_targets_page_on_an_empty_database(app):
    at = open_page(app, TARGETS)
    assert at.data_editor[0].value.empty
    assert [d.disabled for d in at.get("download_button")] == [True]


def test_upload_page_on_the_demo_year(app, demo_db):
    at = open_page(app, UPLOAD)
    history = at.dataframe[0].value
    assert len(history) == 12
    assert history[texts.HISTORY_COLUMNS["id"]].tolist() == list(range(12, 0, -1))
    assert set(history[texts.HISTORY_COLUMNS["status"]]) == {texts.STORE_BATCH_STATUS["active"]}
    undo_text = messages(at.markdown)
    assert "批次 12" in undo_text
    assert button(at, texts.UPLOAD_UNDO_BUTTON).disabled


def test_query_page_on_the_demo_year_shows_the_years_study_rows(app, demo_db):
    at = open_page(app, QUERY, YEAR)
    study = app_store(demo_db).load("study")
    in_year = study.loc[study["date"].dt.year == YEAR]
    assert texts.QUERY_ROWS.format(rows=len(in_year)) in messages(at.caption)
    shown = at.dataframe[0].value
    assert len(shown) == len(in_year)


def test_targets_page_on_the_demo_year_lists_the_years_targets(app, demo_db):
    at = open_page(app, TARGETS, YEAR)
    rows = list(openpyxl.load_workbook(SAMPLES_DIR / f"{YEAR}-01.xlsx")[schema.TARGETS.name].values)
    at_target = next(r for r in rows if "目标值" in r).index("目标值")
    written = sorted(float(r[at_target]) for r in rows if isinstance(r[at_target], (int, float)))
    editor = at.data_editor[0].value
    assert sorted(editor["target"]) == written
    assert set(editor["indicator"]) <= {i.name for i in CATALOGUE}


# --- upload, overview, undo ----------------------------------------------------------------------

def test_upload_imports_and_the_overview_follows_then_undo_reverts_it(app, app_db):
    march = [("2025-03-05", "集中学习")] * 3 + [("2025-03-20", "集中学习")]
    first = xlsx_bytes({"学习教育": study_sheet(march), "计划目标": targets_sheet({"集中学习次数": 10})})
    at = open_page(app, UPLOAD)
    upload(at, ("三月.xlsx", first))
    assert texts.UPLOAD_NO_ISSUES in messages(at.success)
    changes = at.dataframe[0].value
    assert changes[texts.CHANGE_COLUMNS["added"]].sum() == 5
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert "已导入（批次 1）" in messages(at.success)
    assert not at.file_uploader[0].value  # a fresh uploader after the import

    choose_year(at, YEAR)
    goto(at, OVERVIEW)
    assert card_values(at)["集中学习次数"] == 4

    goto(at, UPLOAD)
    april = [("2025-04-08", "集中学习"), ("2025/4/9", "集体学习")]  # an alias sheet name and 类型
    upload(at, ("四月.xlsx", xlsx_bytes({"学习台账": study_sheet(april)})))
    button(at, texts.UPLOAD_CONFIRM).click().run()
    assert "已导入（批次 2）" in messages(at.success)
    goto(at, OVERVIEW)
    assert card_values(at)["集中学习次数"] == 6

    goto(at, UPLOAD)
    assert button(at, texts.UPLOAD_UNDO_BUTTON).disabled
    at.checkbox(key="upload.undo.2").check().run()
    button(at, texts.UPLOAD_UNDO_BUTTON).click().run()
    assert "已撤销批次 2" in messages(at.success)
    assert at.dataframe[0].value[texts.HISTORY_COLUMNS["status"]].tolist() == [
        texts.STORE_BATCH_STATUS["undone"], texts.STORE_BATCH_STATUS["active"]]
    goto(at, OVERVIEW)
    assert card_values(at)["集中学习次数"] == 4
    assert app_store(app_db).counts()["study"] == 4


def test_uploading_the_same_file_again_has_nothing_to_do(app, app_db):
    data = xlsx_bytes({"学习教育": study_sheet([("2025-05-06", "讲党课")])})
    at = open_page(app, UPLOAD)
    upload(at, ("a.xlsx", data))
    button(at, texts.UPLOAD_CONFIRM).click().run()
    upload(at, ("a.xlsx", data))
    assert texts.STORE_NOTHING_TO_DO in messages(at.info)
    assert texts.UPLOAD_CONFIRM not in [b.label for b in at.button]


@pytest.mark.parametrize("sheets, column, row", [
    ({"学习教育": study_sheet([("2025-03-05", "集中学习"), ("2025-13-45", "集中学习")])}, "日期", 3),
    ({"学习教育": study_sheet([("2025-03-05", "集中学习"), ("2025-03-06", "跳舞")])}, "类型", 3),
    ({"志愿服务": register_rows("volunteer", [{"date": "2025-03-05", "name": "甲", "activity": "植树",
                                             "hours": -2}])}, "时长", 2),
    ({"学习教育": [["日期", "类型"], ["2025-03-05", "集中学习"]]}, "主题", 1),
])
def test_a_bad_workbook_shows_its_errors_and_stores_nothing(app, app_db, sheets, column, row):
    good = xlsx_bytes({"学习教育": study_sheet([("2025-02-05", "集中学习")])})
    at = open_page(app, UPLOAD)
    upload(at, ("good.xlsx", good), ("bad.xlsx", xlsx_bytes(sheets)))
    assert "全部文件均未导入" in messages(at.error)
    issues = at.dataframe[0].value
    errors = issues.loc[issues[texts.ISSUE_COLUMNS["level"]] == texts.ISSUE_LEVELS["error"]]
    assert errors[texts.ISSUE_COLUMNS["file"]].tolist() == ["bad.xlsx"]
    assert errors[texts.ISSUE_COLUMNS["column"]].tolist() == [column]
    assert errors[texts.ISSUE_COLUMNS["row"]].tolist() == [row]
    assert texts.UPLOAD_CONFIRM not in [b.label for b in at.button]
    # The phone's wrapped table (shown by the style sheet at phone width) lists the same fixes.
    wrapped = at.table[0].value
    assert wrapped[texts.ISSUE_COLUMNS["message"]].tolist() == issues[texts.ISSUE_COLUMNS["message"]].tolist()
    assert not any(app_store(app_db).counts().values())
    assert app_store(app_db).batches().empty


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(app, app_db):
    at = open_page(app, UPLOAD)
    upload(at, ("名单.xlsx", "姓名,党小组\n甲,一组\n".encode()))
    assert "全部文件均未导入" in messages(at.error)
    assert "名单.xlsx" in at.dataframe[0].value[texts.ISSUE_COLUMNS["message"]].iloc[0]
    assert app_store(app_db).batches().empty


# --- query and download --------------------------------------------------------------------------

def test_query_filters_download_and_survive_a_page_switch(app, demo_db):
    at = open_page(app, QUERY, YEAR)
    at.selectbox(key="query.register.w").set_value("inspections").run()
    at.multiselect(key="query.inspections.type.w").set_value(["统计执法检查"]).run()
    at.multiselect(key="query.inspections.category.w").set_value(["企业"]).run()
    at.date_input(key=f"query.dates.{YEAR}.w").set_value((date(YEAR, 3, 1), date(YEAR, 9, 30))).run()

    rows = app_store(demo_db).load("inspections")
    wanted = rows.loc[(rows["type"] == "统计执法检查") & (rows["category"] == "企业")
                      & (rows["date"] >= "2025-03-01") & (rows["date"] <= "2025-09-30")]
    assert 0 < len(wanted) < len(rows)
    assert texts.QUERY_ROWS.format(rows=len(wanted)) in messages(at.caption)
    assert not at.get("download_button")  # files are built only when asked for

    button(at, texts.QUERY_PREPARE).click().run()
    assert [d.label for d in at.get("download_button")] == [texts.QUERY_DOWNLOAD_XLSX, texts.QUERY_DOWNLOAD_CSV]
    export = at.session_state["query.export"]
    book = openpyxl.load_workbook(io.BytesIO(export["xlsx"]))
    sheet = book[schema.INSPECTIONS.name]
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == [c.label for c in schema.INSPECTIONS.columns]
    assert sheet.freeze_panes == "A2"
    assert [r[0] for r in table[1:]] == [d.to_pydatetime() for d in wanted["date"]]
    assert [r[2] for r in table[1:]] == wanted["object"].tolist()
    assert {r[1] for r in table[1:]} == {"统计执法检查"} and {r[3] for r in table[1:]} == {"企业"}
    note = "\n".join(str(v) for r in book[texts.EXPORT_NOTE_SHEET].iter_rows(values_only=True) for v in r)
    assert "统计执法检查" in note and "2025-03-01" in note and "2025-09-30" in note
    csv_text = export["csv"].decode("utf-8")
    assert csv_text.startswith("\ufeff") and len(csv_text.strip().splitlines()) == len(wanted) + 1

    goto(at, OVERVIEW)
    goto(at, QUERY)
    assert at.selectbox(key="query.register.w").value == "inspections"
    assert at.multiselect(key="query.inspections.type.w").value == ["统计执法检查"]
    assert texts.QUERY_ROWS.format(rows=len(wanted)) in messages(at.caption)


def test_query_person_and_object_filters(app, demo_db):
    rows = app_store(demo_db).load("volunteer")
    rows = rows.loc[rows["date"].dt.year == YEAR]
    person = rows["name"].iloc[0]
    place = rows["place"].dropna().iloc[0]
    at = open_page(app, QUERY, YEAR)
    at.selectbox(key="query.register.w").set_value("volunteer").run()
    at.text_input(key="query.volunteer.person.w").input(person).run()
    at.text_input(key="query.volunteer.object.w").input(place).run()
    expected = rows.loc[rows["name"].str.contains(person, regex=False)
                        & (rows["activity"].str.contains(place, regex=False)
                           | rows["place"].str.contains(place, regex=False))]
    assert texts.QUERY_ROWS.format(rows=len(expected)) in messages(at.caption)


# --- targets -------------------------------------------------------------------------------------

def editor_key(at) -> str:
    return at.data_editor[0].key


def test_editing_targets_saves_a_batch_and_the_overview_shows_it(app, app_db):
    store = app_store(app_db)
    june = [("2025-06-03", "集中学习"), ("2025-06-10", "讲党课")]
    june = parse(xlsx_bytes({"学习教育": study_sheet(june)}), "s.xlsx")
    store.import_frames(june.frames, file_name="s.xlsx", sha256=june.sha256, user="t")
    at = open_page(app, TARGETS, YEAR)
    added = [{"indicator": "集中学习次数", "target": 8}, {"indicator": "讲党课次数", "target": 4, "note": "每季度1次"}]
    at.session_state[editor_key(at)] = {"edited_rows": {}, "deleted_rows": [], "added_rows": added}
    button(at.run(), texts.TARGETS_SAVE).click().run()
    assert not at.exception
    assert "已导入（批次 2）" in messages(at.success)
    batch = store.batches().iloc[0]
    assert (batch["kind"], batch["file_name"], batch["added"]) == ("targets", texts.TARGETS_EDITOR_FILE, 2)
    assert sorted(at.data_editor[0].value["target"]) == [4.0, 8.0]

    goto(at, OVERVIEW)
    assert card_values(at) == {"集中学习次数": 1, "讲党课次数": 1}
    assert "目标 8次" in messages(at.caption)


def edit(at, edited_rows: dict | None = None, added_rows: list | None = None):
    at.session_state[editor_key(at)] = {"edited_rows": edited_rows or {}, "deleted_rows": [],
                                        "added_rows": added_rows or []}
    return at.run()


def year_with_targets(url: str, *rows: tuple) -> None:
    """A study row in YEAR (so the sidebar offers the year) and the year's targets."""
    store = app_store(url)
    june = parse(xlsx_bytes({"学习教育": study_sheet([("2025-06-03", "集中学习")])}), "s.xlsx")
    store.import_frames(june.frames, file_name="s.xlsx", sha256=june.sha256, user="t")
    save_targets(store, YEAR, editor_rows(*rows), user="t")


def stored_targets(url: str) -> dict[str, float]:
    frame = app_store(url).load("targets", year=YEAR)
    return dict(zip(frame["indicator"], frame["target"]))


def test_a_save_over_a_concurrent_targets_edit_is_refused_showing_what_changed(app, app_db):
    """Two editors open 计划目标; the first saves; the second's save is refused with the first's
    change named, the second's edits stay on screen, and a second click saves them on purpose."""
    year_with_targets(app_db, ("集中学习次数", 12, None), ("讲党课次数", 4, None))
    first, second = open_page(app, TARGETS, YEAR), open_page(app, TARGETS, YEAR)
    before = app_store(app_db).batches()

    button(edit(first, {0: {"target": 15}}), texts.TARGETS_SAVE).click().run()
    assert "已导入" in messages(first.success)
    assert stored_targets(app_db) == {"集中学习次数": 15, "讲党课次数": 4}

    key = editor_key(edit(second, {1: {"target": 6}}, [{"indicator": "廉政教育次数", "target": 2}]))
    button(second, texts.TARGETS_SAVE).click().run()
    assert not second.exception
    warning = messages(second.warning)
    assert "已被他人修改" in warning and "集中学习次数 12 → 15" in warning and "讲党课次数" not in warning
    assert stored_targets(app_db) == {"集中学习次数": 15, "讲党课次数": 4}  # nothing stored
    assert len(app_store(app_db).batches()) == len(before) + 1
    # The edits stay on screen: the same editor over the rows loaded at first, holding the same edits.
    shown = second.data_editor[0].value
    assert editor_key(second) == key and dict(zip(shown["indicator"], shown["target"])) == {"集中学习次数": 12,
                                                                                            "讲党课次数": 4}
    state = second.session_state[key]
    assert state["edited_rows"] in ({1: {"target": 6}}, {"1": {"target": 6}})
    assert state["added_rows"] == [{"indicator": "廉政教育次数", "target": 2}]

    button(second, texts.TARGETS_SAVE).click().run()  # told what changed: saving again is on purpose
    assert "已导入" in messages(second.success) and not second.warning
    assert stored_targets(app_db) == {"集中学习次数": 12, "讲党课次数": 6, "廉政教育次数": 2}


def test_an_editor_without_edits_follows_other_saves_and_edits_can_be_discarded(app, app_db):
    year_with_targets(app_db, ("集中学习次数", 12, None))
    first, second = open_page(app, TARGETS, YEAR), open_page(app, TARGETS, YEAR)
    button(edit(first, {0: {"target": 15}}), texts.TARGETS_SAVE).click().run()
    second.run()  # no edits: the editor shows the new value
    assert second.data_editor[0].value["target"].tolist() == [15]

    button(edit(first, {0: {"target": 20}}), texts.TARGETS_SAVE).click().run()
    button(edit(second, {0: {"target": 30}}), texts.TARGETS_SAVE).click().run()
    assert "集中学习次数 15 → 20" in messages(second.warning)
    button(second, texts.TARGETS_DISCARD).click().run()
    assert not second.warning and second.data_editor[0].value["target"].tolist() == [20]
    assert stored_targets(app_db) == {"集中学习次数": 20}


@pytest.mark.parametrize("added, message", [
    ([{"indicator": "集中学习次数", "target": -1}], "超出范围"),
    ([{"indicator": "集中学习次数"}], "为空"),
    ([{"indicator": "集中学习次数", "target": 5}, {"indicator": "study.collective", "target": 6}], "重复"),
])
def test_a_bad_target_edit_is_refused_and_stores_nothing(app, app_db, added, message):
    at = open_page(app, TARGETS)
    at.session_state[editor_key(at)] = {"edited_rows": {}, "deleted_rows": [], "added_rows": added}
    button(at.run(), texts.TARGETS_SAVE).click().run()
    assert "目标未保存" in messages(at.error)
    issues = next(d.value for d in at.dataframe if texts.ISSUE_COLUMNS["message"] in d.value.columns)
    assert message in "\n".join(issues[texts.ISSUE_COLUMNS["message"]])
    assert app_store(app_db).batches().empty


def test_importing_the_targets_sheet_only(app, app_db):
    this_year = date.today().year  # the sidebar's year on an empty database
    data = xlsx_bytes({"学习教育": study_sheet([("2025-02-05", "集中学习")]),
                       "计划目标": targets_sheet({"集中学习次数": 12, "志愿服务时长": 300}, this_year)})
    at = open_page(app, TARGETS)
    upload(at, ("计划.xlsx", data))
    button(at, texts.TARGETS_IMPORT_BUTTON).click().run()
    assert "已导入（批次 1）" in messages(at.success)
    counts = app_store(app_db).counts()
    assert (counts["targets"], counts["study"]) == (2, 0)
    assert sorted(at.data_editor[0].value["target"]) == [12.0, 300.0]


# --- importer helpers and the query's object filter (no Streamlit) -------------------------------

def editor_rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["indicator", "target", "note"])


@pytest.mark.parametrize("rows, errors", [
    (editor_rows(("集中学习次数", 10, None)), []),
    (editor_rows(("集中学习次数", 10, None), (None, None, None)), []),  # blank rows are ignored
    (editor_rows(("volunteer.hours", 80.5, "按季度")), []),
    (editor_rows(("不存在的指标", 10, None)), [(1, "指标")]),
    (editor_rows(("集中学习次数", 10, None), ("讲党课次数", None, None)), [(2, "目标值")]),
    (editor_rows(("集中学习次数", 10, None), ("集中学习次数", 12, None)), [(2, "指标")]),
    (editor_rows((None, None, None)), [(None, None)]),
])
def test_save_targets_validates_like_the_sheet(store, rows, errors):
    outcome = save_targets(store, YEAR, rows, user="t")
    assert [(i.row, i.column) for i in outcome.errors] == errors
    live = store.load("targets")
    assert len(live) == (0 if errors else len(rows.dropna(how="all")))


def test_save_targets_replaces_only_that_year(store):
    save_targets(store, 2024, editor_rows(("集中学习次数", 20, None)), user="t")
    save_targets(store, YEAR, editor_rows(("集中学习次数", 10, None), ("讲党课次数", 4, None)), user="t")
    outcome = save_targets(store, YEAR, editor_rows(("讲党课次数", 4, None)), user="t")
    assert [(c.period, c.added, c.removed, c.kept) for c in outcome.results[0].changes] == [("2025", 0, 1, 1)]
    shown = targets_for_editor(store.load("targets"), YEAR)
    assert shown["indicator"].tolist() == ["讲党课次数"]
    assert targets_for_editor(store.load("targets"), 2024)["target"].tolist() == [20.0]
    assert store.batches()["kind"].tolist() == ["targets"] * 3


def test_targets_only_keeps_the_targets_sheet_and_its_issues():
    data = xlsx_bytes({"学习教育": study_sheet([("2025-13-01", "集中学习")]),
                       "计划目标": targets_sheet({"集中学习次数": 1})})
    full = parse(data, "w.xlsx")
    assert full.errors
    only = targets_only(full)
    assert (list(only.frames), only.errors) == (["targets"], [])
    none = targets_only(parse(xlsx_bytes({"学习教育": study_sheet([("2025-01-02", "集中学习")])}), "n.xlsx"))
    assert [i.message for i in none.errors] == [texts.TARGETS_NO_SHEET.format(file="n.xlsx", sheet="计划目标")]


@pytest.mark.parametrize("register, obj, expected", [
    ("inspections", "甲公司", [0]),
    ("inspections", "公司", [0, 1]),
    ("inspections", "项目", [2]),
    ("volunteer", "社区", [0, 1]),  # activity or place
    ("volunteer", "公园", [1]),
    ("study", "党章", [0]),
])
def test_object_filter_matches_the_registers_object_columns(register, obj, expected):
    frames = {
        "inspections": [{"object": "甲公司"}, {"object": "乙公司"}, {"object": "某项目"}],
        "volunteer": [{"activity": "社区清扫", "place": "一区"}, {"activity": "植树", "place": "社区公园"}],
        "study": [{"topic": "学习党章"}, {"topic": "研讨"}],
    }
    frame = pd.DataFrame(frames[register])
    for key in schema.REGISTERS[register].keys:
        if key not in frame:
            frame[key] = None
    assert filter_rows(frame, register, Filters(obj=obj)).index.tolist() == expected
    assert Filters(obj=obj).describe(register) == {texts.FILTER_OBJECT: obj}


def test_display_tables_use_chinese_headers(store):
    outcome = import_files(store, [SAMPLES_DIR / f"{YEAR}-02.xlsx"], user="t", dry_run=True)
    from data.importer import batches_frame, changes_frame, issues_frame

    changes = changes_frame(outcome)
    assert list(changes.columns) == list(texts.CHANGE_COLUMNS.values())
    assert set(changes[texts.CHANGE_COLUMNS["register"]]) == {"学习教育", "检查核查", "志愿服务", "工作台账"}  # February has no 党员发展 rows
    assert list(issues_frame([]).columns) == list(texts.ISSUE_COLUMNS.values())
    import_files(store, [SAMPLES_DIR / f"{YEAR}-02.xlsx"], user="t")
    history = batches_frame(store.batches())
    assert history[texts.HISTORY_COLUMNS["kind"]].tolist() == [texts.STORE_BATCH_KIND["import"]]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", history[texts.HISTORY_COLUMNS["created_at"]].iloc[0])
