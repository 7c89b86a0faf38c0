"""Refusing at scale and 补录 without losing a month (issue #12 points 5 and 6): real xlsx files,
a real SQLite database, the CLI in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from data import schema
from data.importer import import_files, parse
from data.store import Store
from data.validate import LIST_LIMIT
from tests.xlsx_factory import register_rows, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
TYPES = "、".join(schema.STUDY_TYPES)


def study_file(path: Path, rows: list[tuple]) -> Path:
    """A 学习教育 sheet: header in row 1, then (date, 类型, 主题, 主讲人, 应到, 实到) rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "学习教育"
    ws.append(["日期", "类型", "主题", "主讲人", "应到人数", "实到人数"])
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def run_cli(db_url: str, cwd: Path, *args, expect: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == expect, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def live(db_url: str, table: str = "study") -> list[tuple]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            f'SELECT date, type, topic FROM "{table}" WHERE removed_by IS NULL ORDER BY date, seq')).all()
    engine.dispose()
    return [(str(d)[:10], t, topic) for d, t, topic in rows]


# --- 5. refusing at scale ---------------------------------------------------------------------------

def test_many_bad_rows_are_one_grouped_error_per_column_and_reason(tmp_path):
    rows = [(date(2025, 3, 1 + i % 28), "学习", f"专题{i}", "李书记", 30, 28) for i in range(500)]
    rows[10] = (date(2025, 3, 5), "学习", "专题10", "李书记", 30, 31)  # 实到 > 应到 as well
    rows[20] = (date(2025, 3, 6), "开会", "专题20", "李书记", 30, 28)  # a second unknown value
    rows[30] = ("2025-02-30", "集中学习", "专题30", "李书记", 30, 28)  # a bad date
    parsed = parse(study_file(tmp_path / "大表.xlsx", rows))
    errors = parsed.errors
    # Ordered by first row: 类型 from row 2, 实到人数 row 12, 日期 row 32.
    assert [(i.column, i.count) for i in errors] == [("类型", 499), ("实到人数", 1), ("日期", 1)]
    kind = errors[0]
    # Excel rows: header row 1, data from row 2; row 32 (the bad date's row) holds a valid 类型.
    assert kind.rows == tuple(r for r in range(2, 502) if r != 32)
    assert kind.row == 2 and kind.sheet == "学习教育" and kind.file == "大表.xlsx"
    assert kind.values == ("学习", "开会")
    assert kind.expected == "可选：" + TYPES
    first = "、".join(str(r) for r in range(2, 2 + LIST_LIMIT))
    assert kind.message == (f'大表.xlsx 学习教育 第{first}…行等 499 行「类型」"学习"、"开会" 无法识别，可选：{TYPES}')
    # A single bad row keeps the one-row message.
    assert errors[2].message == ('大表.xlsx 学习教育 第32行「日期」"2025-02-30" 无法识别，'
                                 "应为日期，如 2022-03-15、2022/3/15、2022年3月15日")
    assert errors[1].message == '大表.xlsx 学习教育 第12行「实到人数」"31" 大于「应到人数」"30"，应不大于「应到人数」'


def test_one_value_in_a_few_rows_names_every_row(tmp_path):
    good = (date(2025, 3, 1), "集中学习", "学习党章", "李书记", 30, 28)
    rows = [good, *[(date(2025, 3, 2 + i), "学习", f"专题{i}", "李书记", 30, 28) for i in range(3)]]
    parsed = parse(study_file(tmp_path / "f.xlsx", rows))
    assert [i.message for i in parsed.errors] == [f'f.xlsx 学习教育 第3、4、5行「类型」"学习" 无法识别，可选：{TYPES}']


def test_issues_are_grouped_per_sheet(tmp_path):
    good = {"date": "2025-03-01", "type": "集中学习", "topic": "学习党章"}
    bad = {**good, "type": "学习"}
    path = write_xlsx(tmp_path / "两表.xlsx", {"学习教育": register_rows("study", [bad, good, bad]),
                                              "学习教育2": register_rows("study", [good, bad])})
    errors = parse(path).errors
    assert [(i.sheet, i.rows) for i in errors] == [("学习教育", (2, 4)), ("学习教育2", (3,))]


def test_cli_prints_at_most_200_lines_however_many_problems(tmp_path):
    # 250 register sheets, each with its own bad cell: 250 issues that cannot be merged.
    bad = {"date": "2025-03-01", "type": "学习"}
    path = write_xlsx(tmp_path / "多表.xlsx", {f"学习教育{i}": register_rows("study", [{**bad, "topic": f"专题{i}"}])
                                               for i in range(250)})
    db_url = f"sqlite:///{tmp_path / 'x.db'}"
    proc = run_cli(db_url, tmp_path, "import", path, expect=1)
    lines = proc.stdout.splitlines() + proc.stderr.splitlines()
    assert len(lines) <= 200
    assert "另有 60 条未显示" in proc.stderr  # 250 issues, 190 shown
    assert "导入被拒绝" in proc.stderr and "250 个错误" in proc.stderr


# --- 6. 补录 without losing a month ---------------------------------------------------------------------

DEC = [(date(2025, 12, 2 + i), "集中学习", f"十二月第{i + 1}次学习", "李书记", 30, 28) for i in range(12)]
LATE = [(date(2025, 12, 30), "谈心谈话", "补录 年终谈心谈话", "李书记", 5, 5)]


def test_append_adds_the_row_and_removes_nothing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}", branch="一支部")
    import_files(store, [study_file(tmp_path / "2025-12.xlsx", DEC)], user="staff")
    late = study_file(tmp_path / "补录.xlsx", LATE)

    replace = import_files(store, [late], user="staff", dry_run=True).results[0]
    assert (replace.added, replace.removed, replace.kept) == (1, 12, 0)
    assert [(c.register, c.period, c.removed) for c in replace.removed_by_period] == [("study", "2025-12", 12)]
    listed = store.rows_by_id("study", replace.removals["study"])
    assert listed["topic"].tolist() == [r[2] for r in DEC]  # the rows a replace would remove, listed

    result = import_files(store, [late], user="staff", mode="append").results[0]
    assert (result.added, result.removed, result.kept) == (1, 0, 0)
    assert len(store.load("study")) == 13
    assert store.batches()["kind"].tolist() == ["append", "import"]
    # The same 补录 file again, or the whole month with the late row: an exact duplicate is not added twice.
    again = import_files(store, [late], user="staff", mode="append")
    assert again.nothing_to_do
    whole = import_files(store, [study_file(tmp_path / "全月.xlsx", DEC + LATE)], user="staff", mode="append")
    assert whole.nothing_to_do and len(store.load("study")) == 13
    # Undo of the append drops only its row.
    store.undo(int(store.batches()["id"].iloc[0]), user="staff")
    assert len(store.load("study")) == 12


def test_append_adds_a_second_copy_only_when_the_file_has_two(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 's.db'}", branch="一支部")
    import_files(store, [study_file(tmp_path / "a.xlsx", LATE)], user="staff")
    result = import_files(store, [study_file(tmp_path / "b.xlsx", LATE + LATE)], user="staff", mode="append")
    assert (result.results[0].added, result.results[0].kept) == (1, 1)
    assert len(store.load("study")) == 2


def test_cli_append_and_replace_report_removed_rows(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'c.db'}"
    run_cli(db_url, tmp_path, "import", study_file(tmp_path / "2025-12.xlsx", DEC))
    late = study_file(tmp_path / "补录.xlsx", LATE)

    dry = run_cli(db_url, tmp_path, "import", late, "--dry-run").stdout
    assert "学习教育 2025-12：新增 1 行，删除 12 行，保留 0 行" in dry
    assert "替换导入将删除已保存的 12 行（学习教育 2025-12 12 行）" in dry and "--append" in dry

    out = run_cli(db_url, tmp_path, "import", late, "--append").stdout
    assert "学习教育 2025-12：新增 1 行，删除 0 行，保留 0 行" in out
    assert "一行未删" in out
    assert len(live(db_url)) == 13
    assert " append " in run_cli(db_url, tmp_path, "batches").stdout

    # Replace keeps working as scripts expect, and says what it removed.
    out = run_cli(db_url, tmp_path, "import", late).stdout
    assert "替换导入删除了已保存的 12 行（学习教育 2025-12 12 行）" in out
    assert live(db_url) == [("2025-12-30", "谈心谈话", "补录 年终谈心谈话")]


@pytest.mark.parametrize("mode", ["replace", "append"])
def test_a_refused_file_stores_nothing_in_either_mode(tmp_path, mode):
    store = Store(f"sqlite:///{tmp_path / 's.db'}", branch="一支部")
    import_files(store, [study_file(tmp_path / "2025-12.xlsx", DEC)], user="staff")
    bad = study_file(tmp_path / "bad.xlsx", [(datetime(2025, 12, 31), "学习", "x", "李书记", 5, 5)])
    outcome = import_files(store, [bad], user="staff", mode=mode)
    assert outcome.rejected and not outcome.results
    assert len(store.load("study")) == 12 and len(store.batches()) == 1


def test_the_rows_a_replace_removes_are_listed_per_register_and_month(tmp_path):
    from data.importer import import_parsed, removal_rows_frame, removals

    store = Store(f"sqlite:///{tmp_path / 's.db'}", branch="一支部")
    nov = [(date(2025, 11, 5), "支委会", "十一月支委会", "李书记", 5, 5)]
    import_files(store, [study_file(tmp_path / "全年.xlsx", nov + DEC)], user="staff")
    # A file for November (one row changed) and December (the 补录 row only).
    late = study_file(tmp_path / "补录.xlsx", [(date(2025, 11, 5), "支委会", "十一月支委会（改）", "李书记", 5, 5), *LATE])
    preview = import_parsed(store, [parse(late)], user="staff", dry_run=True)
    found = removals(store, preview)
    assert [(r.file, r.register, r.period, len(r.rows)) for r in found] == [
        ("补录.xlsx", "study", "2025-11", 1), ("补录.xlsx", "study", "2025-12", 12)]
    shown = removal_rows_frame(found[1])
    assert list(shown.columns) == [c.label for c in schema.STUDY.columns]
    assert shown["主题"].tolist() == [r[2] for r in DEC] and shown["日期"].iloc[0] == "2025-12-02"
    assert len(store.load("study")) == 13  # a dry run
    assert removals(store, import_parsed(store, [parse(late)], user="staff", dry_run=True, mode="append")) == []


def test_grouped_issue_counts_rows_per_value(tmp_path):
    rows = [(date(2025, 3, 1 + i), "学习" if i % 3 else "开会", f"专题{i}", "李书记", 30, 28) for i in range(9)]
    (issue,) = parse(study_file(tmp_path / "f.xlsx", rows)).errors
    assert (issue.values, issue.counts, issue.register, issue.reason) == (("开会", "学习"), (3, 6), "study",
                                                                          "unrecognised")
