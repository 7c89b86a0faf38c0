"""The seed summary's year (../shared/seed/2022-branch-work-summary.txt) as a branch keeps it: one
workbook holding all five activity registers (学习教育, 检查核查, 志愿服务, 党员发展, 工作记录) plus
党员名册 and 计划目标, with rows for every countable item of the seed (集中学习, 研讨交流, 讲党课, 三会一课,
执法检查企业/入库项目, 数据质量核查, 调研批次, 发展/转正/组织关系转接, 承诺书, 选调生/驻村工作队员,
各类统计信息, 统计专报 46 篇 of which 5 签批, 帮扶专题会议 4 次, 20 名干部下沉社区, 志愿服务, 现场学习 and
观看廉政教育片, 研究意识形态工作, 意识形态研判, 网民咨询).

Written the way real registers are: a title row, a 序号 column, dates as Excel dates with one date
merged down over the rows of one activity, a full-width space in a 类别, a 合计 row and a 填表人
line under the table. ``build_xlsx`` writes it with openpyxl; ``tests/files/make_files.py`` saves it
through LibreOffice as ``tests/files/seed-2022.xlsx`` (the file the tests import and recount).
Every name is made up.
"""

from __future__ import annotations

import io
from datetime import date

YEAR = 2022
BRANCH = "市统计局党支部"
GROUPS = ("第一党小组", "第二党小组")
MEMBERS = (("周建国", "书记"), ("马丽", "副书记"), ("杨帆", "组织委员"), ("李娜", "纪检委员"), ("王强", "宣传委员"),
           ("张敏", None), ("刘洋", None), ("陈静", None), ("赵磊", None), ("孙悦", None))
NAMES = tuple(n for n, _ in MEMBERS)
SECRETARY = NAMES[0]
GROUP_OF = {n: GROUPS[i % 2] for i, n in enumerate(NAMES)}


def _d(month: int, day: int) -> date:
    return date(YEAR, month, day)


def _study_rows() -> list[list]:
    """学习教育: 日期, 类型, 主题, 主讲人, 应到人数, 实到人数, 参加人员, 学时, 党小组, 地点, 备注."""
    rows = []
    everyone = "、".join(NAMES)
    most = "、".join(NAMES[:-1])  # 孙悦 on leave

    def add(when, kind, topic, speaker, names, hours, group=None, place="局机关会议室", note=None):
        present = names.split("、") if names else []
        expected = len([n for n in NAMES if group is None or GROUP_OF[n] == group])
        rows.append([when, kind, topic, speaker, expected, len(present), names, hours, group, place, note])

    for m in range(1, 13):
        add(_d(m, 6), "集中学习", f"{m}月理论学习：学习贯彻党的二十大精神", SECRETARY, everyone if m % 3 else most, 3)
        if m not in (1, 2):
            add(_d(m, 20), "集中学习", f"{m}月统计法律法规学习", NAMES[4], most, 2.5)
        add(_d(m, 8), "支委会", f"研究{m}月党建工作", SECRETARY, "、".join(NAMES[:5]), 1)
        for group in GROUPS:
            members = [n for n in NAMES if GROUP_OF[n] == group]
            add(_d(m, 12), "党小组会", f"{m}月党小组学习", members[0], "、".join(members), 1, group=group)
        add(_d(m, 16), "主题党日", f"{m}月主题党日", SECRETARY, everyone, 3, place="党员活动室")
    for m in (2, 4, 5, 6, 8, 9, 10, 11):
        add(_d(m, 22), "研讨交流", f"{m}月专题研讨交流", NAMES[1], most, 2)
    for m, speaker in ((3, SECRETARY), (6, NAMES[1]), (9, NAMES[2]), (12, NAMES[3])):
        add(_d(m, 25), "讲党课", "专题党课", speaker, everyone, 1.5)
    for m in (3, 6, 9, 12):
        add(_d(m, 27), "支部党员大会", f"第{m // 3}季度支部党员大会", SECRETARY, most, 2)
    add(_d(12, 28), "组织生活会", "2022年度组织生活会", SECRETARY, everyone, 4)
    add(_d(12, 29), "民主评议", "2022年度民主评议党员", SECRETARY, everyone, 2)
    # 廉政教育: two on site (现场学习), three films, one neither.
    add(_d(5, 10), "警示教育", "赴自治区廉政警示教育基地现场学习", NAMES[3], everyone, 3, place="自治区廉政警示教育基地")
    add(_d(9, 14), "廉政教育", "赴***银行廉政教育基地观摩学习", NAMES[3], most, 3, place="***银行廉政教育基地")
    add(_d(4, 14), "廉政教育", "集中观看廉政教育片《警钟长鸣》", NAMES[3], everyone, 1.5)
    add(_d(7, 14), "警示教育", "观看警示教育片《围猎》", NAMES[3], most, 1.5)
    add(_d(11, 14), "廉政教育", "观看廉政教育片《清风》", NAMES[3], everyone, 1.5)
    add(_d(5, 26), "廉政教育", "党风廉政教育月专题学习", NAMES[3], everyone, 2)
    rows.sort(key=lambda r: r[0])
    return rows


def _inspection_rows() -> list[list]:
    """检查核查: 日期, 类型, 对象名称, 对象类别, 检查人员, 发现问题数, 整改状态, 备注."""
    rows = []
    team = "杨帆、王强"
    for i in range(12):  # 统计执法检查 of 12 enterprises, two visited again
        rows.append([_d(3 + i % 8, 3 + i), "统计执法检查", f"塞上{i + 1:02d}号企业有限公司", "企业", team, i % 3, "已整改"
                     if i % 3 else "无需整改", None])
    for i in (0, 5):
        rows.append([_d(11, 15 + i), "统计执法检查", f"塞上{i + 1:02d}号企业有限公司", "企业", team, 0, "无需整改", "复查"])
    for i in range(105):  # 入库项目
        rows.append([_d(4 + i % 8, 1 + i % 27), "统计执法检查", f"城东{i + 1:03d}号建设项目", "入库项目", team,
                     1 if i % 10 == 0 else 0, "整改中" if i == 100 else ("已整改" if i % 10 == 0 else "无需整改"), None])
    for i in range(104):  # 数据质量核查 of 104 enterprises, 3 rechecked
        rows.append([_d(1 + i % 12, 2 + i % 25), "数据质量核查", f"银湖{i + 1:03d}号科技有限公司", "企业", team,
                     1 if i % 20 == 0 else 0, "已整改" if i % 20 == 0 else "无需整改", None])
    for i in (3, 30, 60):
        rows.append([_d(12, 5), "数据质量核查", f"银湖{i + 1:03d}号科技有限公司", "企业", team, 0, "无需整改", "复核"])
    # 调研 on 10 days, three of them visiting two places.
    places = [("东城区统计局", "县区统计局"), ("西城区统计局", "县区统计局"), ("经济技术开发区", "工业园区"),
              ("高新技术产业园区", "工业园区"), ("河东区统计局", "县区统计局"), ("南山县统计局", "县区统计局"),
              ("新材料产业园", "工业园区"), ("北川县统计局", "县区统计局"), ("恒达建材有限公司", "企业"),
              ("华泰化工有限公司", "企业"), ("瑞丰食品有限公司", "企业"), ("嘉禾物流有限公司", "企业"),
              ("宏盛机械有限公司", "企业")]
    days = [_d(m, 18) for m in range(3, 13)]
    for i, (obj, category) in enumerate(places):
        rows.append([days[i % 10], "调研", obj, category, team, None, None, "座谈了解统计基层基础工作"])
    rows.sort(key=lambda r: r[0])
    return rows


CADRES = ("白云飞", "常青", "丁浩", "范文", "高远", "郭亮", "韩梅", "何平", "胡杨", "黄河", "贾铭", "江涛", "金鑫",
          "康宁", "雷鸣", "梁爽", "林峰", "罗成", "毛毅", "牛犇")  # the 20 cadres sent to the community


def _volunteer_rows() -> list[list]:
    """志愿服务: 日期, 姓名, 活动名称, 服务类别, 服务地点, 时长, 记录方式, 备注. The first block (20 cadres,
    one day) is written with its date merged down over the block, as staff do."""
    rows = [[_d(4, 2), n, "下沉社区疫情防控", "疫情防控", "惠农中街社区", 6, "签到", None] for n in CADRES]
    rows += [[_d(4, 9), n, "下沉社区疫情防控", "疫情防控", "惠农中街社区", 6, "签到", None] for n in CADRES[:8]]
    rows += [[_d(3, 12), n, "贺兰山分片包植增绿", "植树绿化", "贺兰山绿化责任区", 4, "签到", None] for n in NAMES]
    rows += [[_d(6, 18), n, "绿化责任区灌水、围堰加固", "植树绿化", "贺兰山绿化责任区", 4, "签到", None] for n in NAMES[:6]]
    rows += [[_d(5, 21), n, "“双报到”社区环境整治", "环境整治", "惠农中街社区", 2.5, "补录", None] for n in NAMES[2:9]]
    rows += [[_d(9, 24), n, "创城服务：劝导不文明行为", "创城服务", "惠农中街社区", 2, "签到", None] for n in NAMES[:5]]
    return rows


def _membership_rows() -> list[list]:
    """党员发展: 日期, 姓名, 事项, 备注."""
    return [[_d(3, 15), "冯晓", "确定入党积极分子", None],
            [_d(4, 20), "袁晨", "发展预备党员", "支部党员大会表决通过"],
            [_d(4, 20), "蒋欣", "接收预备党员", "支部党员大会表决通过"],
            [_d(6, 27), "孙悦", "预备党员转正", "支部党员大会表决通过"],
            [_d(2, 10), "魏东", "组织关系转入", "由区统计局党支部转入"],
            [_d(8, 3), "程琳", "转入", None],
            [_d(10, 19), "余海", "组织关系转出", "调往市发改委党支部"]]


def _work_rows() -> list[list]:
    """工作记录: 日期, 类别, 事项, 数量, 单位, 对象, 备注 (数量 blank: one)."""
    rows = []
    reports = (4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 3, None)  # 43 (December blank: one); with the two below, 46
    for m, n in enumerate(reports, 1):
        category = "统计专报\u3000" if m == 5 else "统计专报"  # a full-width space as typed
        rows.append([_d(m, 25), category, f"{m}月全市经济运行分析", n, "篇", "市委、市政府", None])
    rows.append([_d(12, 26), "统计专报", "《全市统计工作总体情况汇报》", 1, "篇", "市委", None])
    rows.append([_d(12, 27), "统计专报", "全年经济运行预判", 2, "篇", "市政府", None])
    for m, n in ((3, None), (5, None), (8, 2), (11, None)):  # 5 签批
        rows.append([_d(m, 28), "专报签批", "统计专报获市委、市政府主要领导签批", n, "篇", "市委、市政府", None])
    for m, category, n in ((6, "课题", None), (11, "课题", 1), *((m, "分析", 3) for m in range(1, 13)),
                           *((m, "统计信息", 2) for m in range(1, 13))):
        rows.append([_d(m, 24), category, f"{m}月{category}", n, "篇", None, None])
    for m in (2, 5, 8, 11):
        rows.append([_d(m, 9), "专题会议", "与包抓外西河村召开乡村振兴专题会议", None, "次", "外西河村", None])
    rows.append([_d(4, 8), "承诺书", "党员不信仰宗教、不参与宗教活动承诺书", 10, "份", "全体党员", "宗教排查"])
    rows.append([_d(10, 8), "承诺书", "新转入党员补签承诺书", 2, "份", "新转入党员", None])
    for who in ("马晓东", "田雨欣"):
        rows.append([_d(6, 14), "走访选调生", "到选调生所在村党支部了解工作情况", None, "名", who, None])
    rows.append([_d(9, 14), "走访选调生", "回访选调生", None, "名", "马晓东", None])
    for who in ("杨立新", "白玉", "海涛"):
        rows.append([_d(6, 15), "走访驻村工作队员", "到驻村工作队员所在村党支部了解工作情况", None, "名", who, None])
    for m in (1, 4, 7, 12):
        rows.append([_d(m, 11), "研究意识形态工作", "支委会研究意识形态工作", None, "次", None, None])
    for m in (3, 6, 9, 12):
        rows.append([_d(m, 30), "意识形态研判", f"第{m // 3}季度意识形态研判", None, "次", "市直机关工委", None])
    for m in range(1, 13):
        rows.append([_d(m, 26), "网民咨询", f"{m}月答复网民咨询", 3 if m in (3, 6, 9) else 2, "批次", "网民", "均无异议"])
    rows.sort(key=lambda r: r[0])
    return rows


TARGETS = [[YEAR, "集中学习次数", 22, None], [YEAR, "统计专报篇数", 40, "设置文件中的自定义指标"],
           [YEAR, "work.inquiries", 24, None], [YEAR, "下沉社区干部人数", 20, None]]

HEADERS = {
    "学习教育": ["日期", "类型", "主题", "主讲人", "应到人数", "实到人数", "参加人员", "学时", "党小组", "地点", "备注"],
    "检查核查": ["日期", "类型", "对象名称", "对象类别", "检查人员", "发现问题数", "整改状态", "备注"],
    "志愿服务": ["日期", "姓名", "活动名称", "服务类别", "服务地点", "时长（小时）", "记录方式", "备注"],
    "党员发展": ["日期", "姓名", "事项", "备注"],
    "工作记录": ["日期", "类别", "事项", "数量", "单位", "对象", "备注"],
}


def register_rows() -> dict[str, list[list]]:
    return {"学习教育": _study_rows(), "检查核查": _inspection_rows(), "志愿服务": _volunteer_rows(),
            "党员发展": _membership_rows(), "工作记录": _work_rows()}


def build_xlsx() -> bytes:
    """The workbook as openpyxl writes it (tests/files/make_files.py saves it through LibreOffice)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in register_rows().items():
        ws = wb.create_sheet(sheet)
        headers = ["序号", *HEADERS[sheet]]
        ws.append([f"{YEAR}年{BRANCH}{sheet}台账"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.append(headers)
        merged_from = None
        for i, row in enumerate(rows, 1):
            ws.append([i, *row])
            if sheet == "志愿服务" and i <= len(CADRES):  # the first day's date merged down over its rows
                if i == 1:
                    merged_from = ws.max_row
                else:
                    ws.cell(ws.max_row, 2).value = None
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        if merged_from:
            ws.merge_cells(start_row=merged_from, start_column=2, end_row=merged_from + len(CADRES) - 1, end_column=2)
        if sheet == "工作记录":
            ws.append(["合计", None, None, None, sum(r[3] or 1 for r in rows)])
        ws.append([])
        ws.append(["填表人：杨帆　　审核人：周建国"])
    roster = wb.create_sheet("党员名册")
    roster.append(["姓名", "党小组", "身份", "职务"])
    for name, position in MEMBERS:
        roster.append([name, GROUP_OF[name], "正式党员", position])
    targets = wb.create_sheet("计划目标")
    targets.append(["年度", "指标", "目标值", "备注"])
    for row in TARGETS:
        targets.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
