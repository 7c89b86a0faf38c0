"""metrics.rollup: inherited targets and the organisation's roll-up, pure functions over frames."""

from __future__ import annotations

import pandas as pd

from data import schema
from metrics.progress import targets_for
from metrics.rollup import merge_targets, ranking, rollup


def targets(rows: list[tuple]) -> pd.DataFrame:
    reg = schema.REGISTERS["targets"]
    return schema.coerce(pd.DataFrame([dict(zip(("year", "indicator", "target"), r)) for r in rows],
                                      columns=reg.keys), reg)


def study(days: list[str]) -> pd.DataFrame:
    reg = schema.REGISTERS["study"]
    return schema.coerce(pd.DataFrame([{"date": d, "type": "集中学习", "topic": f"学习{i}"}
                                       for i, d in enumerate(days)], columns=reg.keys), reg)


ORG = targets([(2025, "study.collective", 24), (2025, "讲党课次数", 4), (2024, "study.discussion", 6)])


def test_a_branch_inherits_what_it_does_not_set():
    own = targets([(2025, "集中学习次数", 12)])  # by name, the organisation's by key: the same indicator
    merged = merge_targets(own, ORG)
    assert targets_for({"targets": merged}, 2025) == {"study.collective": 12.0, "study.lecture": 4.0}
    assert targets_for({"targets": merged}, 2024) == {"study.discussion": 6.0}
    assert len(merged) == 3


def test_an_own_target_for_another_year_does_not_hide_this_years_default():
    own = targets([(2024, "study.collective", 10)])
    got = targets_for({"targets": merge_targets(own, ORG)}, 2025)
    assert got["study.collective"] == 24.0


def test_without_an_organisation_or_own_targets():
    own = targets([(2025, "study.collective", 12)])
    assert merge_targets(own, None) is own
    assert merge_targets(own, targets([])) is own
    assert targets_for({"targets": merge_targets(targets([]), ORG)}, 2025) == {"study.collective": 24.0,
                                                                              "study.lecture": 4.0}


def test_rollup_and_ranking():
    frames = {"甲": {"study": study(["2025-01-10", "2025-02-10", "2025-03-10"]), "targets": ORG},
              "乙": {"study": study(["2025-01-10"]), "targets": ORG},
              "丙": {"study": study([])}}
    table = rollup(frames, 2025, "2025-06-30")
    row = table.set_index(["branch", "key"]).loc[("甲", "study.collective")]
    assert (row["value"], row["target"], row["completion"]) == (3, 24.0, 3 / 24)
    assert row["status"] == "behind" and row["status_label"] == "滞后"
    ranked = ranking(table)
    assert ranked["branch"].tolist() == ["甲", "乙", "丙"]
    assert ranked["rank"].tolist()[:2] == [1, 2] and pd.isna(ranked["mean_completion"].iloc[2])
    assert ranked.set_index("branch").loc["丙", "indicators"] == 0
