"""The demo year: deterministic, the committed samples are its output, they read cleanly, and they
hold what the seed summary's masked counts need (plus the planned compliance gaps)."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from data.demo import (DEMO_YEAR, GROUPS, MISSED_GROUP_MEETING, NO_COMMITTEE_MONTH, SAMPLES_DIR, build_year,
                       write_samples)
from data.reader import read_workbook
from data.schema import REGISTERS, normalize_text, split_names

INDICATORS = {"study.collective", "study.discussion", "study.lecture", "inspect.enforcement_enterprises",
              "inspect.quality_enterprises", "inspect.research", "volunteer.hours", "volunteer.person_times"}


@pytest.fixture(scope="module")
def year() -> dict[str, pd.DataFrame]:
    return build_year()


def cell_values(directory: Path) -> dict[str, dict[str, list[tuple]]]:
    """file name -> sheet name -> rows of cell values."""
    return {p.name: {ws.title: list(ws.iter_rows(values_only=True)) for ws in openpyxl.load_workbook(p).worksheets}
            for p in sorted(directory.glob("*.xlsx"))}


def as_read(frame: pd.DataFrame) -> pd.DataFrame:
    """The generator's frame as the reader returns it: text NFKC-normalised."""
    out = frame.copy()
    for key in out.columns:
        if out[key].dtype == "str":
            out[key] = out[key].map(normalize_text, na_action="ignore").astype("str")
    return out


def test_build_is_deterministic(year):
    again = build_year()
    for key in REGISTERS:
        pd.testing.assert_frame_equal(year[key], again[key])


def test_committed_samples_are_the_generator_output(tmp_path):
    paths = write_samples(tmp_path)
    assert [p.name for p in paths] == [f"{DEMO_YEAR}-{m:02d}.xlsx" for m in range(1, 13)]
    assert cell_values(tmp_path) == cell_values(SAMPLES_DIR)  # else: run `make samples`
    assert all(p.stat().st_size < 50_000 for p in SAMPLES_DIR.glob("*.xlsx"))


def test_every_sample_reads_without_issues_and_gives_back_the_year(year):
    read: dict[str, list[pd.DataFrame]] = {}
    for path in sorted(SAMPLES_DIR.glob("*.xlsx")):
        parsed = read_workbook(path)
        assert parsed.ok and not parsed.issues, [i.message for i in parsed.issues]
        for key, frame in parsed.frames.items():
            read.setdefault(key, []).append(frame)
    assert set(read) == set(REGISTERS)
    for key, frames in read.items():
        got = pd.concat(frames, ignore_index=True)[REGISTERS[key].keys]
        pd.testing.assert_frame_equal(got, as_read(year[key]))


def test_samples_look_like_real_workbooks():
    values = cell_values(SAMPLES_DIR)
    sheet_names = {name for sheets in values.values() for name in sheets}
    assert {"学习教育", "学习台账", "检查核查", "检查台账", "计划目标", "党员名册"} <= sheet_names
    january = values[f"{DEMO_YEAR}-01.xlsx"]["学习教育"]
    assert january[0][0].startswith(f"{DEMO_YEAR}年") and january[1][0] == "序号"
    footers = [rows[-1][0] for sheets in values.values() for rows in sheets.values()]
    assert any(str(f).startswith("填表人：") for f in footers)


def test_roster(year):
    roster = year["roster"]
    assert len(roster) == 35 and roster["name"].is_unique
    assert set(roster["group"]) == set(GROUPS)
    positions = roster["position"].value_counts()
    for position in ("书记", "副书记", "组织委员", "纪检委员", "宣传委员"):
        assert positions[position] == 1
    assert set(roster["status"]) == set(REGISTERS["roster"].column("status").values)


def test_people_are_roster_members_and_attendance_adds_up(year):
    members = set(year["roster"]["name"])
    study = year["study"]
    for names, present in zip(study["attendees"], study["present"]):
        assert set(split_names(names)) <= members and len(split_names(names)) == present
    assert (study["present"] <= study["expected"]).all()
    assert set(study["speaker"]) <= members
    assert set(year["volunteer"]["name"]) <= members
    assert {n for cell in year["inspections"]["inspectors"] for n in split_names(cell)} <= members


def months_of(study: pd.DataFrame, kind: str, **where) -> set[int]:
    rows = study[study["type"] == kind]
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return set(rows["date"].dt.month)


def test_organisational_life_with_the_planned_gaps(year):
    study = year["study"]
    all_months = set(range(1, 13))
    assert {(m - 1) // 3 for m in months_of(study, "支部党员大会")} == {0, 1, 2, 3}
    assert months_of(study, "支委会") == all_months - {NO_COMMITTEE_MONTH}
    for group in GROUPS:
        missed = {MISSED_GROUP_MEETING[1]} if group == MISSED_GROUP_MEETING[0] else set()
        assert months_of(study, "党小组会", group=group) == all_months - missed
    assert study.loc[study["type"] == "党小组会", "group"].notna().all()
    assert (study.loc[study["type"] == "主题党日", "date"].dt.month.value_counts() == 1).all()
    assert months_of(study, "主题党日") == all_months
    assert months_of(study, "组织生活会") and months_of(study, "组织生活会") <= {10, 11, 12}
    for kind in ("集中学习", "研讨交流", "民主评议", "谈心谈话", "廉政教育", "警示教育"):
        assert months_of(study, kind), kind
    secretary = year["roster"].loc[year["roster"]["position"] == "书记", "name"].item()
    assert secretary in set(study.loc[study["type"] == "讲党课", "speaker"])


def test_inspections_shaped_like_the_summary(year):
    rows = year["inspections"]
    enforce = rows[(rows["type"] == "统计执法检查") & (rows["category"] == "企业")]
    assert enforce["object"].nunique() < len(enforce)  # some enterprises visited twice
    assert rows.loc[(rows["type"] == "统计执法检查") & (rows["category"] == "入库项目"), "object"].nunique() >= 100
    quality = rows[rows["type"] == "数据质量核查"]
    assert quality["object"].nunique() > 100 and (quality["category"] == "企业").all()
    research = rows[rows["type"] == "调研"]
    assert research["date"].nunique() == 10
    assert research["date"].value_counts().max() > 1  # some days with several objects
    assert {"县区统计局", "工业园区", "企业"} <= set(research["category"])


def test_volunteer_rows_per_person(year):
    rows = year["volunteer"]
    assert not rows.duplicated(["date", "activity", "name"]).any()
    community = rows[rows["category"].isin(["疫情防控", "社区服务"])]
    assert community.groupby(["date", "activity"])["name"].nunique().max() == 20
    assert (rows["hours"] > 0).all() and rows["hours"].sum() > 0


def test_targets(year):
    targets = year["targets"]
    assert (targets["year"] == DEMO_YEAR).all()
    assert INDICATORS <= set(targets["indicator"])
    assert (targets["target"] > 0).all()
