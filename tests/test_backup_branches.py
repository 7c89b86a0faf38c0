"""Per-branch backup and restore (data.backup ``branch_only``, ``cli.py backup/restore --branch``): a
branch backup holds that branch's rows and no other's; it restores, exactly, into that branch of a
database that holds other branches while the branch holds no rows, and is refused otherwise with
nothing written. Runs on PostgreSQL too (TEST_DATABASE_URL, CI's PostgreSQL pass)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
import sqlalchemy as sa

import cli
from data import audit, backup, branches, texts
from data.aliases import add_alias, remove_alias
from data.demo import load_demo
from data.errors import DataError
from data.indicators import save_definitions
from data.store import Store
from data.tables import BATCH_REGISTERS, BATCHES, METADATA, BranchKind
from tests.helpers import drop_all_tables
from tests.year_workbook import PAGE_DEFINITION

ORG, MINE, OTHER = "市直机关工委", "统计局党支部", "财政局党支部"
NOT_EMPTY_TAIL = texts.BACKUP_BRANCH_NOT_EMPTY.split("）", 1)[1]  # after the tables named


def fill(store: Store, *, topic: str) -> None:
    """The demo year, an undo, aliases (one removed), a custom indicator and a backup's audit row in one branch."""
    outcome = load_demo(store)
    assert not outcome.rejected
    store.undo(outcome.results[-1].batch_id, user="组织委员")
    add_alias(store, kind="header", register="学习教育", column="主题", alias=topic, user="组织委员")
    gone = add_alias(store, kind="header", register="学习教育", column="主讲人", alias=topic + "人", user="组织委员")
    remove_alias(store, gone, user="组织委员")  # a removed alias: its removed_by names a person, not a batch
    save_definitions(store, [PAGE_DEFINITION], user="组织委员")
    store.audit("backup", user="管理员", file_name=f"{topic}.zip")


@pytest.fixture
def org(db_url) -> dict[str, Store]:
    """An organisation and two branches holding rows, on the test database."""
    mine = Store(db_url, branch=MINE)
    with mine.transaction(lock="branches") as conn:
        branches.add(conn, ORG, user="测试", kind=BranchKind.ORGANISATION)
        branches.add(conn, OTHER, user="测试")
    other = mine.reopen(OTHER)
    fill(mine, topic="学习要点")
    fill(other, topic="学习心得要点")
    return {"mine": mine, "other": other, "org": mine.reopen(ORG)}


def branch_state(store: Store) -> dict[str, list[tuple]]:
    """Every row of ``store``'s branch, table by table in id order, ids replaced by their rank among
    the branch's rows (batch references by the batch's rank): equal states, same rows and links."""
    with store.engine.connect() as conn:
        batch_ids = conn.execute(sa.select(BATCHES.c.id).where(BATCHES.c.branch == store.branch)
                                 .order_by(BATCHES.c.id)).scalars().all()
        rank = {b: i for i, b in enumerate(batch_ids)}
        out = {}
        for t in METADATA.sorted_tables:
            where = (t.c.batch_id.in_(batch_ids) if t is BATCH_REGISTERS else t.c.branch == store.branch)
            rows = conn.execute(sa.select(t).where(where).order_by(*t.primary_key.columns)).mappings().all()
            links = {c.name for c in t.columns if any(fk.column.table is BATCHES for fk in c.foreign_keys)}
            out[t.name] = [tuple((k, None if v is None else rank[v]) if k in links else (k, v)
                                 for k, v in r.items() if k != "id") for r in rows]
    return out


def zip_rows(content: bytes) -> tuple[dict, dict[str, list[dict]]]:
    book = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(book.read("manifest.json"))
    rows = {}
    for entry in manifest["tables"]:
        lines = book.read(entry["file"]).decode("utf-8").splitlines()
        rows[entry["table"]] = [dict(zip(entry["columns"], json.loads(line))) for line in lines]
    return manifest, rows


def test_a_branch_backup_holds_its_branch_rows_and_no_other(org):
    mine, other = org["mine"], org["other"]
    manifest, rows = zip_rows(backup.backup_bytes(mine, branch_only=True))
    assert manifest["branch"] == {"id": mine.branch, "name": MINE, "kind": "branch"}
    state = branch_state(mine)
    for t in METADATA.sorted_tables:
        assert len(rows[t.name]) == len(state[t.name]) > 0, t.name  # every table holds its rows, all of them
        if "branch" in t.c:
            assert {r["branch"] for r in rows[t.name]} == {mine.branch}, t.name
    with mine.engine.connect() as conn:
        theirs = set(conn.execute(sa.select(BATCHES.c.id).where(BATCHES.c.branch == other.branch)).scalars())
    assert theirs and not theirs & {r["batch_id"] for r in rows["batch_registers"]}
    assert not theirs & {r["batch_id"] for r in rows["audit_log"]}
    text = json.dumps(rows, ensure_ascii=False)
    assert "学习要点" in text and "学习心得要点" not in text  # the other branch's alias is not there
    whole = zip_rows(backup.backup_bytes(mine))[1]  # the whole backup holds both, as before
    assert {r["branch"] for r in whole["study"]} == {mine.branch, other.branch}


def test_a_branch_backup_restores_exactly_into_its_branch_beside_other_branches(org, db_url):
    mine, other = org["mine"], org["other"]
    before_mine, before_other = branch_state(mine), branch_state(other)
    mine_zip = backup.backup_bytes(mine, branch_only=True)
    other_zip = backup.backup_bytes(other, branch_only=True)
    drop_all_tables(db_url)
    third = Store(db_url, branch="第三支部")  # a database with another branch and its rows
    fill(third, topic="学习摘要要点")
    third_before = branch_state(third)
    restored = backup.branch_store(third, backup.scope_of(mine_zip, "甲.zip"))
    assert restored.branch_name == MINE and restored.counts()["study"] == 0
    rows = backup.restore(restored, mine_zip, file_name="甲.zip", user="管理员")
    backup.restore(backup.branch_store(third, backup.scope_of(other_zip, "乙.zip")), other_zip,
                   file_name="乙.zip", user="管理员")
    after = branch_state(restored)
    assert after["audit_log"][-1][:3] == (("at", after["audit_log"][-1][0][1]), ("branch", mine.branch),
                                          ("user", "管理员"))
    after["audit_log"] = after["audit_log"][:-1]  # the restore's own audit row follows the branch's
    assert after == before_mine
    assert rows == sum(len(v) for v in before_mine.values())
    assert branch_state(restored.reopen(OTHER)) | {"audit_log": []} == before_other | {"audit_log": []}
    assert branch_state(third) == third_before  # the other branch is untouched
    # the restored branch works on: an undo of its last active import, a new import
    last = restored.batches().query("undoable").iloc[0]
    restored.undo(int(last["id"]), user="组织委员")
    assert audit.entries(restored)["action"].iloc[0] == "undo"


def test_restore_into_a_branch_holding_rows_or_another_branch_is_refused_and_writes_nothing(org, db_url):
    mine, other = org["mine"], org["other"]
    content = backup.backup_bytes(mine, branch_only=True)
    before = {k: branch_state(s) for k, s in org.items()}
    with pytest.raises(DataError) as err:
        backup.restore(mine, content, file_name="甲.zip", user="管理员")
    assert err.value.message.startswith(f"支部“{MINE}”已有数据（学习教育、") and NOT_EMPTY_TAIL in err.value.message
    with pytest.raises(DataError) as err:
        backup.restore(other, content, file_name="甲.zip", user="管理员")
    assert err.value.message == texts.BACKUP_BRANCH_OTHER.format(file="甲.zip", backup=MINE, branch=OTHER)
    with pytest.raises(DataError) as err:  # a branch admin's restore takes no whole-database backup
        backup.restore(other, backup.backup_bytes(mine), file_name="全.zip", user="管理员", branch_only=True)
    assert err.value.message == texts.BACKUP_NOT_BRANCH.format(file="全.zip")
    assert {k: branch_state(s) for k, s in org.items()} == before


def forged(content: bytes, table: str, edit) -> bytes:
    """``content`` with ``edit`` applied to the rows of ``table``, the manifest's count and checksum
    made to match (as someone who knows the format would)."""
    import hashlib

    book = zipfile.ZipFile(io.BytesIO(content))
    manifest = json.loads(book.read("manifest.json"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as new:
        for entry in manifest["tables"]:
            data = book.read(entry["file"])
            if entry["table"] == table:
                rows = edit([json.loads(line) for line in data.decode().splitlines()], entry["columns"])
                data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
                entry.update(rows=len(rows), bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
            new.writestr(entry["file"], data)
        new.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False))
    return out.getvalue()


def test_a_branch_backup_with_another_branch_row_is_refused(org, db_url):
    content = backup.backup_bytes(org["mine"], branch_only=True)

    def relabel(rows, columns):
        rows[0][columns.index("branch")] = OTHER
        return rows

    bad = forged(content, "aliases", relabel)
    drop_all_tables(db_url)
    target = backup.branch_store(Store(db_url, branch="第三支部"), backup.scope_of(bad, "x.zip"))
    with pytest.raises(DataError) as err:
        backup.restore(target, bad, file_name="x.zip", user="管理员")
    assert texts.BACKUP_EXPECT_BRANCH.format(branch=MINE) in err.value.message
    assert target.counts()["study"] == 0 and audit.entries(target).empty


def test_cli_backs_up_one_branch_and_restores_it_under_its_name(org, db_url, tmp_path, monkeypatch, capsys):
    mine = org["mine"]
    with mine.transaction(lock="branches") as conn:
        branches.rename(conn, MINE, "统计局机关党支部", user="测试")  # the rows keep the first name as key
    mine = mine.reopen("统计局机关党支部")
    before = branch_state(mine)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DJ_BRANCH", "第三支部")
    monkeypatch.setattr("data.settings._file_settings", lambda: {})
    out = tmp_path / "一个支部.zip"
    assert cli.main(["backup", str(out), "--branch", "统计局机关党支部", "--user", "管理员"]) == 0
    assert "统计局机关党支部" in capsys.readouterr().out
    before["audit_log"].append(branch_state(mine)["audit_log"][-1])  # the backup's own audit row (after it)
    assert cli.main(["restore", str(out), "--user", "管理员"]) == 1  # the branch holds rows
    assert NOT_EMPTY_TAIL in capsys.readouterr().err
    drop_all_tables(db_url)
    fill(Store(db_url, branch="第三支部"), topic="学习摘要要点")
    assert cli.main(["restore", str(out), "--branch", "第三支部", "--user", "管理员"]) == 1
    assert texts.BACKUP_BRANCH_OTHER.format(file=out.name, backup="统计局机关党支部", branch="第三支部") \
        in capsys.readouterr().err
    assert cli.main(["restore", str(out), "--user", "管理员"]) == 0
    restored = Store(db_url, branch="统计局机关党支部", create=False)
    assert restored.branch == MINE  # the same key, the name it had
    after = branch_state(restored)
    after["audit_log"] = after["audit_log"][:-1]
    before["audit_log"] = before["audit_log"][:-1]  # the backup's row is written after the file
    assert after == before


def test_a_whole_backup_restores_every_branch_record_with_its_current_name(org, db_url):
    """A whole backup carries the branch records: after a rename, the restored database shows the
    branch by the name it had when backed up (its rows keep the first name as key), and the
    organisation stays the organisation."""
    mine = org["mine"]
    with mine.transaction(lock="branches") as conn:
        branches.rename(conn, MINE, "统计局机关党支部", user="测试")
    with mine.engine.connect() as conn:
        records = {r.id: (r.name, str(r.kind)) for r in branches.all_records(conn)}
    counts = {b: mine.reopen(b).counts() for b in (MINE, OTHER)}
    data = backup.backup_bytes(mine)
    assert {r["id"] for r in json.loads(zipfile.ZipFile(io.BytesIO(data)).read(backup.MANIFEST))["branches"]} \
        == set(records)
    drop_all_tables(db_url)
    fresh = Store(db_url, branch="另一个支部")  # a new deployment: its own default record, no rows
    backup.restore(fresh, data, file_name="all.zip", user="管理员")
    with fresh.engine.connect() as conn:
        after = {r.id: (r.name, str(r.kind)) for r in branches.all_records(conn)}
    assert {k: after[k] for k in records} == records
    restored = Store(db_url, branch="统计局机关党支部", create=False)
    assert restored.branch == MINE and restored.branch_name == "统计局机关党支部"
    assert {b: fresh.reopen(b).counts() for b in (MINE, OTHER)} == counts
