"""Every branch at once (``metrics.rollup.rollup_all`` / ``gaps_all`` over ``data.org``'s reads) equals
each branch computed on its own (``metrics.rollup.rollup`` = ``indicator_report`` per branch, and
``compliance(...).missing``), on the sample workbooks imported into a real database: branches with
their own targets, with part of them, inheriting the organisation's, without a roster, without rows."""

from __future__ import annotations

import datetime as dt
import io
import os

import numpy as np
import openpyxl
import pytest
import sqlalchemy as sa

from data import branches, org
from data.demo import sample_files
from data.importer import import_parsed, parse
from data.store import Store
from data.tables import BranchKind
from metrics.catalogue import CATALOGUE, catalogue_with
from metrics.report import compliance_report
from metrics.rollup import ROLLUP_COLUMNS, gaps_all, merge_targets, needed_columns, rollup, rollup_all

YEAR = 2025
ORG, A, B, C, D = "市直机关工委", "甲支部", "乙支部", "丙支部", "丁支部"
LOCAL_RULES = [{"type": "讲党课", "every": "quarter"},
               {"type": "党小组会", "every": "quarter", "per_group": True, "min": 4},
               {"type": ["集中学习", "研讨交流"], "every": "month", "min": 2}]
CUSTOM = [{"key": "own.lectures", "name": "讲党课合计", "register": "study", "agg": "count", "filter": {"type": "讲党课"}},
          {"key": "own.objects", "name": "走访对象数", "register": "inspections", "agg": "distinct",
           "columns": ["object"]},
          {"key": "own.hours", "name": "服务小时合计", "register": "volunteer", "agg": "sum", "columns": ["hours"]}]


def _workbook(source, keep=None, targets_rows: int | None = None, scale: float = 1.0) -> bytes:
    """A sample workbook, only the sheets ``keep`` (all by default), its 计划目标 cut to its first
    ``targets_rows`` rows and the targets multiplied by ``scale``."""
    book = openpyxl.load_workbook(source)
    for sheet in list(book):
        if keep is not None and sheet.title not in keep:
            del book[sheet.title]
    if "计划目标" in book.sheetnames:
        sheet = book["计划目标"]
        if targets_rows is not None:
            sheet.delete_rows(2 + targets_rows, sheet.max_row)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool) and cell.column > 2:
                    cell.value = cell.value * scale
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(store: Store, files: list[tuple[str, bytes]]) -> None:
    outcome = import_parsed(store, [parse(data, name) for name, data in files], user="测试")
    assert not outcome.rejected, outcome.issues


@pytest.fixture(scope="module")
def organisation(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")  # PostgreSQL in CI's second pass (.ci/run)
    if url:
        engine = sa.create_engine(url)
        meta = sa.MetaData()
        meta.reflect(engine)
        meta.drop_all(engine)
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('org')}/org.db"
    months = sample_files()
    first = Store(url, branch=A)
    with first.transaction(lock="branches") as conn:
        branches.add(conn, ORG, user="测试", kind=BranchKind.ORGANISATION)
        for name in (B, C, D):
            branches.add(conn, name, user="测试")
    stores = {name: Store(url, branch=name, create=False) for name in (A, B, C, D, ORG)}
    _import(stores[A], [(m.name, m.read_bytes()) for m in months])  # own targets and roster
    _import(stores[B], [(m.name, m.read_bytes()) for m in months[1:7]])  # no targets (inherits), no roster
    _import(stores[C], [(months[0].name, _workbook(months[0], targets_rows=3))]  # some targets of its own
            + [(m.name, m.read_bytes()) for m in months[1:9]])
    _import(stores[ORG], [("targets.xlsx", _workbook(months[0], keep={"计划目标"}, scale=2))])
    return stores


def _one_by_one(stores, year, as_of, catalogue=CATALOGUE):
    frames = {}
    for name in (A, B, C, D):
        store = stores[name]
        got = store.frames(years=[year - 1, year])
        got["targets"] = merge_targets(got["targets"], store.parent_targets())
        frames[name] = got
    return frames


def _all_at_once(stores, year, as_of, catalogue=CATALOGUE, local=()):
    keys = [stores[n].branch for n in (A, B, C, D)]
    with stores[A].engine.begin() as conn:
        frames, targets, roster = org.year_frames(conn, keys, needed_columns(catalogue), year,
                                                  as_of or dt.date(year, 12, 31), stores[ORG].branch)
    table = rollup_all(frames, {k: n for k, n in zip(keys, (A, B, C, D))}, year, as_of, catalogue,
                       targets=targets, organisation=stores[ORG].branch, tolerance_pp=5.0)
    gaps = gaps_all(frames["study"], roster, keys, year, as_of, local)
    return table, dict(zip((A, B, C, D), gaps.values()))


def _same(left, right) -> None:
    assert list(left.columns) == list(right.columns) == list(ROLLUP_COLUMNS)
    assert len(left) == len(right)
    for a, b in zip(left.to_dict("records"), right.to_dict("records")):
        for column in ROLLUP_COLUMNS:
            x, y = a[column], b[column]
            if x is None or (isinstance(x, float) and np.isnan(x)):
                assert y is None or (isinstance(y, float) and np.isnan(y)), (a, b)
            else:
                assert x == y and type(x) is type(y), (column, a, b)


@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 30), dt.date(2025, 3, 15), None])
def test_every_branch_at_once_equals_each_branch_alone(organisation, as_of):
    frames = _one_by_one(organisation, YEAR, as_of)
    expected = rollup(frames, YEAR, as_of, tolerance_pp=5.0)
    table, gaps = _all_at_once(organisation, YEAR, as_of)
    _same(table, expected)
    # the data is varied enough for the comparison to mean something
    values = table.pivot(index="branch", columns="key", values="value")
    assert values.loc[A, "study.collective"] > values.loc[B, "study.collective"] > 0
    assert values.loc[D].isna().sum() + (values.loc[D] == 0).sum() == len(CATALOGUE)
    targets = table.pivot(index="branch", columns="key", values="target")
    assert targets.loc[B].notna().any() and targets.loc[D].notna().any()  # inherited
    assert (targets.loc[C] != targets.loc[B]).any() and (targets.loc[C] == targets.loc[B]).any()  # partly own
    assert targets.loc[A, "study.collective"] * 2 == targets.loc[B, "study.collective"]
    for name in (A, B, C, D):
        assert gaps[name] == compliance_report(frames[name], YEAR, as_of).missing
    assert gaps[A] != gaps[B] and gaps[D]


def test_the_branches_own_indicators_and_local_rules_too(organisation):
    catalogue = catalogue_with(CUSTOM)
    as_of = dt.date(2025, 9, 30)
    frames = _one_by_one(organisation, YEAR, as_of, catalogue)
    table, gaps = _all_at_once(organisation, YEAR, as_of, catalogue, LOCAL_RULES)
    _same(table, rollup(frames, YEAR, as_of, catalogue, tolerance_pp=5.0))
    custom = table.loc[table["key"].str.startswith("own.")]
    assert len(custom) == 4 * len(CUSTOM) and (custom["value"].fillna(0) > 0).sum() >= 6
    for name in (A, B, C, D):
        assert gaps[name] == compliance_report(frames[name], YEAR, as_of, local_rules=LOCAL_RULES).missing
    assert any("党小组" in m and "季度" in m for name in (A, B, C) for m in gaps[name])


def test_only_the_branches_asked_for_are_read(organisation):
    keys = [organisation[A].branch]
    with organisation[A].engine.begin() as conn:
        study = org.dated_rows(conn, "study", keys, ["type"], dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))
        roster = org.roster_rows(conn, keys)
        targets = org.target_rows(conn, keys, YEAR)
    assert set(study["branch"]) == set(roster["branch"]) == set(targets["branch"]) == {organisation[A].branch}
    assert len(study) == len(organisation[A].load("study", year=YEAR))


def test_cli_rollup_writes_the_comparison_workbook(organisation, tmp_path):
    import json
    import os
    import subprocess
    import sys

    from data import texts
    from tests.helpers import ROOT

    env = {**os.environ, "DATABASE_URL": organisation[A].url, "DJ_BRANCH": A, "PYTHONPATH": str(ROOT)}
    env.pop("DJ_SETTINGS", None)

    def cli(*args):
        proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), *map(str, args)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=180)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    out = tmp_path / "对比.xlsx"
    cli("rollup", "--year", YEAR, "--as-of", "2025-06-30", "--out", out)
    rows = json.loads(cli("rollup", "--year", YEAR, "--as-of", "2025-06-30", "--json"))
    book = openpyxl.load_workbook(out)
    assert list(book.sheetnames) == list(texts.ORG_SHEETS.values())
    values = {r[0]: r for r in book[texts.ORG_SHEETS["value"]].iter_rows(values_only=True)}
    header = values[texts.ROLLUP_HEADERS["branch"]]
    column = header.index("集中学习次数")
    mine = {r["branch"]: r["value"] for r in rows if r["key"] == "study.collective"}
    assert {name: values[name][column] for name in (A, B, C)} == {name: mine[name] for name in (A, B, C)}
    totals = {r[0]: r for r in book[texts.ORG_SHEETS["totals"]].iter_rows(values_only=True)}
    assert totals["集中学习次数"][2] == sum(v or 0 for v in mine.values())
    gaps = {r[0]: r for r in book[texts.ORG_SHEETS["gaps"]].iter_rows(values_only=True)}
    assert gaps[D][1] > 0  # a branch without rows misses every meeting due


@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 30), None])
def test_indicators_summed_in_the_database_equal_each_branch_alone(organisation, as_of):
    catalogue = catalogue_with(CUSTOM)
    frames = _one_by_one(organisation, YEAR, as_of, catalogue)
    expected = rollup(frames, YEAR, as_of, catalogue, tolerance_pp=5.0)
    keys = [organisation[n].branch for n in (A, B, C, D)]
    with organisation[A].engine.begin() as conn:
        sums = org.year_sums(conn, keys, catalogue, YEAR, as_of or dt.date(YEAR, 12, 31))
        _, targets, _ = org.year_frames(conn, keys, {}, YEAR, as_of or dt.date(YEAR, 12, 31), organisation[ORG].branch)
    assert set(sums) == {ind.key for ind in catalogue}
    table = rollup_all({}, dict(zip(keys, (A, B, C, D))), YEAR, as_of, catalogue, targets=targets,
                       organisation=organisation[ORG].branch, tolerance_pp=5.0, parts=sums)
    assert list(table.columns) == list(expected.columns) and len(table) == len(expected)
    for a, b in zip(table.to_dict("records"), expected.to_dict("records")):
        for column in ROLLUP_COLUMNS:
            x, y = a[column], b[column]
            empty = [v is None or (isinstance(v, float) and np.isnan(v)) for v in (x, y)]
            if any(empty):
                assert all(empty), (column, a, b)
            elif isinstance(y, float):  # sums added in another order: equal up to rounding
                assert x == pytest.approx(y, rel=1e-12) and type(x) is float, (column, a, b)
            else:
                assert x == y and type(x) is type(y), (column, a, b)
