"""A workbook as a branch keeps it, holding all five activity registers (学习教育, 检查核查, 志愿服务,
党员发展与组织关系, 工作台账) plus 党员名册 and 计划目标 for 2023 (and a few 2022 rows), and the
branch's own indicators as the settings file declares them (the TOML of issue 15)."""

from __future__ import annotations

from pathlib import Path

from tests.xlsx_factory import register_rows, write_xlsx

YEAR = 2023

# The settings file, plus 下沉社区 (distinct 姓名 on 志愿服务 filtered to its 服务类别).
SETTINGS_TOML = '''
[[indicators]]
key = "work.reports"
name = "统计专报篇数"
register = "work"
agg = "sum"
columns = ["数量"]
unit = "篇"
filter = { "类别" = ["统计专报"] }

[[indicators]]
key = "volunteer.sinking"
name = "下沉社区干部人数"
register = "志愿服务"
agg = "distinct"
columns = ["姓名"]
unit = "名"
filter = { "服务类别" = ["疫情防控"] }
'''

# One saved on the 指标设置 page (stored in the database).
PAGE_DEFINITION = {"key": "work.ideology", "name": "意识形态研判次数", "register": "工作台账", "agg": "count",
                   "unit": "次", "filter": {"category": ["意识形态研判"]}}

ROSTER = [{"name": "张三", "group": "第一党小组"}, {"name": "李四", "group": "第一党小组"},
          {"name": "王五", "group": "第二党小组"}, {"name": "赵六", "group": "第二党小组"}]
STUDY = [
    {"date": "2022-12-01", "type": "集中学习", "topic": "去年", "attendees": "王五", "hours": 10},
    {"date": "2023-01-10", "type": "集中学习", "topic": "学习一", "attendees": "张三、李四、王五", "hours": 4},
    {"date": "2023-03-15", "type": "讲党课", "topic": "党课", "speaker": "张三", "attendees": "张三，李四", "hours": 2},
    {"date": "2023-05-20", "type": "研讨交流", "topic": "研讨", "attendees": "张三", "hours": 3},
    {"date": "2023-06-10", "type": "主题党日", "topic": "党日", "attendees": "张三、李四、王五、钱七", "hours": 3},
    {"date": "2023-07-01", "type": "集中学习", "topic": "无学时", "attendees": "李四、王五"},
    {"date": "2023-09-01", "type": "集中学习", "topic": "专题培训", "attendees": "张三、李四", "hours": 20},
]
INSPECTIONS = [
    {"date": "2023-03-01", "type": "统计执法检查", "object": "甲公司", "category": "企业", "issues": 2},
    {"date": "2023-05-10", "type": "数据质量核查", "object": "乙公司", "category": "企业"},
]
SINKING = [f"干部{i:02d}" for i in range(1, 21)]
VOLUNTEER = (
    [{"date": "2023-02-10", "name": n, "activity": "下沉社区疫情防控", "category": "疫情防控", "hours": 4}
     for n in SINKING]
    + [{"date": "2023-02-17", "name": n, "activity": "下沉社区疫情防控", "category": "疫情防控", "hours": 4}
       for n in SINKING[:5]]
    + [{"date": "2023-03-05", "name": n, "activity": "社区服务", "category": "社区服务", "hours": 2}
       for n in ("张三", "李四", "外单位甲")]
    + [{"date": "2022-11-05", "name": "去年干部", "activity": "疫情防控", "category": "疫情防控", "hours": 2}]
)
MEMBERSHIP = [
    {"date": "2022-12-30", "name": "钱一", "event": "接收预备党员"},
    {"date": "2023-03-12", "name": "冯六", "event": "确定入党积极分子"},
    {"date": "2023-04-16", "name": "孙二", "event": "接收预备党员"},
    {"date": "2023-04-16", "name": "周三", "event": "接收预备党员"},
    {"date": "2023-05-02", "name": "孙二", "event": "发展预备党员", "note": "重复登记（别名）"},
    {"date": "2023-06-18", "name": "钱一", "event": "预备党员转正"},
    {"date": "2023-02-20", "name": "吴四", "event": "组织关系转入"},
    {"date": "2023-11-05", "name": "郑五", "event": "转出"},
]
WORK = [
    {"date": "2023-01-10", "category": "统计专报", "item": "1月经济运行分析", "quantity": 10, "unit": "篇"},
    {"date": "2023-04-10", "category": "统计专报\u3000", "item": "一季度分析", "quantity": 20, "unit": "篇"},
    {"date": "2023-06-10", "category": "统计专报", "item": "半年分析（数量空白，按1篇）", "unit": "篇"},
    {"date": "2022-12-10", "category": "统计专报", "item": "去年", "quantity": 7},
    {"date": "2023-06-11", "category": "专报签批", "item": "半年分析获签批", "quantity": 2},
    {"date": "2023-03-31", "category": "意识形态研判", "item": "一季度研判"},
    {"date": "2023-06-30", "category": "意识形态研判", "item": "二季度研判"},
    {"date": "2023-04-20", "category": "承诺书", "item": "不信仰宗教承诺书", "quantity": 35, "unit": "份",
     "target": "全体党员"},
]
TARGETS = [
    {"year": YEAR, "indicator": "统计专报篇数", "target": 40},
    {"year": YEAR, "indicator": "volunteer.sinking", "target": 20},
    {"year": YEAR, "indicator": "意识形态研判次数", "target": 4},
    {"year": YEAR, "indicator": "发展预备党员人数", "target": 2},
]


def write_year(path: Path, *, targets: bool = True) -> Path:
    """The workbook (Excel sheet names in the registers' own names and aliases)."""
    sheets = {
        "学习教育": register_rows("study", STUDY),
        "检查核查": register_rows("inspections", INSPECTIONS),
        "志愿服务": register_rows("volunteer", VOLUNTEER),
        "党员发展": register_rows("membership", MEMBERSHIP),
        "工作记录": register_rows("work", WORK),
        "党员名册": register_rows("roster", ROSTER),
    }
    if targets:
        sheets["计划目标"] = register_rows("targets", TARGETS)
    return write_xlsx(path, sheets)


def write_settings(path: Path) -> Path:
    path.write_text(SETTINGS_TOML, encoding="utf-8")
    return path
