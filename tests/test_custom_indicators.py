"""Issue 15: the 党员发展与组织关系 and 工作台账 registers and the branch's own indicators, on a real
workbook holding all five activity registers; every figure recounted with plain pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from data import texts
from data.audit import entries
from data.errors import DataError, SettingsError
from data.importer import import_files, parse
from data.indicators import from_editor, save_definitions, settings_definitions, stored_definitions, to_editor
from data.schema import normalize_text
from data.settings import load_settings
from data.store import Store
from metrics.catalogue import CATALOGUE, by_key, catalogue_with, rows_for, values
from metrics.progress import progress_table
from metrics.states import Status
from metrics.summary import summarize
from tests.helpers import ROOT
from tests.year_workbook import PAGE_DEFINITION, SINKING, YEAR, write_settings, write_year


@pytest.fixture
def workbook(tmp_path):
    return write_year(tmp_path / "2023年台账.xlsx")


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    path = write_settings(tmp_path / "settings.toml")
    monkeypatch.setenv("DJ_SETTINGS", str(path))
    return path


@pytest.fixture
def frames(workbook):
    parsed = parse(workbook, custom=[("work.reports", "统计专报篇数"), ("volunteer.sinking", "下沉社区干部人数"),
                                     ("work.ideology", "意识形态研判次数")])
    assert not parsed.issues, [i.message for i in parsed.issues]
    return parsed.frames


def sheet(workbook, name: str) -> pd.DataFrame:
    """A sheet read back with plain pandas (Chinese headers), dates as datetimes."""
    df = pd.read_excel(workbook, sheet_name=name, engine="openpyxl")
    return df.assign(日期=pd.to_datetime(df["日期"]))


def in_year(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["日期"].dt.year == YEAR]


# --- the registers --------------------------------------------------------------------------------

def test_membership_indicators_recounted_with_pandas(workbook, frames):
    got = values(frames, YEAR)
    df = in_year(sheet(workbook, "党员发展"))
    event = df["事项"].replace({"发展预备党员": "接收预备党员", "转出": "组织关系转出"})  # the schema's value aliases
    assert got["members.probationary"] == df.loc[event == "接收预备党员", "姓名"].str.strip().nunique() == 2
    assert got["members.full"] == df.loc[event == "预备党员转正", "姓名"].nunique() == 1
    assert got["members.transfers"] == event.isin(["组织关系转入", "组织关系转出"]).sum() == 2


def test_work_register_keeps_the_branchs_own_categories(frames):
    work = frames["work"]
    assert set(work["category"]) == {"统计专报", "专报签批", "意识形态研判", "承诺书"}
    assert work["quantity"].isna().sum() == 3  # blank stays blank in the register; sums count it as one


def test_custom_indicators_from_the_settings_file_recounted_with_pandas(workbook, frames, settings_file):
    catalogue = catalogue_with(settings_definitions())
    assert [i.key for i in catalogue[len(CATALOGUE):]] == ["work.reports", "volunteer.sinking"]
    got = values(frames, YEAR, None, catalogue)
    work = in_year(sheet(workbook, "工作记录"))
    reports = work[work["类别"].str.strip() == "统计专报"]
    assert got["work.reports"] == reports["数量"].fillna(1).sum() == 31  # 10 + 20 + blank (one)
    volunteer = in_year(sheet(workbook, "志愿服务"))
    sinking = volunteer.loc[volunteer["服务类别"] == "疫情防控", "姓名"].nunique()
    assert got["volunteer.sinking"] == sinking == len(SINKING) == 20  # "20名干部下沉社区"
    # the rows behind it: every contributing row, whose distinct 姓名 are the value
    rows = rows_for(by_key("volunteer.sinking", catalogue), frames, YEAR)
    assert len(rows) == (volunteer["服务类别"] == "疫情防控").sum() == 25 and rows["name"].nunique() == 20
    assert len(rows_for(by_key("work.reports", catalogue), frames, YEAR)) == len(reports) == 3


def test_custom_indicators_take_targets_progress_and_the_summary(frames, settings_file):
    catalogue = catalogue_with(settings_definitions(), [PAGE_DEFINITION])
    table = progress_table(frames, YEAR, "2023-06-30", catalogue).set_index("key")
    assert table.at["work.reports", "target"] == 40 and table.at["work.reports", "value"] == 31
    assert table.at["volunteer.sinking", "status"] == Status.DONE
    assert table.at["work.ideology", "value"] == 2 and table.at["work.ideology", "target"] == 4
    summary = summarize(frames, YEAR, branch="测试支部", catalogue=catalogue)
    assert summary.figure("work.reports").text == "31" and summary.figure("work.reports").with_unit == "31篇"
    placeholders = summary.placeholders().set_index("name")
    assert placeholders.at["{{下沉社区干部人数}}", "value"] == "20"
    assert placeholders.at["{{意识形态研判次数}}", "key"] == "{{work.ideology}}"
    assert len(summary.rows("work.ideology")) == 2


def test_the_settings_toml_of_the_issue_is_read_as_written(settings_file):
    first = load_settings().indicators[0]
    assert first == {"key": "work.reports", "name": "统计专报篇数", "register": "work", "agg": "sum",
                     "columns": ["数量"], "unit": "篇", "filter": {"类别": ["统计专报"]}}


@pytest.mark.parametrize("change, words", [
    ({"register": "会议记录"}, ["未知台账“会议记录”"]),
    ({"columns": ["篇数合计"]}, ["没有“篇数合计”列", "工作台账"]),
    ({"filter": {"种类": ["统计专报"]}}, ["没有“种类”列"]),
    ({"register": "volunteer", "columns": ["时长"], "filter": {"服务类别": ["下沉社区"]}},
     ["筛选值“下沉社区”不是“服务类别”列的可选值"]),
    ({"agg": "average"}, ["未知计算方式“average”"]),
    ({"columns": ["类别"]}, ["“类别”不是数字列"]),
    ({"name": "集中学习次数"}, ["“集中学习次数”已被指标“集中学习次数”使用"]),
    ({"key": "study.collective"}, ["“study.collective”已被指标“集中学习次数”使用"]),
    ({"colour": "red"}, ["不认识的项 colour"]),
])
def test_a_bad_definition_is_refused_naming_what_is_wrong(change, words):
    bad = {"key": "work.reports", "name": "统计专报篇数", "register": "work", "agg": "sum", "columns": ["数量"],
           "unit": "篇", "filter": {"类别": ["统计专报"]}, **change}
    with pytest.raises(SettingsError) as from_settings:
        catalogue_with([bad])
    with pytest.raises(DataError) as from_page:
        catalogue_with((), [bad])
    assert not isinstance(from_page.value, SettingsError)
    for word in words:
        assert word in from_settings.value.message and word in from_page.value.message
    assert from_settings.value.message.startswith(texts.CUSTOM_WHERE_SETTINGS)
    assert from_page.value.message.startswith(texts.CUSTOM_WHERE_PAGE)


def test_a_filter_value_with_a_star_matches_like_countif(frames, workbook):
    """``*`` stands for any text (Excel's COUNTIF): on a text column it matches by pattern, on a dropdown
    column it must match one of its values; counted against plain pandas ``str.contains``."""
    site = {"key": "study.integrity_site", "name": "现场学习场次", "register": "学习教育", "agg": "count",
            "unit": "场次", "filter": {"类型": ["*党*"], "主题": ["*党*", "学习*"]}}
    catalogue = catalogue_with([site])
    study = in_year(sheet(workbook, "学习教育"))
    expected = study["类型"].str.contains("党") & (study["主题"].str.contains("党") | study["主题"].str.startswith("学习"))
    assert expected.sum() > 0 and (~expected).sum() > 0
    assert values(frames, YEAR, catalogue=catalogue)["study.integrity_site"] == int(expected.sum())
    described = by_key("study.integrity_site", catalogue)
    from metrics.catalogue import describe

    assert texts.METRIC_WILDCARD_NOTE in describe(described)
    with pytest.raises(SettingsError, match="筛选值“\\*报告\\*”不是“类型”列的可选值"):
        catalogue_with([{**site, "filter": {"类型": ["*报告*"]}}])


def test_two_custom_indicators_may_not_share_a_name(settings_file):
    again = {**PAGE_DEFINITION, "key": "work.other", "name": "统计专报篇数"}
    with pytest.raises(DataError, match="已被指标“统计专报篇数”使用"):
        catalogue_with(settings_definitions(), [again])


# --- stored on the page ---------------------------------------------------------------------------

def test_saved_definitions_are_stored_and_audited_in_one_transaction(store):
    assert stored_definitions(store) == []
    assert save_definitions(store, [PAGE_DEFINITION], user="组织委员") == (1, 0)
    assert stored_definitions(store) == [PAGE_DEFINITION]
    log = entries(store)
    assert log.iloc[0]["action"] == "indicators" and log.iloc[0]["user"] == "组织委员"
    assert "意识形态研判次数" in log.iloc[0]["detail"]
    assert save_definitions(store, [], user="组织委员") == (0, 1)
    assert stored_definitions(store) == [] and len(entries(store)) == 2


def test_a_failed_save_leaves_definitions_and_log_unchanged(store):
    save_definitions(store, [PAGE_DEFINITION], user="甲")
    with pytest.raises(sa.exc.IntegrityError):  # the same key twice: the database refuses the whole save
        save_definitions(store, [PAGE_DEFINITION, PAGE_DEFINITION], user="乙")
    assert stored_definitions(store) == [PAGE_DEFINITION] and len(entries(store)) == 1


def test_the_editor_cells_round_trip():
    rows = pd.DataFrame([{"key": "work.ideology", "name": "意识形态研判次数", "register": "工作台账", "agg": "count",
                          "columns": "", "filter": "类别=意识形态研判、专题研判; 对象=市直机关工委", "unit": "次"},
                         {k: None for k in ("key", "name", "register", "agg", "columns", "filter", "unit")}])
    definitions = from_editor(rows)
    assert definitions == [{"key": "work.ideology", "name": "意识形态研判次数", "register": "工作台账", "agg": "count",
                            "columns": [], "unit": "次",
                            "filter": {"类别": ["意识形态研判", "专题研判"], "对象": ["市直机关工委"]}}]
    assert from_editor(to_editor(definitions)) == definitions
    catalogue_with((), definitions)  # and it checks out


# --- targets -------------------------------------------------------------------------------------

def test_targets_naming_a_custom_indicator_need_it_declared(workbook):
    bare = parse(workbook)
    # One grouped error (per sheet, column and reason) naming the three undeclared indicators.
    [error] = bare.errors
    assert error.column == "指标" and len(error.rows) == 3
    assert all(name in error.message for name in ("统计专报篇数", "volunteer.sinking", "意识形态研判次数"))


def test_import_accepts_targets_of_settings_and_page_indicators(store, workbook, settings_file):
    save_definitions(store, [PAGE_DEFINITION], user="甲")
    outcome = import_files(store, [workbook], user="甲")
    assert not outcome.rejected, [i.message for i in outcome.errors]


# --- the CLI -------------------------------------------------------------------------------------

@pytest.fixture
def cli(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"

    def run(*args, expect=0, settings=None):
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        env.pop("DJ_SETTINGS", None)
        if settings:
            env["DJ_SETTINGS"] = str(settings)
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == expect, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    run.url = url
    return run


def test_cli_imports_all_five_registers_exports_them_and_lists_custom_indicators(cli, tmp_path, workbook):
    settings = write_settings(tmp_path / "settings.toml")
    bare = write_year(tmp_path / "无目标.xlsx", targets=False)
    cli("import", bare)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJ_SETTINGS", str(settings))
        branch = load_settings().branch
    save_definitions(Store(cli.url, branch=branch), [PAGE_DEFINITION], user="甲")
    cli("import", workbook, expect=1)  # targets of custom indicators unknown without the settings file
    cli("import", workbook, settings=settings)

    for register, sheet_name, count in (("membership", "党员发展", 8), ("work", "工作记录", 8)):
        out = tmp_path / f"{register}.xlsx"
        cli("export", register, "--out", out)
        exported = pd.read_excel(out, sheet_name=0, engine="openpyxl")
        original = pd.read_excel(workbook, sheet_name=sheet_name, engine="openpyxl")
        assert len(exported) == len(original) == count
        # as stored: normalised text (full-width brackets to ASCII), value aliases to the canonical value
        assert sorted(exported["事项"].astype(str)) == sorted(original["事项"].map(normalize_text).replace(
            {"发展预备党员": "接收预备党员", "转出": "组织关系转出"}))

    records = {r["key"]: r for r in json.loads(cli("indicators", "--year", YEAR, "--json", settings=settings).stdout)}
    assert records["work.reports"]["value"] == 31 and records["work.reports"]["target"] == 40
    assert records["volunteer.sinking"]["value"] == 20 and records["volunteer.sinking"]["name"] == "下沉社区干部人数"
    assert records["work.ideology"]["value"] == 2 and records["members.probationary"]["value"] == 2
    assert "工作台账" in records["work.reports"]["description"]
    plain = {r["key"] for r in json.loads(cli("indicators", "--year", YEAR, "--json").stdout)}
    assert "work.ideology" in plain and "work.reports" not in plain

    bad = tmp_path / "bad.toml"
    bad.write_text(settings.read_text(encoding="utf-8").replace('"类别"', '"种类"'), encoding="utf-8")
    proc = cli("indicators", "--year", YEAR, settings=bad, expect=1)
    assert "没有“种类”列" in proc.stderr and "Traceback" not in proc.stderr


def test_template_has_both_registers_with_the_event_dropdown(tmp_path, cli):
    out = tmp_path / "模板.xlsx"
    cli("template", out)
    book = openpyxl.load_workbook(out)
    assert {"党员发展与组织关系", "工作台账"} <= set(book.sheetnames)
    sheet = book["党员发展与组织关系"]
    assert [c.value for c in sheet[1]] == ["日期", "姓名", "事项", "备注"]
    assert any("接收预备党员" in (v.formula1 or "") for v in sheet.data_validations.dataValidation)
    assert [c.value for c in book["工作台账"][1]] == ["日期", "类别", "事项", "数量", "单位", "对象", "备注"]
