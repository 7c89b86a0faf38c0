"""Coverage per member, against a hand-built roster and registers (answers worked out by hand)."""

from __future__ import annotations

import pytest

from metrics.coverage import coverage
from metrics.frames import contract_frame

ROSTER = contract_frame("roster", [
    {"name": "张三", "group": "第一党小组"}, {"name": "李四", "group": "第一党小组"},
    {"name": "王五", "group": "第二党小组"}, {"name": "赵六"},
])
VOLUNTEER = contract_frame("volunteer", [
    {"date": "2022-12-31", "name": "王五", "activity": "植树", "hours": 2.0},   # last year
    {"date": "2023-03-05", "name": "张三", "activity": "植树", "hours": 2.5},
    {"date": "2023-03-05", "name": "李四", "activity": "植树", "hours": 2.5},
    {"date": "2023-03-05", "name": "钱七", "activity": "植树", "hours": 1.0},   # not in the roster
    {"date": "2023-04-10", "name": "张三", "activity": "社区服务", "hours": 3.0},
    {"date": "2023-06-01", "name": "李四 ", "activity": "植树", "hours": 1.5},
])
STUDY = contract_frame("study", [
    {"date": "2022-12-30", "type": "集中学习", "topic": "t", "attendees": "赵六"},
    {"date": "2023-01-05", "type": "集中学习", "topic": "t", "attendees": "张三、李四"},
    {"date": "2023-02-05", "type": "主题党日", "topic": "t", "attendees": "张三，王五、张三"},
    {"date": "2023-03-05", "type": "集中学习", "topic": "t", "attendees": "张三 李四  孙八"},
    {"date": "2023-04-05", "type": "集中学习", "topic": "t"},                     # no list: not a session
])


@pytest.fixture
def frames():
    return {"roster": ROSTER, "volunteer": VOLUNTEER, "study": STUDY}


@pytest.mark.parametrize("as_of, expected, without", [
    # 张三 2.5 + 3.0; 李四 2.5 + 1.5 (the second spelt with a trailing space); 王五's hours are 2022's.
    (None, [("张三", "第一党小组", 2, 5.5), ("李四", "第一党小组", 2, 4.0), ("王五", "第二党小组", 0, 0.0),
            ("赵六", None, 0, 0.0)], ["王五", "赵六"]),
    ("2023-05-31", [("张三", "第一党小组", 2, 5.5), ("李四", "第一党小组", 1, 2.5), ("王五", "第二党小组", 0, 0.0),
                    ("赵六", None, 0, 0.0)], ["王五", "赵六"]),
    ("2023-03-04", [("张三", "第一党小组", 0, 0.0), ("李四", "第一党小组", 0, 0.0), ("王五", "第二党小组", 0, 0.0),
                    ("赵六", None, 0, 0.0)], ["张三", "李四", "王五", "赵六"]),
])
def test_volunteer_hours_per_member(frames, as_of, expected, without):
    got = coverage(frames, 2023, as_of)
    assert got.roster_loaded and got.message is None
    assert list(got.volunteer[["name", "group", "times", "hours"]].itertuples(index=False, name=None)) == expected
    assert got.without_volunteer == without


def test_attendance_per_member(frames):
    got = coverage(frames, 2023)
    # Three 2023 sessions list 参加人员; a name repeated in one list counts once.
    assert list(got.attendance[["name", "attended", "sessions"]].itertuples(index=False, name=None)) == [
        ("张三", 3, 3), ("李四", 2, 3), ("王五", 1, 3), ("赵六", 0, 3)]
    assert got.attendance["rate"].tolist() == pytest.approx([1, 2 / 3, 1 / 3, 0])
    assert got.attendance_message is None
    assert got.not_in_roster == ["钱七", "孙八"]


def test_without_attendee_lists(frames):
    frames = {**frames, "study": contract_frame("study", [{"date": "2023-01-05", "type": "集中学习", "topic": "t"}])}
    got = coverage(frames, 2023)
    assert got.attendance is None and "参加人员" in got.attendance_message
    assert got.volunteer is not None


@pytest.mark.parametrize("frames", [
    {"volunteer": VOLUNTEER, "study": STUDY},
    {"volunteer": VOLUNTEER, "roster": contract_frame("roster", [])},
    {},
])
def test_without_a_roster_says_so_instead_of_zero(frames):
    got = coverage(frames, 2023)
    assert not got.roster_loaded and "党员名册" in got.message
    assert (got.volunteer, got.without_volunteer, got.attendance, got.not_in_roster) == (None, None, None, None)


def test_roster_with_empty_registers():
    got = coverage({"roster": ROSTER}, 2023)
    assert got.volunteer["hours"].tolist() == [0.0] * 4
    assert got.without_volunteer == ["张三", "李四", "王五", "赵六"]
    assert got.attendance is None and got.not_in_roster == []
