"""All user-facing Chinese text, in one place.

Code, identifiers and comments are English; every string a user reads (messages, labels,
page titles, help) lives here, grouped by the part of the product that shows it. Templates use
``str.format`` fields.
"""

# --- reader / validation (data.reader, data.validate) -------------------------------------
# (section: reader)
READER_DEFAULT_FILE_NAME = "上传的文件"
READER_NOT_WORKBOOK = "{file} 不是可读取的 Excel 工作簿，请在 Excel 或 WPS 中另存为 .xlsx 后重新上传。"
READER_PASSWORD = "{file} 设置了打开密码，无法读取，请取消密码后重新上传。"
READER_NO_FILE = "找不到文件 {file}，无法读取。"
READER_SHEET_UNREADABLE = "{file} {sheet} 无法读取（内容已损坏），请在 Excel 或 WPS 中打开后另存再上传。"
READER_NO_REGISTER = "{file} 中没有识别出任何台账：工作表名或表头应与以下台账之一对应：{names}。"
READER_MISSING_COLUMNS = "{file} {sheet} 缺少必填列{columns}，找到的表头：{headers}"
READER_NO_HEADERS = "（无）"
READER_EXTRA_COLUMNS = "{file} {sheet} 第{row}行 以下列不属于「{register}」，已忽略：{headers}"
READER_SKIP_EMPTY = "空工作表"
READER_SKIP_HIDDEN = "隐藏的工作表"
READER_SKIP_NOT_WORKSHEET = "不是普通工作表（如图表页）"
READER_SKIP_UNKNOWN = "未识别为任何台账（工作表名和表头都不对应）"
READER_SKIP_CLOSEST = "未识别为任何台账：表头最接近「{register}」，但缺少{columns}"
READER_WHERE = "{file} {sheet} 第{row}行"
READER_EXPECT = "应为{expected}"
READER_REQUIRED = "{where}「{column}」为空，此列必填（{hint}）"
READER_UNRECOGNISED = '{where}「{column}」"{value}" 无法识别，{expected}'
READER_NOT_WHOLE = '{where}「{column}」"{value}" 不是整数，{expected}'
READER_OUT_OF_RANGE = '{where}「{column}」"{value}" 超出范围，{expected}'
READER_ABOVE = '{where}「{column}」"{value}" 大于「{other}」"{other_value}"，应不大于「{other}」'
READER_UNKNOWN_INDICATOR = '{where}「{column}」"{value}" 不是已知指标，可选：{names}'
READER_FUTURE_DATE = '{where}「{column}」"{value}" 晚于今天（{today}），请核对'
READER_DUPLICATE = "{where} 与{other}第{first}行内容完全相同，可能重复录入"
READER_OUTLYING_MONTH = '{where}「{column}」"{value}" 与本文件其他记录所在月份（{span}）相隔较远，请核对'
READER_MONTH = "{year}年{month}月"
READER_SPAN = "{start}至{end}"

# --- file safety (data.safety) ---------------------------------------------------------------
# (section: safety)
# One message per refusal code of data.safety.check_workbook_bytes (SAFETY_MESSAGES there).
SAFETY_EMPTY = "{file} 是空文件（0 字节），请重新选择要上传的工作簿。"
SAFETY_TOO_BIG = (
    "{file} 大小为 {size}，超过上限 {limit}。请删除无关的工作表和图片后另存，"
    "或按月份拆分成几个文件再上传。"
)
SAFETY_OLE2 = (
    "{file} 是旧版 Excel 97-2003（.xls）文件或设置了打开密码的工作簿，无法读取。"
    "请在 Excel 或 WPS 中打开（有密码的先取消密码），“另存为”Excel 工作簿（.xlsx）后再上传。"
)
SAFETY_NOT_XLSX = (
    "{file} 不是 Excel 工作簿（.xlsx），可能是 CSV、网页或其他文件改了扩展名。"
    "请在 Excel 或 WPS 中打开后“另存为”Excel 工作簿（.xlsx）再上传。"
)
SAFETY_CORRUPT = (
    "{file} 已损坏或不完整（可能是下载、复制时中断），无法打开。"
    "请在 Excel 或 WPS 中打开确认内容无误，重新保存后再上传。"
)
SAFETY_NOT_WORKBOOK = (
    "{file} 是压缩包或其他 Office 文档（如 Word），不是 Excel 工作簿（缺少 {part}）。"
    "请上传 Excel 工作簿（.xlsx）。"
)
SAFETY_MACROS = "{file} 含有宏（VBA 代码），为安全起见不予导入。请“另存为”Excel 工作簿（.xlsx，不含宏）后再上传。"
SAFETY_BOMB = (
    "{file} 解压后的内容异常（解压后超过 {limit}、压缩比超过 {ratio} 倍或内部文件超过 {entries} 个），"
    "疑似“压缩炸弹”，为保护系统不予导入。"
)
SAFETY_UNSAFE_XML = (
    "{file} 含有不安全的 XML 声明（DOCTYPE 或实体定义），正常的 Excel 文件不会有，为安全起见不予导入。"
    "请在 Excel 或 WPS 中打开后重新“另存为”Excel 工作簿（.xlsx）再上传。"
)
SAFETY_NONSTANDARD = (
    "{file} 中的「{part}」格式不规范（可能由非标准的软件生成），无法安全读取。"
    "请在 Excel 或 WPS 中打开后重新“另存为”Excel 工作簿（.xlsx）再上传。"
)
SAFETY_OUT_OF_GRID = (
    "{file} {sheet} 有单元格位置超出 Excel 的表格范围（最大为 XFD1048576），文件可能已损坏。"
    "请在 Excel 或 WPS 中打开后重新另存再上传。"
)
SAFETY_SHEET_TOO_LARGE = (
    "{file} {sheet} 的数据区域过大：从 A1 至少到 {corner}（{rows:,} 行 × {cols:,} 列），"
    "超过上限（{max_rows:,} 行、{max_cells:,} 个单元格）。常见原因是表格下方或右侧很远处误填了内容，"
    "请删除多余的行和列后重新保存再上传。"
)
SAFETY_WORKBOOK_TOO_LARGE = (
    "{file} 各工作表的数据区域合计至少 {cells:,} 个单元格，超过上限 {max_cells:,} 个。"
    "请删除无关的工作表，或拆分成几个文件后再上传。"
)

# --- store (data.store) -------------------------------------------------------------------------
# (section: store)
STORE_NOTHING_TO_DO = "文件内容与已保存的数据完全相同，没有需要导入的变更。"
STORE_IMPORTED = "已导入（批次 {batch_id}）：新增 {added} 行，删除 {removed} 行，保留 {kept} 行。"
STORE_DRY_RUN = "试导入（未保存）：将新增 {added} 行，删除 {removed} 行，保留 {kept} 行。"
STORE_UNDONE = "已撤销批次 {batch_id}：删除该批次导入的 {removed} 行，恢复被其替换的 {added} 行。"
STORE_UNDO_UNKNOWN = "找不到批次 {batch_id}，无法撤销。"
STORE_UNDO_ALREADY = "批次 {batch_id} 已于 {time} 撤销，不能重复撤销。"
STORE_UNDO_SUPERSEDED = (
    "不能撤销批次 {batch_id}：之后的批次 {later_id}（文件“{file_name}”，{time} 导入）"
    "覆盖了相同的台账期间。请先撤销批次 {later_id}。"
)
STORE_MISSING_PERIOD = "“{register}”第 {row} 行缺少“{column}”，无法确定该行所属期间。"
STORE_PERIOD_ALL = "全部"
STORE_BATCH_STATUS = {"active": "有效", "undone": "已撤销"}
STORE_BATCH_KIND = {"import": "导入", "targets": "目标编辑", "restore": "恢复"}

# --- template, demo, exports (data.template, data.demo, data.export) ---------------------------
# (section: export)
TEMPLATE_GUIDE_SHEET = "填表说明"
TEMPLATE_GUIDE_TITLE = "党建台账模板 填表说明"
TEMPLATE_GUIDE_INTRO = (
    "1. 每个台账一个工作表；第一行为表头，请勿修改表头文字，从第二行起每行填写一条记录。",
    "2. 带下拉箭头的列请从列表中选择；日期列请填写日期，如 2025-03-15。",
    "3. 多名人员请用“、”分隔，如：张三、李四。",
    "4. 可以只填写部分工作表；本“填表说明”工作表导入时会被忽略。",
)
TEMPLATE_GUIDE_SHEET_LINE = "【{sheet}】{description}。工作表也可命名为：{aliases}"
TEMPLATE_GUIDE_HEADERS = ("工作表", "列名", "必填/选填", "填写格式", "也可使用的列名", "说明")
TEMPLATE_REQUIRED = "必填"
TEMPLATE_OPTIONAL = "选填"
TEMPLATE_DROPDOWN_TITLE = "请从列表中选择"
TEMPLATE_DROPDOWN_ERROR_TITLE = "输入值无效"
TEMPLATE_COMMENT_AUTHOR = "党建台账看板"
EXPORT_NOTE_SHEET = "口径说明"
EXPORT_NOTE_HEADERS = ("项目", "内容")
EXPORT_NOTE_REGISTER = "台账"
EXPORT_NOTE_FILTERS = "筛选条件"
EXPORT_NOTE_NO_FILTER = "无（全部数据）"
EXPORT_NOTE_ROWS = "行数"
EXPORT_NOTE_TIME = "导出时间"
EXPORT_NOTE_SAFETY = "说明"
EXPORT_NOTE_SAFETY_TEXT = "以 = + - @ 或制表符等开头的文字已在前面加 '，防止被 Excel 当作公式执行。"
DEMO_TITLE = "{year}年{branch}{register}台账（{month}月）"
DEMO_FILLED_BY = "填表人：{filler}    审核人：{checker}"
DEMO_ROSTER_TITLE = "{branch}党员名册"
DEMO_WRITTEN = "已生成 {count} 个演示工作簿，位于 {out}"
DEMO_SERIAL_HEADER = "序号"

# --- metrics (metrics.*) ------------------------------------------------------------------------
# (section: metrics)
# Indicator progress (metrics.progress, metrics.report)
METRIC_STATUS_DONE = "已完成"
METRIC_STATUS_BEHIND = "滞后"
METRIC_STATUS_NORMAL = "正常"
METRIC_STATUS_NO_DATA = "无数据"
METRIC_WORDS_DONE = "完成{completion}%，已完成目标"
METRIC_WORDS_ZERO_TARGET = "目标为0，已完成"
METRIC_WORDS_BEHIND = "完成{completion}%，低于序时进度{gap}个百分点"
METRIC_WORDS_AHEAD = "完成{completion}%，高于序时进度{gap}个百分点"
METRIC_WORDS_LEVEL = "完成{completion}%，与序时进度持平"
METRIC_WORDS_RATE_DONE = "为{value}%，达到目标{target}%"
METRIC_WORDS_RATE_BEHIND = "为{value}%，低于目标（{target}%）{gap}个百分点"
METRIC_WORDS_NO_DATA = "暂无数据"
METRIC_UNKNOWN_INDICATOR = "未知指标“{value}”。可用的指标（名称或代码）：{known}"
METRIC_INDICATOR_SPELLING = "{name}（{key}）"
METRIC_LIST_SEP = "、"
METRIC_MONTH = "{month}月"
METRIC_QUARTER = "第{quarter}季度"
METRIC_QUARTER_NUMERALS = ("一", "二", "三", "四")
METRIC_YEAR = "全年"
METRIC_DATE = "{year}年{month}月{day}日"
METRIC_NONE = "—"
METRIC_TABLE_TITLE = "{year}年指标完成情况（截至{as_of}）"
METRIC_TABLE_HEADERS = {
    "name": "指标", "value": "数值", "target": "目标", "completion": "完成率",
    "time_progress": "序时进度", "status": "状态", "summary": "说明", "previous": "去年同期",
}
METRIC_SERIES_LABELS = {"value": "实际（累计）", "plan": "计划进度", "previous": "去年同期"}
# 口径 of an indicator (metrics.catalogue.describe)
METRIC_DESCRIBE = "{register}台账中{rows}，{how}；按日期计入当年，截至统计日期。"
METRIC_ROWS_ALL = "全部记录"
METRIC_ROWS_FILTER = "{conditions}的记录"
METRIC_CONDITION = "{column}为{values}"
METRIC_CONDITION_AND = "且"
METRIC_VALUE_OR = "或"
METRIC_QUOTED = "“{value}”"
METRIC_COLUMNS_AND = "与"
METRIC_HOW = {
    "count": "每行计1次",
    "distinct": "按{columns}去重计数（重复出现只计1次）",
    "sum": "将{columns}相加",
    "ratio": "{numerator}之和除以{denominator}之和（只计两项都填写的行）",
    "share": "{column}为{values}的行数占比",
}
# 三会一课 compliance (metrics.compliance)
COMPLIANCE_MET = "达标"
COMPLIANCE_MISSING = "缺失"
COMPLIANCE_NOT_DUE = "未到期"
COMPLIANCE_MISSING_NONE = "{period}{group}未{action}"
COMPLIANCE_MISSING_FEW = "{period}{group}{action}{count}次，少于{min}次"
COMPLIANCE_QUORUM = "{date}{type}实到{present}人，应到{expected}人，未超过半数"
COMPLIANCE_PREFERRED = "{type}未安排在{quarter}（{article}：一般在{quarter}召开）"
COMPLIANCE_NO_ROSTER = "未导入党员名册，无法核对主讲人职务，“{name}”按全部讲党课计算"
COMPLIANCE_NO_GROUP = "{count}次{type}未填写党小组，未计入各党小组"
COMPLIANCE_LOCAL_ARTICLE = "本单位规定"
COMPLIANCE_LOCAL_NAME = "{types}每{every}至少{min}次"
COMPLIANCE_LOCAL_ACTION = "开展{types}"
COMPLIANCE_EVERY = {"month": "月", "quarter": "季度", "year": "年"}
COMPLIANCE_BAD_RULE = "本单位三会一课规则第{index}条有误：{reason}"
COMPLIANCE_BAD_TYPE = "类型“{value}”不是学习教育台账的类型（可选：{known}）"
COMPLIANCE_BAD_EVERY = "周期“{value}”无效，应为 month、quarter、year（或 月、季度、年）"
COMPLIANCE_BAD_MIN = "最少次数“{value}”应为不小于1的整数"
COMPLIANCE_TITLE = "{year}年三会一课落实情况（截至{as_of}）"
COMPLIANCE_RULE_LINE = "{name}（{article}）{group}：{cells}"
COMPLIANCE_CELL = "{label} {status}"
COMPLIANCE_CELL_SEP = "｜"
COMPLIANCE_MISSING_TITLE = "缺失："
COMPLIANCE_NOTES_TITLE = "提示："
COMPLIANCE_ALL_MET = "截至目前没有缺失项。"
# Coverage per member (metrics.coverage)
COVERAGE_NEEDS_ROSTER = "需要先导入党员名册，才能按党员统计（未导入名册时不按0计）。"
COVERAGE_NO_ATTENDEES = "学习教育台账本年度未填写参加人员，无法统计每名党员的参加情况。"
COVERAGE_COLUMNS = {
    "name": "姓名", "group": "党小组", "times": "志愿服务人次", "hours": "志愿服务时长（小时）",
    "attended": "参加次数", "sessions": "记录了参加人员的活动次数", "rate": "参加率",
}

# --- CLI (cli.py) -------------------------------------------------------------------------------
# (section: cli)
CLI_DESCRIPTION = "党建台账看板命令行：导入、导出台账，计算指标与三会一课落实情况。"
CLI_HELP = {
    "template": "生成空白台账模板（.xlsx）",
    "import": "导入一个或多个台账工作簿（有错误则全部不导入）",
    "dry_run": "只检查并报告将新增、删除、保留的行数，不写入",
    "user": "记录在导入批次中的操作人（默认为当前系统用户）",
    "batches": "列出导入历史（批次）",
    "undo": "撤销一个导入批次，恢复它替换前的数据",
    "export": "按条件导出一个台账为 .xlsx 或 .csv",
    "type": "只导出该类型/类别（可重复）",
    "demo": "载入演示年度数据（12 个月的示例台账）",
    "indicators": "列出年度指标、目标完成情况与序时进度",
    "compliance": "列出三会一课等组织生活制度落实情况",
}
CLI_BAD_DATE = "日期“{value}”格式不对，应为 YYYY-MM-DD，如 2025-03-15"
CLI_TEMPLATE_WRITTEN = "已生成模板：{path}"
CLI_SHEET_SKIPPED = "已跳过工作表「{sheet}」：{reason}"
CLI_IMPORT_REJECTED = "导入被拒绝，未写入任何数据（{summary}）。请修改后重新导入。"
IMPORT_ISSUE_COUNT = "{errors} 个错误，{warnings} 个提醒"
CLI_CHANGE_LINE = "{register} {period}：新增 {added} 行，删除 {removed} 行，保留 {kept} 行"
CLI_NOTHING_TO_DO = "数据与已导入的完全相同，无需导入，数据库未改变。"
CLI_DRY_RUN_DONE = "试运行：以上为将发生的变化，未写入任何数据。"
CLI_IMPORT_DONE = "导入完成，批次号：{batches}"
CLI_NO_BATCHES = "还没有导入记录。"
CLI_UNDO_DONE = "已撤销批次 {batch}。"
CLI_EXPORT_SUFFIX = "导出文件名须以 .xlsx 或 .csv 结尾。"
CLI_EXPORT_DONE = "已导出 {rows} 行到 {path}"
CLI_DEMO_DONE = "已载入演示数据：{files} 个工作簿，新增 {rows} 行。"
BATCH_COLUMNS = {
    "id": "批次", "created_at": "时间(UTC)", "user": "操作人", "file_name": "文件", "kind": "方式",
    "status": "状态", "registers": "台账", "periods": "期间", "added": "新增", "removed": "删除",
    "kept": "保留",
}
FILTER_FROM = "起始日期"
FILTER_TO = "截止日期"
FILTER_PERSON = "人员"
FILTER_TEXT = "关键词"

# --- app and pages (app.py, pages/*) ------------------------------------------------------------
# (section: ui)
APP_TITLE = "党建台账看板"
NAV_BOARD = "看板"
NAV_DATA = "数据"
NAV_SETTINGS = "设置"
PAGE_OVERVIEW = "总览"
PAGE_STUDY = "学习教育"
PAGE_INSPECTIONS = "检查核查"
PAGE_VOLUNTEER = "志愿服务"
PAGE_UPLOAD = "数据上传"
PAGE_QUERY = "数据查询"
PAGE_TARGETS = "计划目标"
SIDEBAR_BRANCH = "支部"
SIDEBAR_YEAR = "年度"
YEAR_FORMAT = "{year}年"
SIDEBAR_AS_OF = "截至日期"
SIDEBAR_AS_OF_HELP = "指标统计到该日（含）；序时进度按该日计算。"
SIDEBAR_FRESHNESS = "最近导入：{time}，{user}"
SIDEBAR_NO_DATA = "尚未导入任何台账。"
# Board pages: 总览, 学习教育, 检查核查, 志愿服务 (pages/overview.py, study.py, inspections.py,
# volunteer.py, pages/charts.py, metrics/breakdowns.py)
BOARD_SUBTITLE = "{year}年 · 截至{as_of}"
BOARD_DATE = "{year}年{month}月{day}日"
BOARD_UNSPECIFIED = "未填写"
BOARD_RULE_GROUP = "{rule}（{group}）"
BOARD_NO_YEAR_DATA = "{year}年截至{as_of}还没有“{register}”记录。可到“数据上传”页上传台账，或在左侧选择其他年度。"
BOARD_FIRST_RUN_TITLE = "欢迎使用党建台账看板"
BOARD_FIRST_RUN_INTRO = "数据库中还没有任何台账，可以从下面任选一种方式开始："
BOARD_FIRST_RUN_TEMPLATE = "下载空白模板，按模板在 Excel 或 WPS 中填写台账。"
BOARD_FIRST_RUN_DEMO = "载入演示年度（{year}年 12 个月的示例台账），先看看看板的效果，之后可在“数据上传”页撤销。"
BOARD_FIRST_RUN_UPLOAD = "已有台账工作簿的，直接到“数据上传”页上传。"
BOARD_TEMPLATE_BUTTON = "下载空白模板"
BOARD_TEMPLATE_FILE = "党建台账模板.xlsx"
BOARD_DEMO_BUTTON = "载入演示年度"
BOARD_DEMO_FAILED = "演示数据载入失败，未写入任何数据："
BOARD_UPLOAD_LINK = "去上传台账"
BOARD_CARDS_TITLE = "年度目标完成情况"
BOARD_NO_TARGETS = "{year}年还没有设定计划目标。可在“计划目标”页填写，或在工作簿中加入“计划目标”工作表后上传。"
BOARD_CARD_DETAIL = "目标 {target} · 完成率 {completion} · 序时进度 {progress}"
BOARD_CARD_DETAIL_RATE = "目标 {target}（比率类指标直接与目标比较）"
BOARD_KEY_FIGURES = "主要数据"
BOARD_COMPLIANCE_TITLE = "三会一课落实情况"
BOARD_COMPLIANCE_COUNTS = "截至{as_of}，各项制度按期间核对：达标 {met} 项，缺失 {missing} 项，未到期 {not_due} 项。"
BOARD_MISSING_COLUMNS = {"name": "制度", "article": "依据", "label": "期间", "group": "党小组", "count": "次数",
                         "message": "缺失情况"}
BOARD_NOTES_TITLE = "提示（{count} 条）"
BOARD_IMPORTS_TITLE = "最近导入"
BOARD_IMPORT_COLUMNS = {"id": "批次", "created_at": "导入时间", "user": "操作人", "file_name": "文件",
                        "registers": "台账", "added": "新增", "removed": "删除", "status": "状态"}
BOARD_MEMBERS_TITLE = "党员志愿服务情况（按党员名册）"
BOARD_WITHOUT_TITLE = "本年度尚未参加志愿服务的党员（{count} 人）"
BOARD_ALL_SERVED = "名册中的党员本年度都已参加志愿服务。"
BOARD_NOT_IN_ROSTER = "台账中有 {count} 个姓名不在党员名册中（可能是非党员干部或姓名写法不一致），未计入上表。"
CHART_MONTH_AXIS = "月份"
CHART_PERCENT_AXIS = "百分比（%）"
CHART_FACET = "{name}（{unit}）"
CHART_COMPLETION_TITLE = "各指标完成率与序时进度（%）"
CHART_COMPLETION = "完成率"
CHART_TIME_PROGRESS = "序时进度"
CHART_RATE_TARGET = "目标（比率类指标）"
CHART_TARGET = "目标"
CHART_MONTH_VALUE = "当月"
CHART_STUDY_MONTHLY = "学习教育活动次数（按月、按类型，单位：次）"
CHART_STUDY_CUMULATIVE = "学习教育累计完成与计划进度"
CHART_ATTENDANCE = "平均出勤率（按月，单位：%）"
CHART_HEATMAP = "三会一课落实情况（按月，单位：次）"
CHART_INSPECT_CUMULATIVE = "检查核查对象累计数与计划进度"
CHART_INSPECT_MONTHLY = "检查核查次数（按月、按类型，单位：次）"
CHART_ISSUES = "发现问题数（按月、按整改状态，单位：个）"
CHART_RECTIFY_RATE = "问题整改率（按月，单位：%）"
CHART_TOP_OBJECTS = "检查次数最多的对象（前{n}名，单位：次）"
CHART_VOLUNTEER_HOURS = "志愿服务时长（按月、按服务类别，单位：小时）"
CHART_VOLUNTEER_TIMES = "志愿服务人次（按月、按服务类别，单位：人次）"
CHART_VOLUNTEER_CUMULATIVE = "志愿服务累计完成与计划进度"
CHART_TOP_VOLUNTEERS = "服务时长最多的志愿者（前{n}名，单位：小时）"
CHART_ROWS = "次数"
CHART_HOURS = "小时"
CHART_HEATMAP_HOVER = "{row}<br>{label}：{count}次（应不少于{min}次）<br>{status}"
