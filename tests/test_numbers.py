"""Hostile numbers (issue #13.6): a cell holding inf, -inf, 1E+400 or a number past the schema's
bounds is refused at import with its row and column, in every number column of every register; a
value already stored that no import accepts (written before these checks, or by hand) is read as
empty by every reader and never crashes the overview, the indicators, the report or a backup."""

from __future__ import annotations

import io
import math
import zipfile

import pandas as pd
import pytest

import cli
from data import backup, schema
from data.errors import DataError
from data.importer import import_files, parse
from data.store import Store
from tests.helpers import figures
from tests.xlsx_factory import register_rows, xlsx_bytes

SENTINEL = 4242.5  # written by openpyxl as <v>4242.5</v>, then replaced in the sheet's XML
GOOD = {
    "study": {"date": "2025-03-05", "type": "集中学习", "topic": "学习党章", "expected": 10, "present": 8,
              "hours": 2},
    "inspections": {"date": "2025-03-05", "type": "统计执法检查", "object": "某企业", "category": "企业",
                    "issues": 3},
    "volunteer": {"date": "2025-03-05", "name": "张三", "activity": "清扫", "hours": 2},
    "targets": {"year": 2025, "indicator": "集中学习次数", "target": 12},
    "work": {"date": "2025-03-05", "category": "统计专报", "item": "3月经济运行分析", "quantity": 2},
}
NUMBER_COLUMNS = [(key, col) for key, reg in schema.REGISTERS.items() for col in reg.columns
                  if col.kind in (schema.INT, schema.FLOAT, schema.YEAR)]


def workbook(register: str, column: str, raw: str) -> bytes:
    """A real workbook whose one row holds ``raw`` as the number cell of ``column`` (as a file
    edited by hand or written by another program can)."""
    record = {**GOOD[register], column: SENTINEL}
    if column == "expected":  # keep 实到 <= 应到 out of the way
        record["present"] = None
    content = xlsx_bytes({schema.REGISTERS[register].name: register_rows(register, [record])})
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                assert data.count(b"<v>4242.5</v>") == 1
                data = data.replace(b"<v>4242.5</v>", f"<v>{raw}</v>".encode())
            target.writestr(info, data)
    return out.getvalue()


def test_every_register_number_column_is_bounded():
    """The schema states a finite range for every number column (the import's and restore's bounds)."""
    for key, col in NUMBER_COLUMNS:
        assert col.min is not None and col.max is not None and math.isfinite(col.max), (key, col.key)
    assert schema.TARGETS.column("target").max == schema.MAX_TARGET


@pytest.mark.parametrize("raw", ["1E+400", "-1E+400", "inf", "INF", "-inf", "1e300"])
@pytest.mark.parametrize("register, column", [(k, c.key) for k, c in NUMBER_COLUMNS],
                         ids=[f"{k}.{c.key}" for k, c in NUMBER_COLUMNS])
def test_an_infinite_or_huge_number_is_refused_with_row_and_column(register, column, raw):
    parsed = parse(workbook(register, column, raw), "t.xlsx")
    errors = [i for i in parsed.issues if i.level == "error"]
    label = schema.REGISTERS[register].column(column).label
    assert [(i.sheet, i.row, i.column) for i in errors] == [(schema.REGISTERS[register].name, 2, label)]
    assert "超出范围" in errors[0].message and f"第2行「{label}」" in errors[0].message


def test_a_nan_number_cell_reads_as_empty_and_a_required_one_is_refused():
    parsed = parse(workbook("targets", "target", "NaN"), "t.xlsx")
    assert [(i.row, i.column) for i in parsed.issues if i.level == "error"] == [(2, "目标值")]


def test_a_target_within_bounds_is_kept_and_one_above_is_refused(tmp_path):
    assert not parse(workbook("targets", "target", "10000000"), "t.xlsx").errors
    errors = parse(workbook("targets", "target", "10000000.5"), "t.xlsx").errors
    assert len(errors) == 1 and "不大于 10000000" in errors[0].message


def poison(url: str, branch: str, tmp_path) -> Store:
    """A database whose 2025 target and a 学习教育 date were overwritten by hand with values no
    import accepts (inf, and year 1), as a database from before these checks may hold."""
    store = Store(url, branch=branch)
    path = tmp_path / "a.xlsx"
    targets = [GOOD["targets"], {**GOOD["targets"], "indicator": "讲党课次数", "target": 4}]
    path.write_bytes(xlsx_bytes({"计划目标": register_rows("targets", targets),
                                 "学习教育": register_rows("study", [GOOD["study"], {**GOOD["study"], "topic": "二"}])}))
    assert not import_files(store, [path], user="甲").rejected
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE targets SET target = 9e999 WHERE indicator = '集中学习次数'")
        conn.exec_driver_sql("UPDATE study SET date = '0001-01-01' WHERE topic = '二'")
        assert conn.exec_driver_sql("SELECT max(target) FROM targets").scalar_one() == math.inf
    return store


@pytest.fixture
def poisoned(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DJ_BRANCH", "测试支部")
    return poison(url, "测试支部", tmp_path)


def test_stored_inf_and_year_one_read_as_empty(poisoned):
    targets = poisoned.load("targets").set_index("indicator")["target"]
    assert math.isnan(targets["集中学习次数"]) and targets["讲党课次数"] == 4
    study = poisoned.load("study")
    assert study["date"].isna().tolist() == [True, False] or study["date"].isna().tolist() == [False, True]


def test_narrow_loads_read_hand_written_values_as_the_whole_load_does(poisoned):
    """The column-wise read of the metrics' frames meets the same stored values: inf (not JSON),
    year 1, and text in a date or number column (the row-by-row read takes over for the order)."""
    for register, columns in (("targets", ["year", "target"]), ("study", ["date", "hours"])):
        pd.testing.assert_frame_equal(poisoned.load(register, columns=columns), poisoned.load(register)[columns])
    with poisoned.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE study SET hours = 'abc' WHERE topic = '二'")
    pd.testing.assert_frame_equal(poisoned.load("study", columns=["date", "hours"]),
                                  poisoned.load("study")[["date", "hours"]])
    with poisoned.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE study SET date = '某天' WHERE topic = '二'")
    narrow = poisoned.load("study", columns=["date", "type", "hours"])
    pd.testing.assert_frame_equal(narrow, poisoned.load("study")[["date", "type", "hours"]])
    assert narrow["date"].isna().sum() == 1 and narrow["hours"].isna().sum() == 1


def test_stored_inf_does_not_break_indicators_report_or_export(poisoned, tmp_path, capsys):
    assert cli.main(["indicators", "--year", "2025", "--json"]) == cli.EXIT_OK
    assert "inf" not in capsys.readouterr().out.lower()
    assert cli.main(["report", "--year", "2025", "--out", str(tmp_path / "r.docx")]) == cli.EXIT_OK
    assert cli.main(["export", "study", "--out", str(tmp_path / "s.xlsx")]) == cli.EXIT_OK
    assert cli.main(["export", "targets", "--out", str(tmp_path / "t.csv")]) == cli.EXIT_OK


def test_a_backup_names_the_stored_value_it_cannot_keep(poisoned, tmp_path):
    with pytest.raises(DataError) as err:
        backup.backup_to(poisoned, tmp_path / "b.zip")
    assert "计划目标" in err.value.message and "目标值" in err.value.message and "inf" in err.value.message
    assert not (tmp_path / "b.zip").exists()


def test_the_overview_shows_no_inf_target(app, app_db, tmp_path):
    from data.settings import load_settings

    poison(app_db, load_settings().branch, tmp_path)
    at = app().run()
    assert not at.exception
    assert [name for name, _ in figures(at)] == ["讲党课次数"]
    shown = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert "目标 4" in shown and "inf" not in shown.lower()
