"""A deterministic demo year: a city statistics bureau's Party branch in 2025.

``python -m data.demo --out data/samples`` writes 12 monthly workbooks shaped like real ones
(a title row, a 序号 column, sometimes a 填表人 line under the table, sheet names and some
headers taken from the schema's aliases). January also holds the 计划目标 and 党员名册
sheets. ``python cli.py demo`` imports them. Everything here is made up: the names are random
combinations of common surnames and given-name characters.

The year lets every count of the seed work summary be produced, and keeps two compliance gaps
on purpose so the dashboard has something to show: no 支委会 in August, and the 第三党小组
holds no 党小组会 in October. 集中学习 and 志愿服务时长 also end the year below their targets.
"""

from __future__ import annotations

import argparse
import calendar
import random
import tomllib
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from data import texts
from data.export import column_values
from data.schema import (ACTIVITY_REGISTERS, INSPECTIONS, MEMBERSHIP, NAME_SEPARATOR, REGISTERS, ROSTER,
                         ROSTER_STATUSES, STUDY, TARGETS, VOLUNTEER, WORK, Register, coerce, header_key)
from data.settings import DEFAULT_BRANCH

DEMO_YEAR = 2025
SEED = 20250101
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
DEMO_USER = "demo"  # the 操作人 recorded on the demo year's import batches

GROUPS = ("第一党小组", "第二党小组", "第三党小组")
COMMITTEE = ("书记", "副书记", "组织委员", "纪检委员", "宣传委员")
GROUP_LEADER = "党小组组长"
MEMBER_COUNT = 35
SICK_MEMBER = 30  # roster index of a member on long sick leave: attends nothing all year
PROBATIONARY = (33, 34)
# The planned compliance gaps.
NO_COMMITTEE_MONTH = 8
MISSED_GROUP_MEETING = ("第三党小组", 10)
# Months whose workbooks use the schema's sheet aliases, some header aliases and Chinese dates.
ALIAS_MONTHS = frozenset({4, 5, 6, 10, 11, 12})
ALIAS_HEADERS = {"study": ("speaker",), "inspections": ("object",), "volunteer": ("hours",)}
FILLER_MONTHS = frozenset({2, 3, 6, 9, 11, 12})

# Public holidays of the demo year (nothing is scheduled on them).
HOLIDAYS = tuple((date(DEMO_YEAR, *a), date(DEMO_YEAR, *b)) for a, b in (
    ((1, 1), (1, 1)), ((1, 28), (2, 4)), ((4, 4), (4, 6)), ((5, 1), (5, 5)), ((5, 31), (6, 2)),
    ((10, 1), (10, 8))))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉兰萍红梅鹏飞斌宇浩凯健俊帆旭宁龙林欣悦佳琳雪婷晨阳瑞鑫博文轩怡涵睿哲源志海"
FIRMS = ("鑫源", "恒达", "华泰", "宏盛", "金川", "瑞丰", "天宇", "新峰", "嘉禾", "润通", "博远", "安泰", "永信",
         "兴业", "利民", "鼎盛", "万和", "富康", "长青", "星辰", "佳美", "塞上", "银湖", "凤城", "德润", "同心")
INDUSTRIES = ("科技", "建材", "化工", "食品", "物流", "商贸", "机械", "新能源", "电子", "乳业", "建设", "纺织",
              "印务", "医药", "光伏", "新材料", "农牧", "能源")
FIRM_SUFFIXES = ("有限公司", "有限公司", "有限责任公司", "股份有限公司")
PLACES = ("城东", "滨河", "开发区", "高新区", "北部新区", "南部新区", "金湖", "西园", "望远", "丰登", "观湖", "通达")
WORKS = ("道路改造工程", "安置小区建设项目", "污水处理厂扩建项目", "光伏电站项目", "物流园建设项目", "标准化厂房项目",
         "老旧小区改造项目", "学校建设项目", "供热管网改造工程", "商业综合体项目", "冷链仓储项目", "数据中心项目")
COUNTIES = ("东城区统计局", "西城区统计局", "河东区统计局", "南山县统计局", "北川县统计局")
PARKS = ("经济技术开发区", "高新技术产业园区", "河东工业园区", "新材料产业园")

MEETING_ROOM, ACTIVITY_ROOM = "局机关三楼会议室", "局机关党员活动室"
COLLECTIVE_TOPICS = (
    "学习习近平新时代中国特色社会主义思想专题摘编", "学习《中国共产党章程》", "学习全国两会精神",
    "深入贯彻中央八项规定精神学习教育专题学习", "学习《中国共产党支部工作条例（试行）》",
    "学习习近平总书记关于统计工作的重要论述", "学习《中华人民共和国统计法》", "学习《中国共产党纪律处分条例》",
    "学习中央八项规定及其实施细则精神", "学习《统计违纪违法责任人处分处理建议办法》", "学习党的二十届三中全会精神",
    "学习《关于更加有效防治统计造假、弄虚作假的意见》", "学习《中国共产党党员教育管理工作条例》",
    "学习习近平总书记在“七一”前夕的重要讲话", "学习《习近平谈治国理政》第五卷", "学习意识形态工作责任制有关规定",
    "学习党的二十届四中全会精神", "学习“十五五”规划建议", "学习《中国共产党问责条例》",
    "学习《中国共产党廉洁自律准则》", "学习统计督察有关规定", "学习年度统计工作会议精神",
)
DISCUSSION_TOPICS = (
    "围绕“统计数据质量提升”开展专题研讨", "深入贯彻中央八项规定精神学习教育专题研讨",
    "“以案为鉴、以案促改”专题研讨", "“党建+统计业务”融合专题研讨", "围绕防范统计造假开展研讨交流",
    "学习贯彻全会精神专题研讨", "“数情先锋”党建品牌建设研讨", "统计服务高质量发展研讨交流", "年度工作总结研讨交流",
)
LECTURES = {
    3: ("书记", "深入贯彻中央八项规定精神，锤炼党性作风"),
    6: ("副书记", "坚守统计人初心，守护统计数据真实准确"),
    7: ("书记", "“七一”专题党课：传承红色基因，争做数情先锋"),
    9: ("组织委员", "严格党内政治生活，提升组织力"),
    11: ("纪检委员", "以案为鉴筑牢廉洁防线"),
}
THEME_DAYS = (
    "新春走访慰问困难党员", "学雷锋志愿服务", "重温入党誓词", "清明祭英烈", "“五四”青年干部座谈",
    "“七一”前夕党员承诺践诺", "庆“七一”主题党日", "统计法治宣传进社区", "参观红色教育基地",
    "国庆爱国主义教育", "“数情先锋”党员示范岗评选", "年度党员积分评议",
)
CONGRESS_TOPICS = {3: "通报年度党建工作要点", 6: "预备党员转正表决", 9: "通报上半年党建工作情况",
                   12: "听取支部委员会年度工作报告"}
INTEGRITY = {4: "观看廉政教育片《清廉之光》", 5: "党风廉政教育月专题学习", 9: "观看廉政教育片《警钟》",
             12: "学习典型案例通报"}
WARNING = {5: "赴廉政警示教育基地现场学习", 10: "赴银行廉政教育基地现场学习"}
DISCUSSION_MONTHS = (2, 4, 5, 6, 7, 9, 10, 11, 12)

# (month, activity, category, place, people, hours)
VOLUNTEER_ACTIVITIES = (
    (1, "春节前走访慰问困难群众", "结对帮扶", "红星村", 5, 4.0),
    (2, "干部下沉社区服务", "社区服务", "惠民街社区", 20, 3.0),
    (3, "学雷锋志愿服务", "社区服务", "惠民街社区", 8, 2.0),
    (3, "义务植树", "植树绿化", "贺兰山绿化责任区", 28, 4.0),
    (4, "“双报到”社区环境整治", "环境整治", "惠民街社区", 8, 2.5),
    (5, "文明交通劝导", "创城服务", "迎宾路路口", 10, 2.0),
    (6, "绿化责任区灌水养护", "植树绿化", "贺兰山绿化责任区", 12, 4.0),
    (6, "结对帮扶走访", "结对帮扶", "红星村", 4, 4.0),
    (7, "创城入户宣传", "创城服务", "惠民街社区", 8, 2.0),
    (8, "协助防汛隐患排查", "社区服务", "惠民街社区", 6, 3.0),
    (9, "围堰加固、拆膜养护", "植树绿化", "贺兰山绿化责任区", 12, 4.0),
    (9, "结对帮扶走访", "结对帮扶", "红星村", 4, 4.0),
    (10, "“双报到”社区环境整治", "环境整治", "惠民街社区", 10, 2.5),
    (11, "文明城市创建志愿服务", "创城服务", "迎宾路路口", 8, 2.0),
    (12, "冬春季传染病防控宣传", "疫情防控", "惠民街社区", 8, 2.0),
    (12, "结对帮扶走访", "结对帮扶", "红星村", 5, 4.0),
)
ROUTINE_SERVICE = ("社区卫生整治", "环境整治", "惠民街社区", 3, 2.0)  # twice a month

# 工作台账: (month, 类别, 事项, 数量 (None: blank, counts as one), 单位, 对象). The categories are the
# branch's own words; a branch counts them with its own indicators (settings or 指标设置).
WORK_ITEMS = (
    *((m, "统计专报", f"{m}月全市经济运行分析", 3 if m in (1, 7) else 4, "篇", "市委、市政府")
      for m in range(1, 13)),
    (3, "专报签批", "《全市统计工作总体情况汇报》获市委主要领导签批", None, "篇", "市委"),
    (5, "专报签批", "一季度经济运行分析获市政府主要领导签批", None, "篇", "市政府"),
    (8, "专报签批", "上半年经济运行分析获签批", 2, "篇", "市委、市政府"),
    (11, "专报签批", "民营经济统计监测报告获签批", None, "篇", "市政府"),
    (2, "专题会议", "与帮扶村召开乡村振兴专题会议", None, "次", "红星村"),
    (5, "专题会议", "包抓企业发展专题会议", None, "次", "包抓企业"),
    (8, "专题会议", "帮扶工作推进专题会议", None, "次", "红星村"),
    (11, "专题会议", "年度帮扶工作总结专题会议", None, "次", "红星村"),
    (1, "研究意识形态工作", "支委会研究年度意识形态工作要点", None, "次", None),
    (7, "研究意识形态工作", "支委会研究上半年意识形态工作", None, "次", None),
    (12, "研究意识形态工作", "支委会研究意识形态工作责任制落实", None, "次", None),
    *((m, "意识形态研判", f"第{(m - 1) // 3 + 1}季度意识形态研判", None, "次", "市直机关工委")
      for m in (3, 6, 9, 12)),
    *((m, "网民咨询", f"{m}月答复网民咨询", 2 if m in (3, 7) else 1, "批次", "网民") for m in range(1, 13)),
    (4, "承诺书", "党员不信仰宗教、不参与宗教活动承诺书", 35, "份", "全体党员"),
    # 统计专报 are also counted among 各类统计信息 (work.writings), with 课题, 分析 and 统计信息.
    (6, "课题", "民营经济高质量发展统计监测研究", None, "篇", None),
    (11, "课题", "“4＋4”产业监测指标体系研究", None, "篇", None),
    *((m, "分析", f"{m}月工业、投资运行分析", 2, "篇", None) for m in range(1, 13)),
    *((m, "统计信息", f"{m}月统计信息", 3, "篇", None) for m in range(1, 13)),
    # 到选调生、驻村工作队员所在村党支部了解工作情况: one row per person visited (对象: the person).
    (5, "走访选调生", "到选调生所在村党支部了解工作情况", None, "名", "马晓东"),
    (5, "走访选调生", "到选调生所在村党支部了解工作情况", None, "名", "田雨欣"),
    (10, "走访选调生", "回访选调生所在村党支部", None, "名", "马晓东"),
    (5, "走访驻村工作队员", "到驻村工作队员所在村党支部了解工作情况", None, "名", "杨立新"),
)
# The branch's own indicators the demo's summary quotes (settings.example.toml): ``load_demo`` stores
# them as 指标设置 indicators, so the demo's draft fills every item of the seed's outline.
EXAMPLE_SETTINGS = Path(__file__).resolve().parent.parent / "settings.example.toml"

# (indicator key from metrics.catalogue, target); the note is the indicator's Chinese name.
TARGETS_PLAN = (
    ("study.collective", 24), ("study.discussion", 8), ("study.lecture", 4), ("study.theme_day", 12),
    ("study.integrity", 6), ("inspect.enforcement_enterprises", 15), ("inspect.enforcement_projects", 100),
    ("inspect.quality_enterprises", 100), ("inspect.research", 10), ("volunteer.hours", 800),
    ("volunteer.person_times", 220), ("volunteer.people", 30),
)


def _days(month: int, weekdays_only: bool = True) -> list[date]:
    last = calendar.monthrange(DEMO_YEAR, month)[1]
    days = [d for d in (date(DEMO_YEAR, month, n) for n in range(1, last + 1))
            if not any(start <= d <= end for start, end in HOLIDAYS)]
    return [d for d in days if d.weekday() < 5] if weekdays_only else days


def _unique(rng: random.Random, count: int, make) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        value = make()
        if value not in out:
            out.append(value)
    return out


class _Year:
    """Builds the year's rows; one random stream consumed in a fixed order."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        names = _unique(self.rng, MEMBER_COUNT, lambda: self.rng.choice(SURNAMES)
                        + "".join(self.rng.sample(GIVEN, self.rng.choice((1, 2, 2, 2)))))
        self.roster = [
            {"name": name, "group": GROUPS[i % len(GROUPS)],
             "status": ROSTER_STATUSES[1 if i in PROBATIONARY else 0],
             "position": COMMITTEE[i] if i < len(COMMITTEE) else
             (GROUP_LEADER if i < len(COMMITTEE) + len(GROUPS) else None),
             "note": "长期病休" if i == SICK_MEMBER else None}
            for i, name in enumerate(names)]
        self.names = names
        self.active = [n for i, n in enumerate(names) if i != SICK_MEMBER]
        self.by_position = {m["position"]: m["name"] for m in self.roster[:len(COMMITTEE)]}
        self.study: list[dict] = []
        self.inspections: list[dict] = []
        self.volunteer: list[dict] = []

    # -- helpers -------------------------------------------------------------------------------
    def day(self, month: int, weekdays_only: bool = True) -> date:
        return self.rng.choice(_days(month, weekdays_only))

    def pick(self, people: list[str], count: int) -> list[str]:
        chosen = set(self.rng.sample(people, count))
        return [n for n in self.names if n in chosen]  # roster order

    def meeting(self, when: date, kind: str, topic: str, speaker: str | None, invited: list[str],
                hours: float, place: str, group: str | None = None, max_absent: int = 3) -> None:
        present = [n for n in invited if n in self.active]
        optional = [n for n in present if n != speaker]
        absent = set(self.rng.sample(optional, self.rng.randint(0, min(max_absent, len(optional)))))
        attendees = [n for n in present if n not in absent]
        missing = len(invited) - len(attendees)
        self.study.append({
            "date": when, "type": kind, "topic": topic, "speaker": speaker, "expected": len(invited),
            "present": len(attendees), "attendees": NAME_SEPARATOR.join(attendees), "hours": hours,
            "group": group, "place": place, "note": f"请假{missing}人" if missing else None})

    def inspection(self, when: date, kind: str, obj: str, category: str, issues: int | None,
                   note: str | None = None) -> None:
        if issues is None:
            rectify = None
        elif issues == 0:
            rectify = "无需整改"
        else:
            rectify = "整改中" if when.month >= 11 and self.rng.random() < 0.5 else "已整改"
        inspectors = self.pick(self.active, self.rng.choice((2, 2, 3)))
        self.inspections.append({
            "date": when, "type": kind, "object": obj, "category": category,
            "inspectors": NAME_SEPARATOR.join(inspectors), "issues": issues, "rectify": rectify, "note": note})

    # -- registers -----------------------------------------------------------------------------
    def build_study(self) -> None:
        secretary = self.by_position["书记"]
        committee = list(self.by_position.values())
        collective = iter(COLLECTIVE_TOPICS)
        discussion = iter(DISCUSSION_TOPICS)
        for month in range(1, 13):
            for _ in range(1 if month <= 2 else 2):
                self.meeting(self.day(month), "集中学习", next(collective),
                             self.rng.choice((secretary, self.by_position["宣传委员"])), self.names, 2.0, MEETING_ROOM)
            if month in DISCUSSION_MONTHS:
                self.meeting(self.day(month), "研讨交流", next(discussion),
                             self.rng.choice((secretary, self.by_position["副书记"])), self.names, 2.5, MEETING_ROOM)
            if month in LECTURES:
                position, topic = LECTURES[month]
                self.meeting(self.day(month), "讲党课", topic, self.by_position[position], self.names, 1.5, MEETING_ROOM)
            if month in CONGRESS_TOPICS:
                self.meeting(self.day(month), "支部党员大会", CONGRESS_TOPICS[month], secretary, self.names, 2.0,
                             MEETING_ROOM)
            if month != NO_COMMITTEE_MONTH:
                self.meeting(self.day(month), "支委会", f"研究部署{month}月党建工作", secretary, committee, 1.5,
                             ACTIVITY_ROOM, max_absent=1)
            for group in GROUPS:
                if (group, month) == MISSED_GROUP_MEETING:
                    continue
                members = [m["name"] for m in self.roster if m["group"] == group]
                leader = next(m["name"] for m in self.roster if m["group"] == group and m["position"] == GROUP_LEADER)
                self.meeting(self.day(month), "党小组会", f"{month}月党小组学习交流", leader, members, 1.5,
                             ACTIVITY_ROOM, group=group, max_absent=2)
            theme_day = next(d for d in _days(month) if d.day >= 15)  # a fixed day each month
            self.meeting(theme_day, "主题党日", THEME_DAYS[month - 1], secretary, self.names, 3.0,
                         "红色教育基地" if month in (4, 9) else ACTIVITY_ROOM)
            if month in INTEGRITY:
                self.meeting(self.day(month), "廉政教育", INTEGRITY[month], self.by_position["纪检委员"], self.names,
                             2.0, MEETING_ROOM)
            if month in WARNING:
                self.meeting(self.day(month), "警示教育", WARNING[month], self.by_position["纪检委员"], self.names,
                             3.0, "廉政警示教育基地")
            if month == 11:
                for position in ("副书记", "组织委员", "纪检委员", "宣传委员"):
                    self.meeting(self.day(month), "谈心谈话", "书记与支委委员谈心谈话", secretary,
                                 [secretary, self.by_position[position]], 0.5, ACTIVITY_ROOM, max_absent=0)
            if month == 12:
                self.meeting(self.day(month), "组织生活会", f"{DEMO_YEAR}年度组织生活会", secretary, self.names, 4.0,
                             MEETING_ROOM)
                self.meeting(self.day(month), "民主评议", f"{DEMO_YEAR}年度民主评议党员", secretary, self.names, 2.0,
                             MEETING_ROOM)

    def build_inspections(self) -> None:
        rng = self.rng
        firms = _unique(rng, 140, lambda: rng.choice(FIRMS) + rng.choice(INDUSTRIES) + rng.choice(FIRM_SUFFIXES))
        projects = _unique(rng, 108, lambda: rng.choice(PLACES) + rng.choice(WORKS))
        # 统计执法检查 of 18 enterprises, 4 of them visited again for a follow-up.
        enforced = firms[:18]
        first = {firm: rng.randint(4, 10) for firm in enforced}
        for firm in enforced:
            self.inspection(self.day(first[firm]), "统计执法检查", firm, "企业", rng.choice((0, 1, 1, 2, 3, 5)))
        for firm in rng.sample(enforced, 4):
            self.inspection(self.day(min(first[firm] + rng.randint(1, 2), 11)), "统计执法检查", firm, "企业", 0, "复查")
        for i, project in enumerate(projects):
            self.inspection(self.day(3 + i % 9), "统计执法检查", project, "入库项目", rng.choice((0, 0, 1, 2)))
        # 数据质量核查 of 108 enterprises (busiest around the annual and half-year reports), 6 rechecked.
        checked = firms[10:118]
        months = [m for m, n in zip(range(1, 13), (14, 12, 14, 6, 6, 6, 14, 12, 6, 6, 6, 6)) for _ in range(n)]
        when = {firm: month for firm, month in zip(checked, months)}
        for firm in checked:
            self.inspection(self.day(when[firm]), "数据质量核查", firm, "企业", rng.choice((0, 0, 0, 1, 2)))
        for firm in rng.sample(checked, 6):
            self.inspection(self.day(min(when[firm] + 1, 12)), "数据质量核查", firm, "企业", 0, "复核")
        # 调研 on 10 days (one a month from March), some days visiting several places.
        places = [(c, "县区统计局") for c in COUNTIES] + [(p, "工业园区") for p in PARKS] + \
                 [(f, "企业") for f in firms[118:127]]
        rng.shuffle(places)
        visits = iter(places)
        for month, count in zip(range(3, 13), (2, 1, 3, 1, 2, 1, 2, 1, 3, 2)):
            day = self.day(month)
            for _ in range(count):
                obj, category = next(visits)
                self.inspection(day, "调研", obj, category, None, "座谈了解统计基层基础工作")
        for month, county in ((5, COUNTIES[0]), (9, COUNTIES[3])):
            self.inspection(self.day(month), "专项治理", county, "县区统计局", rng.choice((1, 2)), "统计造假问题专项纠治")

    def build_volunteer(self) -> None:
        activities = list(VOLUNTEER_ACTIVITIES)
        activities += [(m, *ROUTINE_SERVICE) for m in range(1, 13) for _ in range(2)]
        activities.sort(key=lambda a: a[0])
        for month, activity, category, place, people, hours in activities:
            when = self.day(month, weekdays_only=False)
            for name in self.pick(self.active, people):
                self.volunteer.append({
                    "date": when, "name": name, "activity": activity, "category": category, "place": place,
                    "hours": hours - 0.5 if self.rng.random() < 0.15 else hours,
                    "method": "补录" if self.rng.random() < 0.1 else "签到", "note": None})


def _people(rng: random.Random, count: int, taken: list[str]) -> list[str]:
    """``count`` made-up names, none of them in ``taken``."""
    out: list[str] = []
    while len(out) < count:
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2))
        if name not in taken and name not in out:
            out.append(name)
    return out


def build_membership(roster: list[dict], seed: int) -> list[dict]:
    """党员发展与组织关系 (a row in January too, so that sheet has rows): the two 预备党员 of the roster received in April, one member made full in
    June (the 支部党员大会's 预备党员转正表决), two 入党积极分子 and one 发展对象 who are not members yet,
    two relations transferred in and one out. Its own random stream (the other registers stay as they were)."""
    rng = random.Random(seed + 1)
    names = [m["name"] for m in roster]
    outsiders = _people(rng, 4, names)
    probationary = [names[i] for i in PROBATIONARY]
    rows = [(date(DEMO_YEAR, 3, 12), outsiders[0], "确定入党积极分子", None),
            (date(DEMO_YEAR, 3, 12), outsiders[1], "确定入党积极分子", None),
            (date(DEMO_YEAR, 3, 12), outsiders[2], "确定发展对象", None),
            *((date(DEMO_YEAR, 4, 16), n, "接收预备党员", "支部党员大会表决通过") for n in probationary),
            (date(DEMO_YEAR, 6, 18), names[31], "预备党员转正", "支部党员大会表决通过"),
            (date(DEMO_YEAR, 1, 20), names[29], "组织关系转入", "由区统计局党支部转入"),
            (date(DEMO_YEAR, 9, 8), names[28], "组织关系转入", "由县统计局党支部转入"),
            (date(DEMO_YEAR, 11, 5), outsiders[3], "组织关系转出", "调往市发改委党支部")]
    return [{"date": d, "name": n, "event": e, "note": note} for d, n, e, note in rows]


def build_work() -> list[dict]:
    """工作台账: the rows of ``WORK_ITEMS``, each on the 10th of its month (or the next weekday)."""
    rows = []
    for month, category, item, quantity, unit, target in WORK_ITEMS:
        day = next(d for d in _days(month) if d.day >= 10)
        rows.append({"date": day, "category": category, "item": item, "quantity": quantity, "unit": unit,
                     "target": target, "note": None})
    return rows


def _frame(register: Register, rows: list[dict]) -> pd.DataFrame:
    """Rows as a DataFrame following the schema's DataFrame contract."""
    frame = coerce(pd.DataFrame(rows, columns=register.keys), register)
    if register.key in ACTIVITY_REGISTERS:
        frame = frame.sort_values("date", kind="stable", ignore_index=True)
    return frame


def build_year(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The whole demo year: register key -> DataFrame with schema column keys."""
    year = _Year(seed)
    year.build_study()
    year.build_inspections()
    year.build_volunteer()
    targets = [{"year": DEMO_YEAR, "indicator": key, "target": float(value), "note": texts.INDICATOR_NAMES[key]}
               for key, value in TARGETS_PLAN]
    return {
        STUDY.key: _frame(STUDY, year.study),
        INSPECTIONS.key: _frame(INSPECTIONS, year.inspections),
        VOLUNTEER.key: _frame(VOLUNTEER, year.volunteer),
        MEMBERSHIP.key: _frame(MEMBERSHIP, build_membership(year.roster, seed)),
        WORK.key: _frame(WORK, build_work()),
        TARGETS.key: _frame(TARGETS, targets),
        ROSTER.key: _frame(ROSTER, year.roster),
    }


_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")


def _write_sheet(book: Workbook, register: Register, frame: pd.DataFrame, month: int, *, title: str | None,
                 filled_by: str | None) -> None:
    aliased = month in ALIAS_MONTHS
    sheet = book.create_sheet(register.sheet_aliases[0] if aliased else register.name)
    headers = [col.aliases[0] if aliased and col.key in ALIAS_HEADERS.get(register.key, ()) else col.label
               for col in register.columns]
    serial = title is not None  # the "real-looking" sheets carry a title row and a 序号 column
    if serial:
        headers.insert(0, texts.DEMO_SERIAL_HEADER)
        sheet.append([title])
        sheet["A1"].font = _TITLE_FONT
        sheet["A1"].alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    date_format = 'yyyy"年"m"月"d"日"' if aliased else "yyyy-mm-dd"
    columns = [column_values(frame, col) for col in register.columns]
    if serial:
        columns.insert(0, list(range(1, len(frame) + 1)))
    for row in zip(*columns):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.is_date:
                cell.number_format = date_format
    if filled_by:
        sheet.append([])
        sheet.append([filled_by])
    for j, (header, values) in enumerate(zip(headers, columns), start=1):
        shown = [header, *(f"{v:%Y-%m-%d}" if isinstance(v, datetime) else str(v) for v in values if v is not None)]
        sheet.column_dimensions[get_column_letter(j)].width = min(max(map(texts.display_width, shown)) + 2, 50)


def write_samples(out: Path = SAMPLES_DIR, seed: int = SEED) -> list[Path]:
    """Write the 12 monthly workbooks into ``out``; returns their paths."""
    frames = build_year(seed)
    roster = frames[ROSTER.key]
    position = dict(zip(roster["position"], roster["name"]))
    footer = texts.DEMO_FILLED_BY.format(filler=position["组织委员"], checker=position["书记"])
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for month in range(1, 13):
        book = Workbook()
        book.remove(book.active)
        for key in ACTIVITY_REGISTERS:
            register = REGISTERS[key]
            rows = frames[key][frames[key]["date"].dt.month == month]
            title = texts.DEMO_TITLE.format(year=DEMO_YEAR, branch=DEFAULT_BRANCH, register=register.name, month=month)
            _write_sheet(book, register, rows, month, title=title,
                         filled_by=footer if month in FILLER_MONTHS else None)
        if month == 1:
            _write_sheet(book, TARGETS, frames[TARGETS.key], month, title=None, filled_by=None)
            _write_sheet(book, ROSTER, roster, month, title=texts.DEMO_ROSTER_TITLE.format(branch=DEFAULT_BRANCH),
                         filled_by=None)
        path = out / f"{DEMO_YEAR}-{month:02d}.xlsx"
        book.save(path)
        paths.append(path)
    return paths


def sample_files() -> list[Path]:
    """The demo year's workbooks shipped in ``SAMPLES_DIR``, January first."""
    return sorted(SAMPLES_DIR.glob("*.xlsx"))


def example_definitions() -> list[dict]:
    """The ``[[indicators]]`` of ``settings.example.toml``, as written."""
    with open(EXAMPLE_SETTINGS, "rb") as fh:
        return list(tomllib.load(fh).get("indicators", []))


def load_demo(store, user: str = DEMO_USER):
    """Import the demo year into ``store`` (one batch per workbook; nothing stored if any has an
    error): what ``python cli.py demo`` and the dashboard's first-run button do. Then the example
    indicators (``example_definitions``) the branch does not define yet, by key or name, in the
    settings file or on the 指标设置 page, are added to its 指标设置 (one audited save). Returns the
    ``data.importer.ImportOutcome``."""
    from data.importer import import_files
    from data.indicators import save_definitions, settings_definitions, stored_definitions

    outcome = import_files(store, sample_files(), user=user)
    if outcome.rejected:
        return outcome
    stored = stored_definitions(store)
    taken = {header_key(str(d.get(f))).lower() for d in (*settings_definitions(), *stored) if isinstance(d, dict)
             for f in ("key", "name") if d.get(f)}
    new = [d for d in example_definitions()
           if header_key(d["key"]).lower() not in taken and header_key(d["name"]).lower() not in taken]
    if new:
        save_definitions(store, [*stored, *new], user=user)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.demo")
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR)
    args = parser.parse_args(argv)
    paths = write_samples(args.out)
    print(texts.DEMO_WRITTEN.format(count=len(paths), out=args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
