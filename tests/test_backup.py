"""data.backup: the whole database to one workbook and back, exactly, table by table and row by row;
restore only into an empty database, through the file safety check, all or nothing."""

from __future__ import annotations

import hashlib
import io
import sqlite3

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

import cli
from data import audit, backup, schema, texts
from data.demo import load_demo
from data.errors import DataError, RejectedFile
from metrics.frames import contract_frame
from data.store import Store
from data.tables import AUDIT_LOG, METADATA

BRANCH = "测试支部"


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table, by primary key."""
    with store.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
                for t in METADATA.sorted_tables}


def sqlite_store(path) -> Store:
    return Store(f"sqlite:///{path}", branch=BRANCH)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    """A SQLite database holding the demo year, an undo and a user change, built once."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = sqlite_store(path)
    outcome = load_demo(store)
    assert not outcome.rejected
    store.undo(outcome.results[-1].batch_id, user="组织委员")
    store.audit("user_add", user="管理员", detail="用户：张三（录入）")
    return path


@pytest.fixture(scope="module")
def demo_backup(demo_file) -> bytes:
    return backup.backup_bytes(sqlite_store(demo_file))


@pytest.fixture
def demo(demo_file, tmp_path) -> Store:
    """A private copy of the demo database."""
    copy = tmp_path / "copy.db"
    source, target = sqlite3.connect(demo_file), sqlite3.connect(copy)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return sqlite_store(copy)


def test_demo_year_round_trip_compares_every_table(demo, store):
    before = snapshot(demo)
    content = backup.backup_bytes(demo)
    rows = backup.restore(store, content, file_name="备份.xlsx", user="管理员")
    after = snapshot(store)
    assert set(after) == {t.name for t in METADATA.sorted_tables}
    for name, expected in before.items():
        got = after[name][:-1] if name == AUDIT_LOG.name else after[name]
        assert got == expected, name
    assert rows == sum(len(v) for v in before.values())
    restored = audit.entries(store).iloc[0]
    assert (restored["action"], restored["user"], restored["rows_added"]) == ("restore", "管理员", rows)
    # The restored database works: the store reads it and a new import gets the next batch id.
    assert store.counts() == demo.counts()
    assert len(store.batches()) == len(demo.batches())


typed = contract_frame  # a typed frame (schema DataFrame contract) from dict rows


AWKWARD = [
    {"date": "2025-03-05", "type": "集中学习", "topic": "=1+1", "speaker": "@书记", "hours": 0.1 + 0.2,
     "expected": 2**60, "present": 1, "note": "_x0041_ 与 a\x01b 与 _x005F_ 与 x005F_y"},
    {"date": "1899-12-31", "type": "其他", "topic": "line\nbreak\ttab", "hours": 1 / 3, "place": "\ufffe",
     "attendees": "甲、乙", "group": "-1"},
    {"date": "2025-03-06", "type": "其他", "topic": "长" * 30_000, "speaker": "", "hours": 1e-300},
]


def test_awkward_values_come_back_exactly(tmp_path):
    source = sqlite_store(tmp_path / "a.db")
    source.import_frames({"study": typed("study", AWKWARD)}, file_name="=cmd|'/c calc'!A1.xlsx",
                         sha256="f" * 64, user="+甲")
    target = sqlite_store(tmp_path / "b.db")
    backup.restore(target, backup.backup_bytes(source), file_name="b.xlsx", user="乙")
    before, after = snapshot(source), snapshot(target)
    assert after["audit_log"][:-1] == before["audit_log"]
    assert {k: v for k, v in after.items() if k != "audit_log"} == \
           {k: v for k, v in before.items() if k != "audit_log"}


def test_text_longer_than_an_excel_cell_is_refused_not_cut(tmp_path):
    source = sqlite_store(tmp_path / "a.db")
    source.import_frames({"study": typed("study", [{**AWKWARD[0], "note": "长" * 40_000}])},
                         file_name="a.xlsx", sha256="f" * 64, user="甲")
    with pytest.raises(DataError) as err:
        backup.backup_bytes(source)
    assert err.value.message == texts.BACKUP_TOO_LONG.format(sheet=schema.STUDY.name, row=2, column="note")


def test_the_workbook_opens_as_excel_expects(demo):
    content = backup.backup_bytes(demo)
    book = openpyxl.load_workbook(io.BytesIO(content))
    names = [backup.sheet_name(t) for t in backup.tables()]
    assert book.sheetnames == [texts.BACKUP_INFO_SHEET, *names]
    assert all(len(n) <= 31 for n in book.sheetnames) and len(set(book.sheetnames)) == len(book.sheetnames)
    assert {t.name for t in backup.tables()} == {t.name for t in METADATA.sorted_tables}
    study = book[schema.STUDY.name]
    header = [c.value for c in study[1]]
    assert header[:7] == ["id", "branch", "period", "row_hash", "seq", "batch_id", "removed_by"]
    assert header[7:] == schema.STUDY.keys
    assert study.cell(2, header.index("date") + 1).is_date
    assert all(c.data_type != "f" for row in study.iter_rows() for c in row)


def test_taking_a_backup_is_audited(demo):
    content = backup.backup(demo, user="管理员", file_name="b.xlsx")
    row = audit.entries(demo).iloc[0]
    assert (row["action"], row["user"], row["file_name"]) == ("backup", "管理员", "b.xlsx")
    assert row["sha256"] == hashlib.sha256(content).hexdigest()


def test_restore_refuses_a_database_that_holds_data(demo):
    content = backup.backup_bytes(demo)
    before = snapshot(demo)
    with pytest.raises(DataError) as err:
        backup.restore(demo, content, file_name="b.xlsx", user="甲")
    assert err.value.message.startswith("数据库中已有数据（学习教育、检查核查、志愿服务、计划目标、党员名册")
    assert snapshot(demo) == before


def test_restore_keeps_audit_rows_already_there(demo, store):
    store.audit("user_add", user="新服务器管理员", detail="用户：新服务器管理员（管理）")
    content = backup.backup_bytes(demo)
    backup.restore(store, content, file_name="b.xlsx", user="新服务器管理员")
    before, after = snapshot(demo), snapshot(store)
    assert after["study"] == before["study"] and after["batches"] == before["batches"]
    restored = after["audit_log"]
    assert restored[0].user == "新服务器管理员" and restored[-1].action == "restore"
    assert [r[1:] for r in restored[1:-1]] == [r[1:] for r in before["audit_log"]]  # same but the id


def edited(content: bytes, sheet: str, edit) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(content))
    edit(book[sheet])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def set_cell(row: int, column: str, value):
    def edit(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row, header.index(column) + 1).value = value
    return edit


@pytest.mark.parametrize("change, message", [
    (lambda c: b"not a workbook at all", texts.SAFETY_NOT_XLSX.format(file="b.xlsx")),
    (lambda c: edited(c, texts.BACKUP_INFO_SHEET, lambda s: setattr(s.cell(2, 2), "value", "v0")),
     texts.BACKUP_NOT_BACKUP.format(file="b.xlsx", sheet=texts.BACKUP_INFO_SHEET)),
    (lambda c: edited(c, schema.STUDY.name, lambda s: s.delete_rows(5)),
     lambda n: texts.BACKUP_COUNT_MISMATCH.format(file="b.xlsx", sheet=schema.STUDY.name, expected=n,
                                                  found=n - 1)),
    (lambda c: edited(c, schema.STUDY.name, set_cell(1, "topic", "主题")), None),
    (lambda c: edited(c, schema.STUDY.name, set_cell(3, "hours", "两小时")),
     texts.BACKUP_BAD_VALUE.format(file="b.xlsx", sheet=schema.STUDY.name, row=3, column="hours",
                                   value="两小时")),
    (lambda c: edited(c, schema.STUDY.name, set_cell(3, "batch_id", 999)),
     texts.BACKUP_INCONSISTENT.format(file="b.xlsx")),
    (lambda c: edited(c, schema.STUDY.name, lambda s: setattr(s.cell(3, 1), "value", s.cell(2, 1).value)),
     texts.BACKUP_INCONSISTENT.format(file="b.xlsx")),  # two rows with one id
], ids=["not-a-workbook", "not-a-backup", "row-deleted", "header-changed", "bad-value", "unknown-batch",
        "duplicate-id"])
def test_a_damaged_or_foreign_file_restores_nothing(demo_file, demo_backup, store, change, message):
    content = change(demo_backup)
    with pytest.raises(DataError) as err:
        backup.restore(store, content, file_name="b.xlsx", user="甲")
    if message is None:
        assert err.value.message.startswith(f"b.xlsx 的“{schema.STUDY.name}”工作表缺失或表头不对")
    elif callable(message):
        assert err.value.message == message(len(snapshot(sqlite_store(demo_file))["study"]))  # live or not
    else:
        assert err.value.message == message
    assert all(not rows for rows in snapshot(store).values())


def test_restore_goes_through_the_upload_safety_check(store):
    with pytest.raises(RejectedFile):
        backup.restore(store, b"PK\x03\x04 truncated zip", file_name="b.xlsx", user="甲")


def test_cli_backup_then_restore(demo, tmp_path, monkeypatch, capsys):
    out = tmp_path / "备份.xlsx"
    monkeypatch.setenv("DATABASE_URL", str(demo.engine.url))
    monkeypatch.setenv("DJ_BRANCH", BRANCH)
    before = snapshot(demo)
    assert cli.main(["backup", str(out), "--user", "管理员"]) == cli.EXIT_OK
    assert cli.main(["backup", str(tmp_path / "b.csv")]) == cli.EXIT_USAGE
    assert audit.entries(demo).iloc[0]["action"] == "backup"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    assert cli.main(["restore", str(out)]) == cli.EXIT_OK
    assert cli.main(["restore", str(out)]) == cli.EXIT_REFUSED
    assert cli.main(["restore", str(tmp_path / "missing.xlsx")]) == cli.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "只能恢复到空数据库" in err and texts.READER_NO_FILE.format(file=tmp_path / "missing.xlsx") in err
    after = snapshot(sqlite_store(tmp_path / "new.db"))
    assert after["study"] == before["study"] and after["audit_log"][:-1] == before["audit_log"]
    assert after["audit_log"][-1].action == "restore"
