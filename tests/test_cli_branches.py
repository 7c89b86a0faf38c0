"""The CLI with several branches: ``branch``, ``--branch``, ``rollup`` (real processes, the sample
workbooks, a real SQLite file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openpyxl
import pytest
import sqlalchemy as sa

from data.demo import sample_files
from tests.helpers import ROOT

ORG, A, B = "市直机关工委", "甲支部", "乙支部"


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'org.db'}"


@pytest.fixture
def cli(db_url, tmp_path):
    def run(*args, expect=0):
        env = {**os.environ, "DATABASE_URL": db_url, "DJ_BRANCH": A, "PYTHONPATH": str(ROOT)}
        env.pop("DJ_SETTINGS", None)
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=180)
        assert proc.returncode == expect, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    return run


def _count(db_url: str, table: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT branch, count(*) FROM {table} WHERE removed_by IS NULL "
                                    "GROUP BY branch")).all()
    engine.dispose()
    return dict(rows)


def test_branches_are_added_listed_renamed_and_imported_into(cli, db_url, tmp_path):
    months = sample_files()
    cli("import", *months[:2])  # the deployment's branch (DJ_BRANCH)
    cli("branch", "add", B)
    cli("branch", "add", ORG, "--organisation")
    cli("import", months[2], "--branch", B)
    listed = cli("branch", "list").stdout.splitlines()
    assert [line.split("\t")[:3] for line in listed] == [
        [ORG, "上级党组织", ""], *([name, "支部", ORG] for name in sorted([A, B]))]
    counts = _count(db_url, "study")
    assert set(counts) == {A, B}

    # an unknown branch is refused and nothing is stored
    out = cli("import", months[3], "--branch", "丙支部", expect=1)
    assert "丙支部" in out.stderr and "Traceback" not in out.stderr
    assert _count(db_url, "study") == counts

    # rename: every row stays, the new and the old name both open it
    cli("branch", "rename", B, "乙党支部")
    assert _count(db_url, "study") == counts
    new = json.loads(cli("indicators", "--year", 2025, "--json", "--branch", "乙党支部").stdout)
    old = json.loads(cli("indicators", "--year", 2025, "--json", "--branch", B).stdout)
    assert new == old and any(r["value"] for r in new)

    # the audit log is scoped: B's shows B's import, its creation and its rename, nothing of A's
    theirs = json.loads(cli("audit", "--json", "--branch", "乙党支部").stdout)
    assert sorted(e["action"] for e in theirs) == ["branch_add", "branch_rename", "import"]
    assert {e["file_name"] for e in theirs} == {None, months[2].name}
    ours = json.loads(cli("audit", "--json").stdout)
    assert {e["file_name"] for e in ours} == {months[0].name, months[1].name}

    # undo and export are scoped: A's batch is unknown in B
    batches_a = cli("batches").stdout
    assert "2025-01" in batches_a
    cli("undo", 1, "--branch", "乙党支部", expect=1)
    out_file = tmp_path / "b.csv"
    cli("export", "study", "--out", out_file, "--branch", "乙党支部")
    assert len(out_file.read_text(encoding="utf-8-sig").splitlines()) == counts[B] + 1


def _without(source, out, sheet: str):
    """A copy of a sample workbook without one sheet."""
    book = openpyxl.load_workbook(source)
    del book[sheet]
    book.save(out)
    return out


def test_rollup_is_every_branchs_indicators_with_inherited_targets(cli, db_url, tmp_path):
    months = sample_files()
    cli("import", *months[:2])
    cli("branch", "add", ORG, "--organisation")
    cli("branch", "add", B)
    cli("import", _without(months[0], tmp_path / "b-01.xlsx", "计划目标"), "--branch", B)
    ours = json.loads(cli("indicators", "--year", 2025, "--as-of", "2025-06-30", "--json").stdout)
    theirs = json.loads(cli("indicators", "--year", 2025, "--as-of", "2025-06-30", "--json",
                            "--branch", B).stdout)
    assert all(r["target"] is None for r in theirs)  # B has no targets, and the organisation none yet
    # the samples' 计划目标 sheet, imported into the organisation: B inherits them, A keeps its own
    org_targets = tmp_path / "targets.xlsx"
    book = openpyxl.load_workbook(months[0])
    for name in book.sheetnames:
        if name != "计划目标":
            del book[name]
    sheet = book["计划目标"]
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool) and cell.column > 2:
                cell.value = cell.value * 2  # organisation defaults differ from A's own
    book.save(org_targets)
    cli("import", org_targets, "--branch", ORG)
    theirs = json.loads(cli("indicators", "--year", 2025, "--as-of", "2025-06-30", "--json",
                            "--branch", B).stdout)
    assert any(r["target"] is not None for r in theirs)
    ours_after = json.loads(cli("indicators", "--year", 2025, "--as-of", "2025-06-30", "--json").stdout)
    assert ours_after == ours  # A sets its own targets: the organisation's do not override them

    rows = json.loads(cli("rollup", "--year", 2025, "--as-of", "2025-06-30", "--json").stdout)
    assert {r["branch"] for r in rows} == {A, B}  # the organisation is not a branch row
    assert len(rows) == 2 * len(ours)
    for branch, report in ((A, ours), (B, theirs)):
        mine = {r["key"]: r for r in rows if r["branch"] == branch}
        for r in report:
            got = mine[r["key"]]
            assert (got["value"], got["target"], got["completion"], got["status"], got["status_label"]) == (
                r["value"], r["target"], r["completion"], r["status"], r["status_label"])
    text = cli("rollup", "--year", 2025, "--as-of", "2025-06-30").stdout
    assert A in text and B in text and "完成率" in text
