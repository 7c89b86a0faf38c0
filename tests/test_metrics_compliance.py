"""三会一课 compliance against hand-built registers; the expected grid and sentences are worked out by hand."""

from __future__ import annotations

import json

import pytest

from data import texts
from data.errors import DataError, SettingsError
from metrics.compliance import RULES, compliance, local_rules
from metrics.frames import contract_frame
from metrics.report import compliance_report, format_compliance
from metrics.states import Mark

AS_OF = "2023-05-15"   # in the middle of Q2: January to April are over, May is not

ROSTER = contract_frame("roster", [
    {"name": "李明", "group": "第一党小组", "position": "党支部书记"},
    {"name": "赵六", "group": "第二党小组", "position": "副书记"},
    {"name": "王五", "group": "第三党小组"},
    {"name": "张三", "group": "第一党小组", "position": "组织委员"},
])


def study(rows):
    keys = ("date", "type", "group", "speaker", "expected", "present")
    return contract_frame("study", [dict(zip(keys, r), topic="t") for r in rows])


STUDY = study([
    ("2023-01-05", "主题党日"), ("2023-01-10", "支委会", None, None, 5, 3),
    ("2023-01-15", "党小组会", "第一党小组"), ("2023-01-16", "党小组会", "第二党小组"),
    ("2023-02-05", "主题党日"), ("2023-02-10", "支部党员大会", None, None, 12, 5),
    ("2023-02-10", "支委会", None, None, 6, 3), ("2023-02-15", "党小组会", "第一党小组"),
    ("2023-02-20", "党小组会"),  # no 党小组 named: counted for no group
    ("2023-03-01", "讲党课", None, "赵六"), ("2023-03-05", "主题党日"),
    ("2023-03-15", "党小组会", "第一党小组"), ("2023-03-16", "党小组会", "第二党小组\u3000"),
    ("2023-04-05", "主题党日"), ("2023-04-10", "支委会"), ("2023-04-15", "党小组会", "第一党小组"),
    ("2023-04-25", "讲党课", None, "李明"), ("2023-05-05", "主题党日"),
])


@pytest.fixture
def frames():
    return {"study": STUDY, "roster": ROSTER}


def cell(result, rule, label, group=None):
    g = result.grid
    rows = g[(g["rule"] == rule) & (g["label"] == label) & (g["group"].fillna("") == (group or ""))]
    assert len(rows) == 1
    return rows.iloc[0]


def test_mid_quarter_grid(frames):
    result = compliance(frames, 2023, AS_OF)
    # 4 quarters + 12 months + 3 groups x 12 months + 12 months + 3 year rules
    assert len(result.grid) == 4 + 12 + 36 + 12 + 3
    cases = [
        ("assembly", "第一季度", None, Mark.MET, 1, "第十一条"),
        ("assembly", "第二季度", None, Mark.NOT_DUE, 0, "第十一条"),
        ("committee", "2月", None, Mark.MET, 1, "第十二条"),
        ("committee", "3月", None, Mark.MISSED, 0, "第十二条"),
        ("committee", "5月", None, Mark.NOT_DUE, 0, "第十二条"),
        ("group", "3月", "第二党小组", Mark.MET, 1, "第十三条"),   # "第二党小组　" normalised
        ("group", "2月", "第二党小组", Mark.MISSED, 0, "第十三条"),
        ("group", "1月", "第三党小组", Mark.MISSED, 0, "第十三条"),   # in the roster, never met
        ("theme_day", "5月", None, Mark.MET, 1, "第十六条"),
        ("theme_day", "6月", None, Mark.NOT_DUE, 0, "第十六条"),
        ("life_meeting", "全年", None, Mark.NOT_DUE, 0, "第十七条"),
        ("appraisal", "全年", None, Mark.NOT_DUE, 0, "第十八条"),
        ("secretary_lecture", "全年", None, Mark.MET, 1, "第十六条"),  # 李明 only: 赵六 is 副书记
    ]
    for rule, label, group, status, count, article in cases:
        got = cell(result, rule, label, group)
        assert (got["status"], got["count"], got["article"]) == (status, count, article), (rule, label, group)
    assert result.missing == [
        "3月未召开支委会",
        "2月第二党小组未召开党小组会", "4月第二党小组未召开党小组会",
        "1月第三党小组未召开党小组会", "2月第三党小组未召开党小组会", "3月第三党小组未召开党小组会",
        "4月第三党小组未召开党小组会",
    ]
    assert result.notes == [
        "1次党小组会未填写党小组，未计入各党小组",
        "2023年2月10日支部党员大会实到5人，应到12人，未超过半数",
        "2023年2月10日支委会实到3人，应到6人，未超过半数",
    ]


def test_quorum_needs_more_than_half(frames):
    q = compliance(frames, 2023, AS_OF).quorum
    assert list(zip(q["type"], q["expected"], q["present"], q["ok"])) == [
        ("支委会", 5, 3, True), ("支部党员大会", 12, 5, False), ("支委会", 6, 3, False)]


PAST = study([
    ("2022-03-01", "支部党员大会"), ("2022-06-30", "组织生活会"), ("2022-05-01", "讲党课", None, "某某"),
    ("2022-01-10", "党小组会"),
])


def test_past_year_without_roster():
    result = compliance({"study": PAST}, 2022, "2023-05-15")
    assert result.missing[:3] == ["第二季度未召开支部党员大会", "第三季度未召开支部党员大会", "第四季度未召开支部党员大会"]
    assert result.missing[3:15] == [f"{m}月未召开支委会" for m in range(1, 13)]
    # No row names a 党小组: the branch as a whole, January met.
    assert result.missing[15:26] == [f"{m}月未召开党小组会" for m in range(2, 13)]
    assert result.missing[26:38] == [f"{m}月未开展主题党日" for m in range(1, 13)]
    assert result.missing[38:] == ["全年未开展民主评议党员"]
    assert cell(result, "life_meeting", "全年")["status"] == Mark.MET
    assert cell(result, "secretary_lecture", "全年")["status"] == Mark.MET   # any 讲党课 without a roster
    assert result.notes == ["组织生活会未安排在第四季度（第十七条：一般在第四季度召开）",
                            "未导入党员名册，无法核对主讲人职务，“书记每年至少讲1次党课”按全部讲党课计算"]


@pytest.mark.parametrize("as_of, status", [("2023-03-30", Mark.NOT_DUE), ("2023-03-31", Mark.MISSED), ("2023-04-01", Mark.MISSED)])
def test_period_is_over_on_its_last_day(as_of, status):
    result = compliance({}, 2023, as_of)
    assert cell(result, "assembly", "第一季度")["status"] == status


def test_secretary_lecture_needs_the_secretary():
    frames = {"study": study([("2023-03-01", "讲党课", None, "赵六")]), "roster": ROSTER}
    assert cell(compliance(frames, 2023), "secretary_lecture", "全年")["status"] == Mark.MISSED
    assert "全年未安排书记讲党课" in compliance(frames, 2023).missing
    frames = {"study": study([("2023-03-01", "讲党课", None, "王五、李明")]), "roster": ROSTER}
    assert cell(compliance(frames, 2023), "secretary_lecture", "全年")["status"] == Mark.MET


@pytest.mark.parametrize("frames", [{}, {"study": contract_frame("study", []), "roster": None}])
def test_empty_registers(frames):
    whole = compliance(frames, 2023)
    assert len(whole.missing) == 4 + 12 + 12 + 12 + 3
    assert (whole.grid["status"] == Mark.MISSED).all()
    early = compliance(frames, 2023, "2023-01-15")
    assert early.missing == [] and (early.grid["status"] == Mark.NOT_DUE).all()
    assert early.quorum.empty


def test_local_rules(frames):
    local = [{"type": "党课", "every": "季度", "min": 2},
             {"type": ["廉政教育", "警示教育"], "every": "year", "name": "廉政教育每年至少1次", "article": "局党组规定"}]
    result = compliance(frames, 2023, AS_OF, local=local)
    q1 = cell(result, "local.1", "第一季度")
    assert (q1["name"], q1["article"], q1["status"], q1["count"], q1["min"]) == (
        "讲党课每季度至少2次", "本单位规定", Mark.MISSED, 1, 2)
    assert cell(result, "local.1", "第二季度")["status"] == Mark.NOT_DUE
    assert "第一季度开展讲党课1次，少于2次" in result.missing
    year = cell(result, "local.2", "全年")
    assert (year["name"], year["article"], year["status"]) == ("廉政教育每年至少1次", "局党组规定", Mark.NOT_DUE)


@pytest.mark.parametrize("entry, words", [
    ({"type": "学习", "every": "month"}, "“学习”"),
    ({"every": "month"}, "类型"),
    ({"type": "讲党课", "every": "week"}, "“week”"),
    ({"type": "讲党课", "every": "month", "min": 0}, "“0”"),
    ({"type": "讲党课", "every": "month", "min": "2"}, "“2”"),
])
def test_bad_local_rules(entry, words):
    with pytest.raises(SettingsError) as err:   # a DataError: shown to the user, not a bug
        local_rules([{"type": "讲党课", "every": "年"}, entry])
    assert "第2条" in str(err.value) and words in str(err.value)
    assert isinstance(err.value, DataError) and not isinstance(err.value, ValueError)


def test_rules_cite_articles():
    assert {r.key: r.article for r in RULES} == {
        "assembly": "第十一条", "committee": "第十二条", "group": "第十三条", "theme_day": "第十六条",
        "life_meeting": "第十七条", "appraisal": "第十八条", "secretary_lecture": "第十六条"}


def test_compliance_report_json(frames):
    result = compliance_report(frames, 2023, AS_OF)
    parsed = json.loads(json.dumps(result.records(), ensure_ascii=False))
    assert len(parsed) == len(result.grid)
    first = parsed[0]
    assert first == {"rule": "assembly", "name": "支部党员大会每季度1次", "article": "第十一条", "group": None,
                     "every": "quarter", "period": 1, "label": "第一季度", "start": "2023-01-01",
                     "end": "2023-03-31", "count": 1, "min": 1, "status": "met", "status_label": "达标",
                     "message": None,
                     "quorum_failures": ["2023-02-10"]}
    feb = next(r for r in parsed if r["rule"] == "committee" and r["label"] == "2月")
    assert feb["quorum_failures"] == ["2023-02-10"]
    march = next(r for r in parsed if r["rule"] == "committee" and r["label"] == "3月")
    assert (march["status"], march["status_label"], march["message"], march["quorum_failures"]) == (
        "missed", "缺失", "3月未召开支委会", [])
    # The JSON carries the stable value, whatever the label: every label is the one texts gives.
    # (NOT_UPLOADED comes only from metrics.glance.with_uploads, which this report does not apply.)
    assert {(r["status"], r["status_label"]) for r in parsed} == {(m.value, texts.MARK_LABELS[m.value]) for m in Mark
                                                                  if m != Mark.NOT_UPLOADED}


def test_format_compliance(frames):
    text = format_compliance(compliance_report(frames, 2023, AS_OF))
    lines = text.splitlines()
    assert lines[0] == "2023年三会一课落实情况（截至2023年5月15日）"
    assert "支部党员大会每季度1次（第十一条）：第一季度 达标｜第二季度 未到期｜第三季度 未到期｜第四季度 未到期" in lines
    assert any(ln.startswith("党小组会每月1次（第十三条） 第三党小组：1月 缺失｜") for ln in lines)
    assert "  3月未召开支委会" in lines and "提示：" in lines
    assert "截至目前没有缺失项。" in format_compliance(compliance({}, 2023, "2023-01-15"))
