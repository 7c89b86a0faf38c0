"""学时 per member (issue 15 point 3), and the 指标设置 page (point 2), on a real workbook: the
figures recounted with plain pandas, the pages through AppTest from app.py."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from data import texts, users
from data.errors import SettingsError
from data.importer import parse
from data.indicators import stored_definitions
from data.audit import entries
from data.settings import load_settings
from data.store import Store
from metrics.study_hours import study_hours
from metrics.summary import summarize
from tests.helpers import button, figures, goto
from tests.test_app_access import NAMES, as_role, first_request, texts_of, users_file  # noqa: F401 (fixture)
from tests.year_workbook import YEAR, write_year

PAGE_ROW = {"key": "work.ideology", "name": "意识形态研判次数", "register": "工作台账", "agg": "count",
            "filter": "类别=意识形态研判", "unit": "次"}


@pytest.fixture
def workbook(tmp_path):
    return write_year(tmp_path / "台账.xlsx", targets=False)


@pytest.fixture
def frames(workbook):
    return parse(workbook).frames


def pandas_hours(workbook, last: str) -> dict[str, float]:
    """Each roster member's 学时 in 2023 up to ``last``, counted with plain pandas."""
    study = pd.read_excel(workbook, sheet_name="学习教育", engine="openpyxl")
    study["日期"] = pd.to_datetime(study["日期"])
    study = study[(study["日期"] >= f"{YEAR}-01-01") & (study["日期"] <= last) & study["学时"].notna()]
    people = study.assign(姓名=study["参加人员"].str.split(r"[、，,\s]+")).explode("姓名")
    per = people.groupby("姓名")["学时"].sum()
    roster = pd.read_excel(workbook, sheet_name="党员名册", engine="openpyxl")["姓名"]
    return {n: float(per.get(n, 0.0)) for n in roster}


@pytest.mark.parametrize("as_of", ["2023-02-01", "2023-06-30", None])
def test_hours_per_member_recounted_with_pandas(workbook, frames, as_of):
    got = study_hours(frames, YEAR, as_of)
    want = pandas_hours(workbook, as_of or f"{YEAR}-12-31")
    assert dict(zip(got.table["name"], got.table["hours"])) == want
    days = pd.Timestamp(as_of or f"{YEAR}-12-31").day_of_year
    assert got.expected == pytest.approx(32 * days / 365)
    assert got.below_expected == [n for n, h in want.items() if h < 32 * days / 365]
    assert got.below_minimum == [n for n, h in want.items() if h < 32]
    later = as_of is None  # the row without 学时 (1 Jul) and 钱七 (10 Jun) come after the first dates
    assert got.rows_without_hours == int(later) and got.not_in_roster == (["钱七"] if as_of != "2023-02-01" else [])


def test_year_end_figures_and_the_summary_sentence(frames):
    got = study_hours(frames, YEAR)
    assert got.year_over and got.below_minimum == ["李四", "王五", "赵六"]  # 张三 has exactly 32
    summary = summarize(frames, YEAR, branch="测试支部")
    assert summary.study_hours.sentence() == texts.STUDY_HOURS_SENTENCE_YEAR.format(
        year=YEAR, members=4, average="17", minimum="32", met=1, below=3)  # (32 + 29 + 7 + 0) / 4
    lower = summarize(frames, YEAR, branch="测试支部", study_hours_min=7)
    assert lower.study_hours.below_minimum == ["赵六"]


def test_without_roster_or_attendees_it_says_what_is_needed(frames):
    no_roster = {k: v for k, v in frames.items() if k != "roster"}
    got = study_hours(no_roster, YEAR)
    assert got.message == texts.STUDY_HOURS_NEEDS_ROSTER and got.table is None and not got.has_data
    no_lists = {**frames, "study": frames["study"].assign(attendees=None)}
    assert study_hours(no_lists, YEAR).message == texts.STUDY_HOURS_NEEDS_ATTENDEES.format(year=YEAR)
    no_hours = {**frames, "study": frames["study"].assign(hours=float("nan"))}
    assert study_hours(no_hours, YEAR).message == texts.STUDY_HOURS_NEEDS_HOURS.format(year=YEAR)
    assert summarize(no_roster, YEAR, branch="测试支部").study_hours.sentence() == texts.STUDY_HOURS_NEEDS_ROSTER


@pytest.mark.parametrize("value", [0, -3, "三十二", True])
def test_a_bad_study_hours_min_is_a_settings_error(frames, value):
    with pytest.raises(SettingsError, match="study_hours_min"):
        study_hours(frames, YEAR, None, value)


def test_study_hours_min_comes_from_the_settings_file(tmp_path, monkeypatch):
    path = tmp_path / "settings.toml"
    path.write_text("study_hours_min = 40\n", encoding="utf-8")
    monkeypatch.setenv("DJ_SETTINGS", str(path))
    assert load_settings().study_hours_min == 40
    path.write_text("", encoding="utf-8")
    assert load_settings().study_hours_min == 32


# --- pages ---------------------------------------------------------------------------------------

def load(app_db: str, workbook) -> Store:
    store = Store(app_db, branch=load_settings().branch)
    parsed = parse(workbook)
    store.import_frames(parsed.frames, file_name="台账.xlsx", sha256=parsed.sha256, user="t")
    return store


def test_the_study_page_shows_hours_per_member(app, app_db, workbook):
    load(app_db, workbook)
    at = goto(app().run(), "pages/study.py")
    assert texts.STUDY_HOURS_TITLE in [s.value for s in at.subheader]
    assert texts.STUDY_HOURS_BELOW_MINIMUM.format(minimum="32", names="李四、王五、赵六") in \
        texts_of(at.warning).replace("\\", "")
    table = next(d.value for d in at.dataframe if "学时" in d.value.columns)
    assert dict(zip(table["姓名"], table["学时"])) == pandas_hours(workbook, f"{YEAR}-12-31")


def test_the_study_page_without_a_roster_asks_for_one(app, app_db, tmp_path):
    from tests.xlsx_factory import register_rows, write_xlsx
    from tests.year_workbook import STUDY

    path = write_xlsx(tmp_path / "无名册.xlsx", {"学习教育": register_rows("study", STUDY)})
    load(app_db, path)
    at = goto(app().run(), "pages/study.py")
    assert texts.STUDY_HOURS_NEEDS_ROSTER in texts_of(at.info).replace("\\", "")
    assert not [d for d in at.dataframe if "学时" in d.value.columns]


def test_an_editor_adds_an_indicator_and_a_viewer_cannot(app, app_db, users_file, workbook):  # noqa: F811
    store = load(app_db, workbook)
    logged = len(entries(store))  # the import
    at = goto(as_role(app, "editor"), "pages/indicators.py")
    at.session_state[at.data_editor[0].key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [PAGE_ROW]}
    button(at.run(), texts.INDICATORS_SAVE).click().run()
    assert not at.exception and not at.error, texts_of(at.error)
    assert texts.INDICATORS_SAVED.format(saved=1, before=0) in texts_of(at.success).replace("\\", "")
    assert stored_definitions(store) == [{"key": "work.ideology", "name": "意识形态研判次数", "register": "工作台账",
                                          "agg": "count", "columns": [], "unit": "次",
                                          "filter": {"类别": ["意识形态研判"]}}]
    assert entries(store).iloc[0]["action"] == "indicators"
    # it is an indicator like the others: listed on the 计划目标 page, a figure of the summary
    goto(at, "pages/targets.py")
    assert any("意识形态研判次数" in set(d.value.iloc[:, 0]) for d in at.dataframe)
    goto(at, "pages/summary.py")
    assert not at.exception

    # a bad row is refused naming what is wrong, and nothing changes
    at = goto(as_role(app, "editor"), "pages/indicators.py")
    bad = {**PAGE_ROW, "key": "work.bad", "name": "坏指标", "filter": "种类=意识形态研判"}
    at.session_state[at.data_editor[0].key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [bad]}
    button(at.run(), texts.INDICATORS_SAVE).click().run()
    assert "没有“种类”列" in texts_of(at.error).replace("\\", "")
    assert len(stored_definitions(store)) == 1 and len(entries(store)) == logged + 1

    # a viewer has no such page: by its address the page refuses
    forged = first_request(app, "pages/indicators.py", user=NAMES["viewer"], routed=True)
    assert texts_of(forged.error) == texts.ACCESS_DENIED.format(role=texts.ROLE_NAMES["viewer"])
    assert not forged.data_editor


def test_an_editor_demoted_before_saving_saves_nothing(app, app_db, users_file, workbook):  # noqa: F811
    store = load(app_db, workbook)
    at = goto(as_role(app, "editor"), "pages/indicators.py")
    at.session_state[at.data_editor[0].key] = {"edited_rows": {}, "deleted_rows": [], "added_rows": [PAGE_ROW]}
    editor = users.load_users(users_file)[NAMES["editor"]]
    users.save_users(users_file, {**users.load_users(users_file),
                                  NAMES["editor"]: users.User(editor.name, "viewer", editor.password_hash)})
    button(at, texts.INDICATORS_SAVE).click().run()  # clicked after the demotion
    assert not at.exception  # the viewer's navigation has no such page: the run goes to the overview
    assert stored_definitions(store) == [] and not at.data_editor


@pytest.mark.parametrize("register, rows", [("membership", 8), ("work", 8)])
def test_the_query_page_lists_the_new_registers(app, app_db, workbook, register, rows):
    load(app_db, workbook)
    at = goto(app().run(), "pages/query.py")
    at.selectbox(key="query.register.w").set_value(register).run()
    assert not at.exception
    dates = next(d for d in at.date_input if d.key.startswith("query.dates"))
    dates.set_value((pd.Timestamp("2022-01-01").date(), pd.Timestamp("2023-12-31").date())).run()
    assert len(at.dataframe[0].value) == rows


def test_a_custom_indicator_with_a_target_has_its_card_and_rows_on_the_overview(app, app_db, workbook):
    from data.importer import save_targets
    from data.indicators import save_definitions
    from tests.year_workbook import PAGE_DEFINITION

    store = load(app_db, workbook)
    save_definitions(store, [PAGE_DEFINITION], user="t")
    outcome = save_targets(store, YEAR, pd.DataFrame([{"indicator": "意识形态研判次数", "target": 4}]), user="t")
    assert not outcome.rejected, [i.message for i in outcome.errors]
    at = goto(app().run(), "pages/overview.py")
    assert dict(figures(at))["意识形态研判次数"] == "2次"  # 一季度 and 二季度研判 in 工作记录
    rows = [b for b in at.button if b.key and b.key.endswith("rows-work-ideology")]
    rows[0].click().run()  # 明细: the rows behind the card
    assert not at.exception
    assert any(len(d.value) == 2 and "category" in d.value.columns for d in at.dataframe)


def test_a_custom_indicator_named_in_markup_shows_literally_on_its_card(app, app_db, workbook):
    """总览's cards are markdown (drawn without waiting for Streamlit's on-demand code): a branch's
    own indicator whose name and unit are markup and HTML show as written, escaped by ``md``."""
    from data.importer import save_targets
    from data.indicators import save_definitions
    from tests.year_workbook import PAGE_DEFINITION
    from ui.messages import md

    name, unit = "研判 **粗体** <b>x</b> [链接](http://evil.example) :red[红]", "<i>次</i>$"
    store = load(app_db, workbook)
    save_definitions(store, [{**PAGE_DEFINITION, "name": name, "unit": unit}], user="t")
    outcome = save_targets(store, YEAR, pd.DataFrame([{"indicator": name, "target": 4}]), user="t")
    assert not outcome.rejected, [i.message for i in outcome.errors]
    at = goto(app().run(), "pages/overview.py")
    assert dict(figures(at))[name] == "2" + unit
    card = at.get_by_key("keep-card-work-ideology")
    assert card.markdown[0].value == f"{md(name)}\n\n{md('2' + unit)}"
    assert all(name not in m.value and "<b>" not in m.value for m in at.markdown)
