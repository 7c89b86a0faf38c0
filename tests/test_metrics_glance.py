"""The leadership view's metrics (metrics.glance): the tolerance band, worst-first order, the status
line, freshness, "not uploaded yet" apart from "not held", the rows behind a number; answers worked
by hand on small frames, and the demo year through the store."""

from __future__ import annotations

import dataclasses

import pytest

from data import texts
from data.errors import DataError
from data.settings import load_settings
from metrics import glance
from metrics.compliance import compliance
from metrics.frames import contract_frame
from metrics.progress import progress_table, series

AS_OF = "2023-06-30"  # day 181 of 365: 序时进度 49.6%


def study(*rows):
    keys = ("date", "type", "group")
    return contract_frame("study", [dict(zip(keys, r), topic="t") for r in rows])


def targets(**by_name):
    return contract_frame("targets", [{"year": 2023, "indicator": k, "target": v} for k, v in by_name.items()])


# 集中学习 4 of 10 = 40.0% (9.6 pp behind 49.6): 滞后; 讲党课 1 of 2 = 50% (ahead): 正常;
# 主题党日 47 of 100 = 47.0% (2.6 pp behind): 略滞后 with the default 5 pp; 党小组会 3 of 3: 已完成.
FRAMES = {
    "study": study(*[(f"2023-0{m}-10", "集中学习") for m in (1, 2, 3, 4)], ("2023-03-01", "讲党课"),
                   *[("2023-05-05", "主题党日")] * 47, *[("2023-02-02", "党小组会", "第一党小组")] * 3),
    "targets": targets(集中学习次数=10, 讲党课次数=2, 主题党日次数=100, 党小组会次数=3),
}


@pytest.fixture(scope="module")
def table():
    return progress_table(FRAMES, 2023, AS_OF)


def statuses(table):
    return dict(zip(table["name"], table["status"]))


def test_band_turns_small_gaps_amber_only(table):
    banded = glance.with_tolerance(table, 5)
    got = statuses(banded)
    assert got["集中学习次数"] == glance.BEHIND          # 9.6 pp behind
    assert got["主题党日次数"] == glance.SLIGHTLY_BEHIND  # 2.6 pp behind
    assert got["讲党课次数"] == glance.ON_TRACK and got["党小组会次数"] == glance.DONE
    assert statuses(table)["主题党日次数"] == glance.BEHIND  # a copy: the input is unchanged
    # The edge: exactly N points behind is inside the band; a band of 0 turns it off.
    assert glance.band(glance.BEHIND, -5.0, 5) == glance.SLIGHTLY_BEHIND
    assert glance.band(glance.BEHIND, -5.1, 5) == glance.BEHIND
    assert statuses(glance.with_tolerance(table, 0))["主题党日次数"] == glance.BEHIND
    assert statuses(glance.with_tolerance(table, 10))["集中学习次数"] == glance.SLIGHTLY_BEHIND
    assert glance.band(glance.DONE, -50, 5) == glance.DONE and glance.band(glance.BEHIND, None, 5) == glance.BEHIND


def test_worst_first_and_status_line(table):
    banded = glance.with_tolerance(table, 5)
    order = glance.worst_first(banded)["name"].tolist()
    assert order == ["集中学习次数", "主题党日次数", "讲党课次数", "党小组会次数"]
    counts = glance.status_counts(banded)
    assert counts == {glance.BEHIND: 1, glance.SLIGHTLY_BEHIND: 1, glance.NO_DATA: 0, glance.ON_TRACK: 1,
                      glance.DONE: 1}
    result = compliance(FRAMES, 2023, AS_OF)
    line = glance.status_line(banded, result)
    assert line == (f"4 项指标：已完成 1 项 · 正常 1 项 · 略滞后 1 项 · 滞后 1 项；三会一课缺失 {len(result.missing)} 项")
    assert glance.status_line(progress_table({"study": FRAMES["study"]}, 2023, AS_OF), None) \
        == texts.GLANCE_STATUS_NO_TARGETS
    assert result.missing  # the fixture misses some; none missing reads 无缺失, not 缺失 0 项
    none = glance.status_line(banded, dataclasses.replace(result, missing=[]))
    assert none.endswith("；三会一课无缺失") and "缺失 0 项" not in none


def test_heatmap_leaves_a_not_due_period_with_nothing_held_blank():
    """A grey (not yet due) period with no meetings yet shows no "0"; a due one shows its count."""
    from metrics import breakdowns
    from metrics.states import Mark
    from ui import charts

    result = compliance(FRAMES, 2023, "2023-01-15")
    cells = breakdowns.compliance_cells(result.grid)
    fig = charts.compliance_heatmap(cells, "t")
    rows = list(dict.fromkeys(cells["row"].tolist()))
    text = fig.data[0].text
    due = [(rows.index(c["row"]), c["month"] - 1, c["count"]) for c in cells.to_dict("records")
           if c["status"] != Mark.NOT_DUE]
    not_due_empty = [(rows.index(c["row"]), c["month"] - 1) for c in cells.to_dict("records")
                     if c["status"] == Mark.NOT_DUE and not c["count"]]
    assert not_due_empty, "the fixture has periods not yet due on 15 January"
    assert all(text[r][m] == "" for r, m in not_due_empty)
    assert "0" not in {v for row in text for v in row} - {str(c) for _, _, c in due}


def test_worst_first_orders_by_gap_within_a_status():
    frames = {**FRAMES, "targets": targets(集中学习次数=10, 讲党课次数=20)}  # 40.0% and 5.0%: both 滞后
    got = glance.worst_first(glance.with_tolerance(progress_table(frames, 2023, AS_OF)))
    assert got["name"].tolist() == ["讲党课次数", "集中学习次数"]


def test_freshness_and_uploads():
    frames = {"study": FRAMES["study"],
              "volunteer": contract_frame("volunteer", [{"date": "2023-02-03", "name": "甲", "activity": "a",
                                                         "hours": 2}])}
    fresh = glance.freshness(frames, 2023, AS_OF)
    assert fresh == {"study": 5, "inspections": None, "volunteer": 2}
    assert glance.freshness_line(fresh) == "学习教育更新至5月 · 检查核查尚未上传 · 志愿服务更新至2月"
    assert glance.freshness(frames, 2023, "2023-04-30")["study"] == 4  # up to the as-of date only
    up = glance.uploads(frames, 2023, AS_OF)
    assert up.missing_months == (6,) and not up.year_empty and up.message() == "6月台账尚未上传"
    up = glance.uploads(frames, 2023, "2023-08-15")
    assert up.missing_months == (6, 7, 8) and up.message() == "6月、7月、8月台账尚未上传"
    assert glance.uploads(frames, 2023, "2023-05-31").message() is None
    empty = glance.uploads(frames, 2026, "2026-03-01")
    assert empty.year_empty and empty.missing_months == (1, 2, 3) and empty.message() == "2026年尚未上传台账"


def test_not_uploaded_is_not_missing():
    # Study rows in Jan-May only; as of 31 Aug: Jun-Aug have no register at all.
    result = compliance(FRAMES, 2023, "2023-08-31")
    after = glance.with_uploads(result, FRAMES)
    grid, before = after.grid, result.grid
    late = grid["start"].map(lambda d: 6 <= d.month <= 8)
    assert set(before.loc[late & (before["every"] == "month"), "status"]) == {glance.MISSED}
    assert set(grid.loc[late & (grid["every"] == "month"), "status"]) == {glance.NOT_UPLOADED}
    # Jan-May keep their real gaps (支委会 was never held), and the missing list loses only Jun-Aug.
    early = grid["start"].map(lambda d: d.month <= 5) & (grid["rule"] == "committee")
    assert set(grid.loc[early, "status"]) == {glance.MISSED}
    assert len(after.missing) == int((grid["status"] == glance.MISSED).sum())
    assert len(after.missing) < len(result.missing)
    assert not any(m.startswith(("6月", "7月", "8月")) for m in after.missing)
    # A quarter with one uploaded month is checked normally (Q2 has May).
    q2 = grid.loc[(grid["rule"] == "assembly") & (grid["period"] == 2), "status"].item()
    assert q2 == glance.MISSED
    assert glance.compliance_state(result, FRAMES) is None
    empty = compliance({}, 2026, "2026-05-31")
    assert glance.compliance_state(empty, {}) == texts.GLANCE_COMPLIANCE_NOT_UPLOADED.format(year=2026)
    assert glance.with_uploads(empty, {}).missing == []


def test_rows_behind_a_card_and_a_gap(table):
    rows = glance.card_rows(FRAMES, 2023, AS_OF, "study.collective")
    assert len(rows) == table.set_index("key").loc["study.collective", "value"] == 4
    result = compliance(FRAMES, 2023, AS_OF)
    cell = result.grid.loc[(result.grid["rule"] == "group") & (result.grid["period"] == 2)].iloc[0]
    got = glance.gap_rows(FRAMES, result, "group", 2, cell["group"])
    assert len(got) == cell["count"] == 3
    assert len(glance.gap_rows(FRAMES, result, "committee", 3)) == 0
    with pytest.raises(KeyError):
        glance.gap_rows(FRAMES, result, "nope", 1)


def test_shortfall_against_the_plan_line():
    got = glance.shortfall(series(FRAMES, 2023, AS_OF), "study.collective")
    assert got["label"].tolist() == [f"{m}月" for m in range(1, 7)]
    assert got["value"].tolist() == [1, 2, 3, 4, 4, 4]
    # plan at the end of June: 10 × 181/365
    assert got["short"].iloc[-1] == pytest.approx(10 * 181 / 365 - 4)
    assert (got["short"] >= 0).all()


def test_tolerance_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("DJ_TOLERANCE_PP", raising=False)
    monkeypatch.setenv("DJ_SETTINGS", str(tmp_path / "none.toml"))
    (tmp_path / "none.toml").write_text("")
    assert load_settings().tolerance_pp == glance.DEFAULT_TOLERANCE_PP
    (tmp_path / "none.toml").write_text("tolerance_pp = 3\n")
    assert load_settings().tolerance_pp == 3.0
    monkeypatch.setenv("DJ_TOLERANCE_PP", "7.5")
    assert load_settings().tolerance_pp == 7.5
    for bad in ("abc", "-1", "101"):
        monkeypatch.setenv("DJ_TOLERANCE_PP", bad)
        with pytest.raises(DataError, match="tolerance_pp"):
            load_settings()


def test_band_keeps_an_empty_status_empty():
    table = progress_table({"study": FRAMES["study"]}, 2023, AS_OF)  # no targets: every status None
    assert glance.with_tolerance(table)["status"].tolist() == [None] * len(table)
