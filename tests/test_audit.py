"""data.audit and the audit rows the store writes: one per import, target change and undo, in the
same transaction; append-only in the database; filters, display and downloads."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from data import audit, texts
from data.importer import import_files, parse, save_targets
from data.store import Store
from data.tables import AUDIT_LOG, BATCHES
from tests.xlsx_factory import register_rows, write_xlsx


def study_file(tmp_path, name: str, topics: list[str], day: str = "2025-03-05"):
    rows = [{"date": date.fromisoformat(day), "type": "集中学习", "topic": t} for t in topics]
    return write_xlsx(tmp_path / name, {"学习教育": register_rows("study", rows)})


def log(store: Store) -> pd.DataFrame:
    return audit.entries(store).sort_values("id").reset_index(drop=True)


def test_an_import_writes_one_audit_row_with_file_hash_batch_and_rows(store, tmp_path):
    path = study_file(tmp_path, "3月.xlsx", ["学习党章", "学习党史"])
    outcome = import_files(store, [path], user="组织委员")
    [row] = log(store).to_dict("records")
    assert row["action"] == "import" and row["user"] == "组织委员" and row["file_name"] == "3月.xlsx"
    assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["batch_id"] == outcome.results[0].batch_id
    assert (row["rows_added"], row["rows_removed"]) == (2, 0)
    assert row["detail"] == texts.AUDIT_DETAIL_PART.format(register="学习教育", periods="2025-03")
    assert abs(row["at"] - datetime.now(UTC).replace(tzinfo=None)) < timedelta(hours=1)


def test_replacing_then_undoing_are_recorded_with_their_counts(store, tmp_path):
    import_files(store, [study_file(tmp_path, "a.xlsx", ["一", "二", "三"])], user="甲")
    second = import_files(store, [study_file(tmp_path, "b.xlsx", ["一", "四"])], user="乙")
    store.undo(second.results[0].batch_id, user="丙")
    rows = log(store)[["action", "user", "file_name", "batch_id", "rows_added", "rows_removed"]]
    batch = second.results[0].batch_id
    assert rows.values.tolist() == [
        ["import", "甲", "a.xlsx", batch - 1, 3, 0],
        ["import", "乙", "b.xlsx", batch, 1, 2],
        ["undo", "丙", "b.xlsx", batch, 2, 1],  # undo revives 2 rows and drops 1
    ]


def test_target_edits_are_recorded_as_targets(store):
    rows = pd.DataFrame({"indicator": ["集中学习次数"], "target": [12.0], "note": [None]})
    outcome = save_targets(store, 2025, rows, user="组织委员")
    assert not outcome.rejected
    [row] = log(store).to_dict("records")
    assert (row["action"], row["file_name"], row["rows_added"]) == ("targets", texts.TARGETS_EDITOR_FILE, 1)


@pytest.mark.parametrize("dry_run", [True, False])
def test_dry_runs_and_imports_that_change_nothing_write_no_row(store, tmp_path, dry_run):
    path = study_file(tmp_path, "a.xlsx", ["一"])
    if not dry_run:
        import_files(store, [path], user="甲")
    before = len(log(store))
    import_files(store, [path], user="甲", dry_run=dry_run)
    assert len(log(store)) == before


def test_the_audit_row_shares_the_batchs_transaction(store, tmp_path):
    """An audit row that cannot be written takes its batch and rows down with it."""
    parsed = parse(study_file(tmp_path, "a.xlsx", ["一"]))
    with pytest.raises(ValueError, match="unknown audit action"):
        store.import_frames(parsed.frames, file_name="a.xlsx", sha256=parsed.sha256, user="甲",
                            kind="not-an-action")
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(BATCHES)).scalar_one() == 0
    assert store.counts()["study"] == 0 and log(store).empty


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET user = 'someone else'",
    "DELETE FROM audit_log",
    "DELETE FROM audit_log WHERE id = 1",
])
def test_the_database_refuses_to_change_or_delete_audit_rows(store, statement):
    store.audit("backup", user="甲", file_name="b.xlsx")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with store.engine.begin() as conn:
            conn.exec_driver_sql(statement.replace("user", '"user"'))
    assert log(store)["user"].tolist() == ["甲"]


REWRITES = {  # statements that would put a new row in the place of audit row 1
    "sqlite": ["INSERT OR REPLACE INTO audit_log (id, at, branch, user, action, rows_added, rows_removed) "
               "VALUES (1, '2020-01-01 00:00:00', 'x', '伪造者', 'backup', 0, 0)",
               "REPLACE INTO audit_log (id, at, branch, user, action, rows_added, rows_removed) "
               "VALUES (1, '2020-01-01 00:00:00', 'x', '伪造者', 'backup', 0, 0)",
               "INSERT OR IGNORE INTO audit_log (id, at, branch, user, action, rows_added, rows_removed) "
               "VALUES (0, '2020-01-01 00:00:00', 'x', '伪造者', 'backup', 0, 0)",
               "INSERT OR REPLACE INTO audit_log (id, at, branch, user, action, rows_added, rows_removed) "
               "VALUES (-1, '2020-01-01 00:00:00', 'x', '伪造者', 'backup', 0, 0)"],
    "any": ["INSERT INTO audit_log (id, at, branch, user, action, rows_added, rows_removed) "
            "VALUES (1, '2020-01-01 00:00:00', 'x', '伪造者', 'backup', 0, 0) "
            "ON CONFLICT (id) DO UPDATE SET user = excluded.user"],
}


@pytest.mark.parametrize("statement", REWRITES["sqlite"] + REWRITES["any"],
                         ids=["insert-or-replace", "replace-into", "insert-or-ignore-id-0", "id-minus-1", "upsert"])
def test_the_database_refuses_to_rewrite_an_audit_row_by_inserting(store, statement):
    if store.engine.dialect.name != "sqlite" and statement in REWRITES["sqlite"]:
        pytest.skip("SQLite syntax")
    store.audit("backup", user="甲", file_name="b.xlsx")
    store.audit("backup", user="乙", file_name="c.xlsx")
    with pytest.raises(sa.exc.DBAPIError, match="append-only|duplicate key"):
        with store.engine.begin() as conn:
            conn.exec_driver_sql(statement.replace("user", '"user"'))
    assert log(store)["user"].tolist() == ["甲", "乙"]
    store.audit("backup", user="丙")  # new rows still go in, after the others
    assert log(store)["id"].tolist() == [1, 2, 3]


def test_an_older_sqlite_database_gains_the_insert_triggers(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Store(url, branch="甲").audit("backup", user="甲")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_rewrite")
        conn.exec_driver_sql("DROP TRIGGER audit_log_positive_id")
    Store(url, branch="甲")
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql(REWRITES["sqlite"][0].replace("user", '"user"'))
    engine.dispose()


def test_no_code_writes_to_the_audit_log_except_by_inserting():
    """Append-only by construction: the only statement on AUDIT_LOG anywhere is an INSERT."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("data/*.py"), *root.glob("pages/*.py"), *root.glob("metrics/*.py"),
                 root / "app.py", root / "cli.py"]:
        text = path.read_text(encoding="utf-8")
        for verb in ("update", "delete"):
            assert f"sa.{verb}(AUDIT_LOG" not in text and f"{verb} from audit_log" not in text.lower()


# --- reading ------------------------------------------------------------------------------------

@pytest.fixture
def filled(store, tmp_path):
    import_files(store, [study_file(tmp_path, "a.xlsx", ["一"])], user="甲")
    import_files(store, [study_file(tmp_path, "b.xlsx", ["二"], day="2025-04-01")], user="乙")
    store.undo(2, user="甲")
    store.audit("user_add", user="乙", detail="=HYPERLINK(\"http://x\")")
    return store


@pytest.mark.parametrize("filters, expected", [
    (audit.AuditFilter(), ["user_add", "undo", "import", "import"]),
    (audit.AuditFilter(users=("甲",)), ["undo", "import"]),
    (audit.AuditFilter(actions=("import",)), ["import", "import"]),
    (audit.AuditFilter(users=("乙",), actions=("import", "undo")), ["import"]),
    (audit.AuditFilter(date_from=date.today(), date_to=date.today()), ["user_add", "undo", "import", "import"]),
    (audit.AuditFilter(date_to=date.today() - timedelta(days=1)), []),
    (audit.AuditFilter(date_from=date.today() + timedelta(days=1)), []),
])
def test_filters(filled, filters, expected):
    assert audit.entries(filled, filters)["action"].tolist() == expected


def test_only_this_branchs_rows_are_shown(filled, db_url):
    other = Store(db_url, branch="另一个支部")
    other.audit("backup", user="丁")
    assert audit.entries(other)["user"].tolist() == ["丁"]
    assert "丁" not in audit.users(filled) and audit.users(filled) == ["乙", "甲"]


def test_display_and_downloads_are_chinese_and_neutralised(filled):
    frame = audit.entries(filled)
    shown = audit.display(frame)
    assert list(shown.columns) == list(texts.AUDIT_COLUMNS.values())
    assert shown[texts.AUDIT_COLUMNS["action"]].tolist() == ["添加用户", "撤销", "导入", "导入"]

    book = openpyxl.load_workbook(io.BytesIO(audit.to_xlsx(frame)))
    sheet = book[texts.AUDIT_SHEET]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(texts.AUDIT_COLUMNS.values())
    assert len(values) == 5
    assert values[1][-1] == "'=HYPERLINK(\"http://x\")"  # text, not a formula
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values[2][6] == 2 and values[1][6] is None  # the batch column: numbers, empty when none

    data = audit.to_csv(frame)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(texts.AUDIT_COLUMNS.values()) and rows[1][-1].startswith("'=")


def test_records_are_json(filled):
    records = audit.records(audit.entries(filled))
    parsed = json.loads(json.dumps(records, ensure_ascii=False))
    assert [r["action"] for r in parsed] == ["user_add", "undo", "import", "import"]
    assert parsed[0]["batch_id"] is None and parsed[1]["batch_id"] == 2 and parsed[0]["file_name"] is None
    assert parsed[0]["at"].endswith("Z")


def test_a_store_on_an_older_database_gains_the_audit_table(db_url):
    engine = sa.create_engine(db_url)
    Store(db_url, branch="甲")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE audit_log")
    Store(db_url, branch="甲").audit("backup", user="甲")
    assert sa.inspect(engine).has_table(AUDIT_LOG.name)
    engine.dispose()
