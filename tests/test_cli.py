"""The CLI end to end, as staff and cron use it: real processes, real xlsx files, a real SQLite file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from tests.helpers import ROOT



@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def cli(db_url, tmp_path):
    def run(*args, expect=0):
        env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == expect, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    return run


def db_state(db_url: str) -> dict[str, list[tuple]]:
    """Every row of every table: the database's whole state, to compare before and after."""
    engine = sa.create_engine(db_url)
    meta = sa.MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        state = {name: sorted(map(tuple, conn.execute(sa.select(t)).all()), key=repr)
                 for name, t in meta.tables.items()}
    engine.dispose()
    return state


def live_rows(db_url: str, table: str) -> list[dict]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f'SELECT * FROM "{table}" WHERE removed_by IS NULL ORDER BY seq')).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


def study_workbook(path: Path, rows: list[tuple], *, title: str | None = "2025年市统计局党支部学习台账") -> Path:
    """A 学习教育 sheet like staff keep it: title row, 序号 column, footer line."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学习教育"
    if title:
        ws.append([title])
    ws.append(["序号", "日期", "类型", "主题", "主讲人", "应到人数", "实到人数"])
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    ws.append(["填表人：张三"])
    wb.save(path)
    return path


JAN = [(date(2025, 1, 8), "集中学习", "学习二十大精神", "李书记", 30, 28),
       (date(2025, 1, 15), "支委会", "研究年度计划", "李书记", 5, 5)]
FEB = [(date(2025, 2, 12), "主题党日", "志愿服务进社区", "王委员", 30, 27)]


def test_every_command_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    from cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in sub.choices:
        assert f"python cli.py {command}" in readme, f"cli.py {command} is not documented in README.md"


def test_template_filled_imports_round_trip(cli, tmp_path, db_url):
    template = tmp_path / "template.xlsx"
    cli("template", template)
    wb = openpyxl.load_workbook(template)
    ws = wb["志愿服务"]
    headers = [c.value for c in ws[1]]
    row = {"日期": datetime(2025, 3, 5), "姓名": "赵六", "活动名称": "植树", "服务类别": "植树绿化",
           "服务地点": "贺兰山", "时长": 2.5, "记录方式": "签到", "备注": "第一批"}
    ws.append([row.get(h) for h in headers])
    wb.save(template)
    cli("import", template, "--user", "tester")
    stored = live_rows(db_url, "volunteer")
    assert len(stored) == 1
    got = stored[0]
    assert str(got["date"])[:10] == "2025-03-05"
    assert (got["name"], got["activity"], got["category"], got["place"], got["hours"], got["method"], got["note"]) == (
        "赵六", "植树", "植树绿化", "贺兰山", 2.5, "签到", "第一批")


def test_import_reimport_replace_month_and_undo(cli, tmp_path, db_url):
    jan = study_workbook(tmp_path / "2025-01.xlsx", JAN)
    feb = study_workbook(tmp_path / "2025-02.xlsx", FEB)
    out = cli("import", jan, feb, "--user", "tester").stdout
    assert "批次" in out
    assert len(live_rows(db_url, "study")) == 3

    before = db_state(db_url)
    out = cli("import", jan).stdout
    assert "无需导入" in out
    assert db_state(db_url) == before

    # A corrected January: one row changed, February untouched.
    fixed = [JAN[0], (date(2025, 1, 15), "支委会", "研究年度计划", "李书记", 5, 4)]
    dry = cli("import", study_workbook(tmp_path / "2025-01-fixed.xlsx", fixed), "--dry-run").stdout
    assert re.search(r"学习教育 2025-01：新增 1 行，删除 1 行，保留 1 行", dry)
    assert db_state(db_url) == before
    cli("import", tmp_path / "2025-01-fixed.xlsx")
    rows = live_rows(db_url, "study")
    assert sorted((str(r["date"])[:10], r["present"]) for r in rows) == [
        ("2025-01-08", 28), ("2025-01-15", 4), ("2025-02-12", 27)]

    batches = cli("batches").stdout
    assert "2025-01-fixed.xlsx" in batches
    latest = max(int(n) for n in re.findall(r"^\s*(\d+)\s", batches, re.M))
    cli("undo", latest)
    assert db_state(db_url)["study"] == before["study"]
    # Undoing it twice is refused with a message.
    err = cli("undo", latest, expect=1).stderr
    assert str(latest) in err


def test_bad_row_rejected_names_row_and_column_and_stores_nothing(cli, tmp_path, db_url):
    cli("import", study_workbook(tmp_path / "ok.xlsx", JAN))
    before = db_state(db_url)
    bad = study_workbook(tmp_path / "bad.xlsx", [FEB[0], (date(2025, 2, 20), "学习", "未知类型", "王委员", 30, 20)])
    proc = cli("import", bad, expect=1)
    # Title row 1, header row 2, data rows 3 and 4: the bad row is Excel row 4.
    assert re.search(r"bad\.xlsx.*学习教育.*第4行.*「类型」.*学习", proc.stderr), proc.stderr
    assert "集中学习" in proc.stderr  # what was expected
    assert db_state(db_url) == before


def test_export_filters_and_writes_both_formats(cli, tmp_path, db_url):
    cli("import", study_workbook(tmp_path / "a.xlsx", JAN + FEB))
    cli("export", "study", "--out", tmp_path / "out.xlsx", "--from", "2025-01-01", "--to", "2025-01-31",
        "--type", "集中学习")
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx").worksheets[0]
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:3] == ("日期", "类型", "主题")
    assert len(values) == 2 and values[1][1] == "集中学习"
    cli("export", "study", "--out", tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").count("\n") == 4  # header + 3 rows
    cli("export", "study", "--out", tmp_path / "out.txt", expect=2)


def test_usage_errors_exit_2(cli):
    cli(expect=2)
    cli("export", "nosuchregister", "--out", "x.xlsx", expect=2)
    cli("indicators", expect=2)


def targets_workbook(path: Path, rows: list[tuple]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "计划目标"
    ws.append(["年度", "指标", "目标值"])
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def test_one_target_per_indicator_and_year(cli, tmp_path, db_url):
    # The same indicator by its name and by its key, in one year: refused, naming the later row.
    bad = targets_workbook(tmp_path / "bad.xlsx", [(2025, "集中学习次数", 24), (2025, "study.collective", 30)])
    err = cli("import", bad, expect=1).stderr
    assert re.search(r"bad\.xlsx 计划目标 第3行「指标」\"study\.collective\" 与第2行重复", err), err
    assert "targets" not in db_state(db_url) or not db_state(db_url)["targets"]
    # The same indicator in two years is two targets.
    cli("import", targets_workbook(tmp_path / "ok.xlsx", [(2024, "集中学习次数", 20), (2025, "study.collective", 24)]))
    assert sorted((r["year"], r["target"]) for r in live_rows(db_url, "targets")) == [(2024, 20.0), (2025, 24.0)]


def test_a_malformed_local_rule_is_refused_with_its_reason(cli, tmp_path, monkeypatch):
    settings = tmp_path / "settings.toml"
    settings.write_text('[[local_rules]]\ntype = "讲党课"\nevery = "fortnight"\n', encoding="utf-8")
    monkeypatch.setenv("DJ_SETTINGS", str(settings))
    for args in (("compliance", "--year", "2025"), ("report", "--year", "2025", "--out", tmp_path / "r.docx")):
        err = cli(*args, expect=1).stderr
        assert "第1条" in err and "fortnight" in err, err
    assert not (tmp_path / "r.docx").exists()


def test_json_carries_the_stable_state_and_its_label(cli, tmp_path):
    cli("import", study_workbook(tmp_path / "s.xlsx", JAN + FEB), "--user", "tester")
    cli("import", targets_workbook(tmp_path / "t.xlsx", [(2025, "集中学习次数", 24), (2025, "支委会次数", 1)]))
    when = ("--year", "2025", "--as-of", "2025-03-31")
    indicators = {r["key"]: r for r in json.loads(cli("indicators", *when, "--json").stdout)}
    # 集中学习 1 of 24 (4.2%) against 序时进度 90/365 (24.7%): behind; 支委会 1 of 1: done.
    assert (indicators["study.collective"]["status"], indicators["study.collective"]["status_label"]) == (
        "behind", "滞后")
    assert (indicators["study.committee"]["status"], indicators["study.committee"]["status_label"]) == ("done", "已完成")
    assert (indicators["study.discussion"]["status"], indicators["study.discussion"]["status_label"]) == (None, None)
    cells = {(r["rule"], r["period"]): r for r in json.loads(cli("compliance", *when, "--json").stdout)}
    assert [(cells["committee", m]["status"], cells["committee", m]["status_label"]) for m in (1, 2, 4)] == [
        ("met", "达标"), ("missed", "缺失"), ("not_due", "未到期")]
    # The text output is unchanged: labels only.
    text = cli("indicators", *when).stdout
    line = next(ln for ln in text.splitlines() if ln.startswith("集中学习次数"))
    assert "滞后" in line.split() and "behind" not in text
    assert "2月 缺失" in cli("compliance", *when).stdout


# --- refusals end in a Chinese message and exit 1, never a traceback (cli.main) ---------------------


@pytest.mark.parametrize("args", [
    ("backup", "{missing}/x.zip"),
    ("export", "volunteer", "--out", "{missing}/x.xlsx"),
    ("export", "volunteer", "--out", "{missing}/x.csv"),
    ("template", "{missing}/t.xlsx"),
    ("report", "--year", "2025", "--out", "{missing}/r.docx"),
    ("export", "volunteer", "--out", "{folder}.xlsx"),
])
def test_an_unwritable_output_path_is_a_chinese_message_and_exit_1(cli, db_url, tmp_path, args):
    from data import texts

    (tmp_path / "a-folder.xlsx").mkdir()
    cli("demo")
    before = db_state(db_url)
    paths = {"missing": tmp_path / "no-such-folder", "folder": tmp_path / "a-folder"}
    proc = cli(*(a.format(**paths) for a in args), expect=1)
    assert "Traceback" not in proc.stderr
    target = next(a.format(**paths) for a in args if "{" in a)
    reason = texts.WRITE_FAILED_IS_FOLDER if "{folder}" in "".join(args) else texts.WRITE_FAILED_NO_FOLDER
    assert proc.stderr.strip() == texts.WRITE_FAILED.format(path=target, reason=reason)
    assert db_state(db_url) == before  # no audit row for a backup that was never written
    assert not (tmp_path / "no-such-folder").exists()


def test_a_read_only_folder_is_refused_and_a_failed_command_leaves_no_empty_file(cli, db_url, tmp_path):
    from data import texts

    if os.geteuid() == 0:
        pytest.skip("root may write into a read-only folder")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        proc = cli("backup", folder / "b.zip", expect=1)
    finally:
        folder.chmod(0o700)
    assert proc.stderr.strip() == texts.WRITE_FAILED.format(path=folder / "b.zip",
                                                            reason=texts.WRITE_FAILED_PERMISSION)


def test_a_missing_input_file_is_a_chinese_message_and_exit_1(cli, tmp_path):
    from data import texts

    proc = cli("restore", tmp_path / "nope.xlsx", expect=1)
    assert proc.stderr.strip() == texts.READER_NO_FILE.format(file=tmp_path / "nope.xlsx")
    proc = cli("report", "--year", "2025", "--template", tmp_path / "nope.docx", "--out", tmp_path / "r.docx",
               expect=1)
    assert proc.stderr.strip() == texts.REPORT_TEMPLATE_NOT_FOUND.format(file=tmp_path / "nope.docx")
    assert not (tmp_path / "r.docx").exists()  # the output is not left behind empty


def test_main_turns_any_data_error_into_its_message_in_one_place(capsys, monkeypatch, tmp_path):
    """Every error class of the tree reaches the user the same way, whatever command raised it."""
    import cli as cli_module
    from data import errors

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    for kind in (errors.DataError, errors.RejectedFile, errors.UndoRefused, errors.SettingsError,
                 errors.WriteFailed):
        def refuse(args, kind=kind):
            raise kind(f"{kind.__name__}：说明")

        monkeypatch.setattr(cli_module, "cmd_batches", refuse)
        assert cli_module.main(["batches"]) == 1
        assert capsys.readouterr().err == f"{kind.__name__}：说明\n"
