"""All user-facing Chinese text, in one place.

Code, identifiers and comments are English; every string a user reads (messages, labels,
page titles, help) lives here, grouped by the part of the product that shows it. Templates use
``str.format`` fields. The few functions at the end format dates, times and widths for display.
"""

import datetime as _dt
import unicodedata as _unicodedata

# --- reader / validation (data.reader, data.validate) -------------------------------------
# (section: reader)
READER_DEFAULT_FILE_NAME = "上传的文件"
LIST_CAP = 20  # items a message lists before "等 N 项"
LIST_MORE = "等 {count} 项"


ITEM_CAP = 50  # characters of one listed item before "…" (a header cell may hold a whole page)


def capped(items, sep: str = "、", limit: int = LIST_CAP) -> str:
    """``items`` joined by ``sep``, the first ``limit`` of them, then "等 N 项" (N: all of them);
    an item longer than ITEM_CAP characters is cut with "…"."""
    items = [t if len(t := str(i)) <= ITEM_CAP else t[:ITEM_CAP] + "…" for i in items]
    if len(items) <= limit:
        return sep.join(items)
    return sep.join(items[:limit]) + sep + LIST_MORE.format(count=len(items))

READER_NOT_WORKBOOK = "{file} 不是可读取的 Excel 工作簿，请在 Excel 或 WPS 中另存为 .xlsx 后重新上传。"
READER_PASSWORD = "{file} 设置了打开密码，无法读取，请取消密码后重新上传。"
READER_NO_FILE = "找不到文件 {file}，无法读取。"
READER_SHEET_UNREADABLE = "{file} {sheet} 无法读取（内容已损坏），请在 Excel 或 WPS 中打开后另存再上传。"
READER_NO_REGISTER = "{file} 中没有识别出任何台账：工作表名或表头应与以下台账之一对应：{names}。"
READER_MISSING_COLUMNS = "{file} {sheet} 缺少必填列{columns}，找到的表头：{headers}"
READER_NO_HEADERS = "（无）"
READER_NO_ROWS = "{file} 中没有数据行：以下工作表只有表头：{sheets}。请填写数据后再上传。"
READER_BAD_CELL = "{where}「{column}」{value} 不是有效的{kind}（数值超出范围，无法读取），请核对该单元格。"
READER_BAD_CELL_KINDS = {"duration": "时长", "date": "日期或时间"}
READER_SKIP_BAD_CELLS = "{reason}；其中有数值超出日期或时长范围、无法读取的单元格（{cells}），未导入"
READER_SHEET_BAD_NUMBER = (
    "{file} {sheet} 第{row}行有单元格的数值超出日期或时长的范围，无法读取。请检查该行设置为日期、时间或时长格式的"
    "单元格（如误填了电话号码），改正后再上传。"
)
READER_SKIP_BAD_NUMBER = "第{row}行有数值超出日期或时长范围的单元格，无法读取，不是台账，已跳过"
READER_WPS_ET = (
    "{file} 是 WPS 表格专用格式（.et），无法直接读取。请在 WPS 中打开，点“文件”→“另存为”，"
    "文件类型选“Excel 工作簿（*.xlsx）”后重新上传。"
)
READER_EXTRA_COLUMNS = "{file} {sheet} 第{row}行 以下列不属于「{register}」，已忽略：{headers}"
READER_SKIP_EMPTY = "空工作表"
READER_SKIP_HIDDEN = "隐藏的工作表"
READER_SKIP_NOT_WORKSHEET = "不是普通工作表（如图表页）"
READER_SKIP_GENERIC = "工作表名「{sheet}」与「{register}」相近，但表头不符（缺少{columns}），不是台账，已跳过"
READER_GENERIC_SKIPPED = "{file} {reason}。如果它确实是台账，请把工作表改名为台账名称并按模板填写表头。"
READER_SKIP_UNKNOWN = "未识别为任何台账（工作表名和表头都不对应）"
READER_SKIP_CLOSEST = "未识别为任何台账：表头最接近「{register}」，但缺少{columns}"
READER_WHERE = "{file} {sheet} 第{row}行"
# Many rows with one problem: the first rows, then the count (data.validate.where_rows).
READER_WHERE_MANY = "{file} {sheet} 第{rows}…行等 {count} 行"
READER_DUPLICATES = "{file} {sheet} 有 {count} 行与前面的行内容完全相同（{pairs}），可能重复录入"
READER_DUPLICATE_PAIR = "第{row}行同{other}第{first}行"
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
SAFETY_OTHER_FORMAT = "{file} 是{format}，不是 Excel 工作簿（.xlsx），无法读取。{advice}"
# Spreadsheet formats refused by name: code -> (name, how to save as .xlsx).
SAFETY_FORMATS = {
    "ods": ("OpenDocument 表格（.ods）",
            "请在 LibreOffice 或 WPS 中打开，“另存为”Excel 工作簿（.xlsx）后再上传。"),
    "xlsb": ("Excel 二进制工作簿（.xlsb）",
             "请在 Excel 或 WPS 中打开，“另存为”Excel 工作簿（.xlsx）后再上传。"),
    "numbers": ("Apple Numbers 表格（.numbers）",
                "请在 Numbers 中打开，选“文件”→“导出为”→“Excel”，导出为 .xlsx 后再上传。"),
}
SAFETY_MACROS = "{file} 含有宏（VBA 代码），为安全起见不予导入。请“另存为”Excel 工作簿（.xlsx，不含宏）后再上传。"
SAFETY_BOMB = "{file} {reason}，疑似“压缩炸弹”，为保护系统不予导入。"
# The {reason} of SAFETY_BOMB: which bound the file exceeds.
SAFETY_BOMB_ENTRIES = "内部文件有 {entries:,} 个，超过上限 {limit:,} 个"
SAFETY_BOMB_RATIO = "内部文件「{part}」的压缩比约为 {ratio:,} 倍，超过上限 {limit} 倍"
SAFETY_BOMB_TOTAL = "解压后合计 {size}，超过上限 {limit}"
SAFETY_BOMB_PART = "内部文件「{part}」解压后为 {size}，超过上限 {limit}"
SAFETY_BOMB_OVERFLOW = "内部文件「{part}」解压后远超其声明的大小（{size}）"
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
    "{file} {sheet} 的数据区域过大：从 A1 到 {corner}（{rows:,} 行 × {cols:,} 列），"
    "超过上限（{max_rows:,} 行、{max_cells:,} 个单元格）。常见原因是表格下方或右侧很远处误填了内容，"
    "请删除多余的行和列后重新保存再上传。"
)
SAFETY_WORKBOOK_TOO_LARGE = (
    "{file} 各工作表的数据区域合计至少 {cells:,} 个单元格，超过上限 {max_cells:,} 个。"
    "请删除无关的工作表，或拆分成几个文件后再上传。"
)
SAFETY_MERGES_TOO_LARGE = (
    "{file} {sheet} 的合并单元格过多或范围过大（合计 {cells:,} 个单元格，上限 {max_cells:,} 个）。"
    "请取消不必要的合并单元格后再上传。"
)
SAFETY_TOO_MANY_STRINGS = (
    "{file} 中不同的文字内容超过 {limit:,} 条，为保护系统不予导入。请删除无关的工作表或内容，"
    "或拆分成几个文件后再上传。"
)

# --- sandbox (data.sandbox) -----------------------------------------------------------------------
# (section: sandbox)
# {what}: the file being read or filled, e.g. "总结初稿.docx".
SANDBOX_TIMEOUT = "{what} 处理超过 {seconds} 秒仍未完成，已中止。文件可能过大或内容异常，请检查后重新上传。"
SANDBOX_MESSAGES = {
    "cpu": "{what} 处理占用的计算时间超过上限，已中止。文件可能过大或内容异常（如模板中有过多的循环），请检查后重新上传。",
    "memory": "{what} 处理所需的内存超过上限，已中止。文件可能过大或内容异常，请检查后重新上传。",
    "output": "{what} 处理产生的结果过大，已中止。请删除无关内容后重新上传。",
    "crash": "{what} 处理时程序异常终止（文件可能已损坏、过大或内容异常），已中止，其他功能不受影响。"
             "请在 Excel、WPS 或 Word 中打开确认内容无误，另存后重新上传。",
}

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
STORE_REMOVALS_CHANGED = "{file}：预览之后已保存的数据有变化，将删除的行与预览不同，本次未写入任何数据。请重新检查后再确认。"
STORE_BATCH_STATUS = {"active": "有效", "undone": "已撤销"}
STORE_STALE_EDIT = "保存前数据已被他人修改，未保存。"
STORE_BATCH_KIND = {"import": "导入", "append": "追加导入", "targets": "目标编辑", "restore": "恢复"}

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
TEMPLATE_LIST_SHEET = "选项"  # hidden sheet with the dropdown lists that include the branch's own words
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
# The catalogue's indicators (metrics.catalogue), key -> name, in catalogue order. Each name and key
# is an accepted spelling of 计划目标's 指标 (data.importer reads this list, not the catalogue).
INDICATOR_NAMES = {
    "study.collective": "集中学习次数",
    "study.discussion": "研讨交流次数",
    "study.lecture": "讲党课次数",
    "study.assembly": "支部党员大会次数",
    "study.committee": "支委会次数",
    "study.group": "党小组会次数",
    "study.theme_day": "主题党日次数",
    "study.integrity": "廉政教育次数",
    "study.attendance": "平均出勤率",
    "inspect.enforcement_enterprises": "执法检查企业数",
    "inspect.enforcement_projects": "执法检查入库项目数",
    "inspect.quality_enterprises": "数据质量核查企业数",
    "inspect.research": "调研批次",
    "inspect.issues": "发现问题数",
    "inspect.rectified": "问题整改率",
    "volunteer.hours": "志愿服务时长",
    "volunteer.person_times": "志愿服务人次",
    "volunteer.people": "志愿服务参与人数",
    "volunteer.activities": "志愿服务活动场次",
    "members.probationary": "发展预备党员人数",
    "members.full": "预备党员转正人数",
    "members.transfers": "组织关系转接人数",
}
# The branch's own indicators (metrics.catalogue.catalogue_with, data.indicators, pages/indicators.py)
CUSTOM_WHERE_SETTINGS = "设置文件 [[indicators]] 中"
CUSTOM_WHERE_PAGE = "指标设置中"
CUSTOM_ERROR = "{where}自定义指标“{name}”：{problem}"
CUSTOM_NOT_TABLE = "{where}每个自定义指标应写成一个表（key、name、register、agg、columns、filter、unit）。"
CUSTOM_UNKNOWN_FIELD = "不认识的项 {fields}；可用的项：{known}。"
CUSTOM_FIELD_NAMES = {"key": "代码（key）", "name": "名称（name）"}
CUSTOM_MISSING = "缺少{field}。"
CUSTOM_BAD_KEY = "代码“{key}”不能含空格。"
CUSTOM_UNKNOWN_REGISTER = "未知台账“{value}”；可用的台账：{known}。"
CUSTOM_UNKNOWN_AGG = "未知计算方式“{value}”；可用：{known}。"
CUSTOM_AGG_KNOWN = "count（计数：行数）、distinct（去重计数：所列各列不同取值的个数）、sum（求和：一列数字之和）"
CUSTOM_UNKNOWN_COLUMN = "“{register}”没有“{value}”列；可用的列：{known}。"
CUSTOM_BAD_COLUMNS = "columns 应为列名的列表，如 [\"姓名\"]。"
CUSTOM_DISTINCT_COLUMNS = "distinct（去重计数）需要在 columns 中写出去重的列，如 [\"姓名\"]。"
CUSTOM_SUM_COLUMNS = "sum（求和）需要在 columns 中写出恰好一列数字列，如 [\"数量\"]。"
CUSTOM_SUM_NUMBER = "sum（求和）的列“{column}”不是数字列。"
CUSTOM_COUNT_COLUMNS = "count（计数）不需要 columns；按列去重请用 distinct。"
CUSTOM_BAD_FILTER = "filter 应为“列名 = [可接受的值]”，如 { \"类别\" = [\"统计专报\"] }。"
CUSTOM_FILTER_VALUES = "筛选列“{column}”缺少可接受的值。"
CUSTOM_UNKNOWN_VALUE = "筛选值“{value}”不是“{column}”列的可选值；可选：{known}。"
CUSTOM_BAD_UNIT = "单位（unit）应为文字。"
CUSTOM_DUPLICATE = "“{value}”已被指标“{other}”使用。"
INDICATORS_NONE = "（无）"
AUDIT_DETAIL_INDICATORS = "自定义指标：{names}"
INDICATORS_INTRO = ("支部自己的指标：在一个台账中按条件筛选行，再计数（count）、按列去重计数（distinct）或对一列求和（sum）。"
                    "保存后与内置指标一样可设目标、看序时进度、在年度总结中引用（名称或代码作占位符）。"
                    "年度总结提纲要用的指标（统计专报、专报签批、专题会议、下沉社区干部……）见 settings.example.toml。")
INDICATORS_EDITOR_COLUMNS = {"key": "代码", "name": "名称", "register": "台账", "agg": "计算方式", "columns": "列",
                             "filter": "筛选条件", "unit": "单位"}
INDICATORS_HELP = {
    "key": "英文代码，如 work.reports；不能与已有指标重复",
    "name": "中文名称，如 统计专报篇数；计划目标和总结草稿中可用",
    "register": "从哪个台账计数",
    "agg": "count：行数；distinct：所列各列不同取值的个数；sum：一列数字之和",
    "columns": "distinct 去重的列或 sum 求和的列，用列名，多个用“、”分隔，如 姓名",
    "filter": ("只计符合条件的行：列名=可接受的值，多个值用“、”分隔，多个条件用“;”分隔，如 类别=统计专报；"
               "值中的 * 代表任意文字，如 主题=*教育片*"),
    "unit": "单位，如 篇、次、名",
}
INDICATORS_SAVE = "保存指标设置"
INDICATORS_SAVED = "已保存 {saved} 个自定义指标（原有 {before} 个）。"
INDICATORS_CURRENT_TITLE = "当前的自定义指标"
INDICATORS_NONE_YET = "还没有自定义指标。"
INDICATORS_FROM_SETTINGS = "其中 {count} 个来自设置文件 [[indicators]]（在设置文件中修改）。"
# Indicator progress (metrics.progress, metrics.report)
# The label of each progress status (metrics.states.Status), keyed by its stable value.
STATUS_LABELS = {"done": "已完成", "on_track": "正常", "slightly_behind": "略滞后", "behind": "滞后",
                 "no_data": "无数据"}
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
METRIC_NONE = "—"
METRIC_TABLE_TITLE = "{year}年指标完成情况（截至{as_of}）"
METRIC_TABLE_HEADERS = {
    "name": "指标", "value": "数值", "target": "目标", "completion": "完成率",
    "time_progress": "序时进度", "status": "状态", "summary": "说明", "previous": "去年同期",
}
METRIC_SERIES_LABELS = {"value": "实际（累计）", "plan": "计划进度", "previous": "去年同期"}
# 口径 of an indicator (metrics.catalogue.describe)
METRIC_DESCRIBE_PERIOD = "；按日期计入当年，截至统计日期。"
METRIC_DESCRIBE = "{register}台账中{rows}，{how}" + METRIC_DESCRIBE_PERIOD
METRIC_ROWS_ALL = "全部记录"
METRIC_ROWS_FILTER = "{conditions}的记录"
METRIC_CONDITION = "{column}为{values}"
METRIC_CONDITION_AND = "且"
METRIC_VALUE_OR = "或"
METRIC_QUOTED = "“{value}”"
METRIC_WILDCARD_NOTE = "（*代表任意文字）"  # a filter value with * (metrics.frames.wildcard)
METRIC_COLUMNS_AND = "与"
METRIC_HOW = {
    "count": "每行计1次",
    "distinct": "按{columns}去重计数（重复出现只计1次）",
    "sum": "将{columns}相加",
    "ratio": "{numerator}之和除以{denominator}之和（只计两项都填写的行）",
    "share": "{column}为{values}的行数占比",
}
# 三会一课 compliance (metrics.compliance)
# The label of each compliance cell (metrics.states.Mark), keyed by its stable value.
MARK_LABELS = {"met": "达标", "missed": "缺失", "not_due": "未到期", "not_uploaded": "尚未上传"}
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
STUDY_HOURS_BAD_SETTING = "设置 study_hours_min（党员每年学习学时下限）应为大于0的数字，现为“{value}”。"
STUDY_HOURS_NEEDS_ROSTER = "需要先导入党员名册，才能统计每名党员的学时（未导入名册时不按0学时计）。"
STUDY_HOURS_NEEDS_ATTENDEES = "{year}年学习教育台账未填写参加人员，无法统计每名党员的学时；请在“参加人员”列填写参加者姓名。"
STUDY_HOURS_NEEDS_HOURS = "{year}年学习教育台账未填写学时，无法统计每名党员的学时；请在“学时”列填写每次学习的学时。"
STUDY_HOURS_SENTENCE = ("截至{as_of}，{members}名党员人均集中学习{average}学时，按全年不少于{minimum}学时的序时要求"
                        "应达{expected}学时，{below}名党员低于序时要求。")
STUDY_HOURS_SENTENCE_YEAR = ("{year}年{members}名党员人均集中学习{average}学时，{met}名达到全年不少于{minimum}学时的要求，"
                             "{below}名未达到。")
STUDY_HOURS_TITLE = "党员学时"
STUDY_HOURS_CAPTION = ("《中国共产党党员教育管理工作条例》第二十条：党员每年集中学习培训时间一般不少于{minimum}学时。"
                       "按学习教育台账每行的学时和参加人员累计。")
STUDY_HOURS_BELOW_EXPECTED = "低于序时要求（{expected}学时）的党员：{names}"
STUDY_HOURS_BELOW_MINIMUM = "全年不足{minimum}学时的党员：{names}"
STUDY_HOURS_ALL_MET = "所有党员均已达到序时要求。"
STUDY_HOURS_WITHOUT_HOURS = "{rows} 行填写了参加人员但未填写学时，未计入。"
STUDY_HOURS_NOT_IN_ROSTER = "参加人员中不在党员名册里的姓名（未计入）：{names}"
STUDY_HOURS_COLUMNS = {"name": "姓名", "group": "党小组", "hours": "学时", "sessions": "参加次数"}
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
    "append": "追加（补录）：只新增库中还没有的行，不删除已保存的行（默认为替换文件所涉月份）",
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
CLI_MORE_LINES = "……另有 {count} 条未显示（同一列同一原因的行已合并为一条）。"
CLI_REMOVED_PART = "{register} {period} {count} 行"
CLI_REMOVED = "替换导入删除了已保存的 {count} 行（{parts}），可用 undo 撤销；只补录新行时请加 --append。"
CLI_WOULD_REMOVE = "替换导入将删除已保存的 {count} 行（{parts}）；只补录新行时请加 --append。"
CLI_APPEND_DONE = "追加（补录）模式：只新增库中还没有的行，已保存的行一行未删。"
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

# --- access and accountability (data.users, data.audit, data.backup, pages/auth.py, pages/admin.py) ---
# (section: access)
ROLE_NAMES = {"viewer": "查看", "editor": "录入", "admin": "管理"}
ROLE_HELP = {"viewer": "查看看板、汇总与下载", "editor": "另可上传、撤销与编辑计划目标",
             "admin": "另可管理用户、查看操作日志、备份与恢复"}
USERS_NOT_CONFIGURED = ("未配置用户文件：请设置环境变量 DJ_USERS_FILE，或在 settings.toml 中写 "
                        "users_file = \"路径\"（放在 git 仓库之外），再添加用户。")
USERS_FILE_BAD = "用户文件 {path} 格式有误，无法读取：{reason}"
USERS_FILE_BAD_ENTRY = "用户“{name}”的设置不完整或角色无效（角色应为 viewer、editor、admin 之一）"
USERS_NAME_BAD = "用户名应为 1 至 {max} 个字符，不能含控制字符，首尾不能有空格。"
USERS_PASSWORD_SHORT = "密码至少 {min} 个字符。"
USERS_PASSWORD_LONG = "密码不能超过 {max} 个字节（约 {chars} 个汉字）。"
USERS_PASSWORD_MISMATCH = "两次输入的密码不一致。"
USERS_ROLE_BAD = "角色“{role}”无效，应为 viewer（查看）、editor（录入）、admin（管理）之一。"
USERS_EXISTS = "用户“{name}”已存在。"
USERS_UNKNOWN = "没有用户“{name}”。"
USERS_LAST_ADMIN = "不能删除唯一的管理员“{name}”：请先添加另一名管理员。"
SIGNIN_TITLE = "登录"
SIGNIN_NAME = "用户名"
SIGNIN_PASSWORD = "密码"
SIGNIN_BUTTON = "登录"
SIGNIN_FAILED = "用户名或密码不正确。"
SIGNIN_LOCKED = "登录失败次数过多，请 {minutes} 分钟后再试。"
SIGNIN_EMPTY = "请输入用户名和密码。"
SIGNIN_NO_USERS = "用户文件中还没有用户。请管理员在服务器上运行 python cli.py user add 用户名 --role admin 添加管理员。"
SIGNOUT_BUTTON = "退出登录"
SIDEBAR_SIGNED_IN = "当前用户：{name}（{role}）"
LOCAL_MODE_NOTICE = "本机模式：未启用登录，仅本机可访问"
LOCAL_MODE_EXPOSED = ("本机模式（未启用登录）下，服务器正在监听非本机地址 {address}，网络上任何人都能打开和修改数据。"
                      "已停止提供页面。请配置用户文件（DJ_USERS_FILE）启用登录，或以 --server.address 127.0.0.1 启动。")
ACCESS_DENIED = "当前账号（{role}）无权使用此页面。"
ACTION_DENIED = "当前账号（{role}）无权执行此操作，未做任何更改。"
GUARD_REFUSED = ("403 拒绝访问：本服务器不接受发往这个主机名的请求。如需用这个名称访问，请在设置中把它加入 "
                 "allowed_hosts（或环境变量 DJ_ALLOWED_HOSTS）。")
GUARD_NOT_INSTALLED = ("服务器不是用 serve.py 启动的，没有主机名检查等保护，已停止提供页面。"
                       "请用 make run 或 python -m streamlit run serve.py 启动。")
NOT_SIGNED_IN = "未登录"
PAGE_SIGNIN = "登录"
PAGE_ADMIN = "用户与日志"
NAV_ADMIN = "管理"
AUDIT_ACTIONS = {"alias_add": "添加用语映射", "alias_remove": "删除用语映射",
                 "import": "导入", "append": "追加导入", "targets": "目标编辑", "undo": "撤销", "restore": "恢复备份",
                 "backup": "备份", "user_add": "添加用户", "user_password": "重设密码",
                 "user_remove": "删除用户", "indicators": "指标设置",
                 "branch_add": "添加支部", "branch_rename": "支部改名"}
AUDIT_DETAIL_BRANCH_ADD = "{kind}：{name}"
AUDIT_DETAIL_BRANCH_RENAME = "{old} → {new}"
AUDIT_DETAIL_PART = "{register} {periods}"
AUDIT_DETAIL_SEP = "；"
AUDIT_DETAIL_USER = "用户：{name}（{role}）"
AUDIT_DETAIL_RESTORE = "恢复 {rows} 行（{tables}）"
AUDIT_COLUMNS = {"id": "序号", "at": "时间", "user": "操作人", "action": "操作", "file_name": "文件",
                 "sha256": "文件SHA-256", "batch_id": "批次", "rows_added": "新增行", "rows_removed": "删除行",
                 "detail": "说明"}
AUDIT_SHEET = "操作日志"
AUDIT_EMPTY = "没有符合条件的操作记录。"
BACKUP_INFO_SHEET = "备份说明"
BACKUP_SHEETS = {"batches": "导入批次", "batch_registers": "批次台账", "audit_log": "操作日志", "aliases": "本支部用语",
                 "custom_indicators": "自定义指标"}
BACKUP_INFO_HEADERS = ("项目", "内容")
BACKUP_INFO_FORMAT = "格式"
BACKUP_INFO_TIME = "备份时间(UTC)"
BACKUP_INFO_NOTE = "说明"
BACKUP_INFO_NOTE_TEXT = ("本文件是党建台账看板数据库的完整备份，可用 python cli.py restore 或“用户与日志”页恢复到空数据库。"
                         "请勿修改各工作表的内容和表头，否则无法恢复。文件含党员姓名等个人信息，请妥善保管。")
BACKUP_INFO_ROWS = "“{sheet}”行数"
BACKUP_NOT_BACKUP = "{file} 不是本系统的备份文件（缺少“{sheet}”工作表或格式标记），未恢复任何数据。"
BACKUP_BAD_SHEET = "{file} 的“{sheet}”工作表缺失或表头不对（应为：{columns}），未恢复任何数据。"
BACKUP_BAD_VALUE = "{file} 的“{sheet}”第{row}行“{column}”的值“{value}”无法恢复，未恢复任何数据。"
BACKUP_COUNT_MISMATCH = "{file} 的“{sheet}”应有 {expected} 行，实际 {found} 行（文件可能被修改过），未恢复任何数据。"
BACKUP_INCONSISTENT = "{file} 中各工作表的内容对不上（如批次号缺失或重复，文件可能被修改过），未恢复任何数据。"
BACKUP_NOT_EMPTY = ("数据库中已有数据（{tables}），只能恢复到空数据库，未恢复任何数据。"
                    "如需恢复，请新建一个空数据库（设置 DATABASE_URL 或移走 var/dangjian.db）后再恢复。")
BACKUP_TOO_LONG = "“{sheet}”第{row}行“{column}”的文字超过 Excel 单元格上限（32767 个字符），无法备份。"
BACKUP_UNWRITABLE = ("“{sheet}”中序号 {id} 的记录“{column}”为 {value}，不是有效数字（可能是旧版本写入的），无法备份。"
                     "请先在相应页面改正该值（计划目标可在“计划目标”页修改后保存），再备份。")
BACKUP_TABLES_WRONG = "{file} 中的数据表不对（应恰好包含：{tables}），未恢复任何数据。"
BACKUP_ALL_TABLES = "全部数据表"
BACKUP_TOO_MANY_ROWS = "{file} 的“{sheet}”有 {rows} 行，超过恢复上限 {limit} 行，未恢复任何数据。"
BACKUP_ENTRY_SIZE = "{file} 的“{sheet}”解压后 {size}，超过上限（单表 {limit}，压缩比不超过 {ratio}），未恢复任何数据。"
BACKUP_ENTRY_CHANGED = "{file} 的“{sheet}”内容与清单中的行数或校验值（SHA-256）不符（文件可能损坏或被修改过），未恢复任何数据。"
BACKUP_BAD_LINE = "{file} 的“{sheet}”第{row}行不是 {columns} 个值的一行数据（文件可能被修改过），未恢复任何数据。"
BACKUP_FILE_TOO_BIG = "{file} 有 {size}，超过恢复上限 {limit}，未恢复任何数据。"
BACKUP_BAD_ROW = "{file} 的“{sheet}”第{row}行“{column}”的值“{value}”不对：{expected}，未恢复任何数据。"
BACKUP_INVALID_ONE = "{message}（备份中的记录须符合导入规则），未恢复任何数据。"
BACKUP_INVALID_ROW = "{message}（备份中的记录须符合导入规则；另有 {more} 处问题），未恢复任何数据。"
BACKUP_EXPECT_ID = "应为正整数，且比上一行大"
BACKUP_EXPECT_TEXT = "不能为空"
BACKUP_EXPECT_SHA = "应为 SHA-256 十六进制串"
BACKUP_EXPECT_COUNT = "应为不小于 0 的行数"
BACKUP_EXPECT_TIME = "应为 {start}—{end} 年间的时间"
BACKUP_EXPECT_BATCH = "应为本备份中同一支部已有的批次号"
BACKUP_EXPECT_STATUS = "应为 active（撤销时间和撤销人为空）或 undone（撤销时间和撤销人都有）"
BACKUP_EXPECT_UNDONE = "撤销时间不应早于导入时间"
BACKUP_EXPECT_PERIODS = "应为逗号分隔的期间（如 2025-03、2025 或 all，视台账而定）"
BACKUP_EXPECT_AT = "操作日志的时间应随序号不减"
BACKUP_EXPECT_REMOVED = "替换它的批次应晚于添加它的批次"
BACKUP_EXPECT_COMPUTED = "与该行内容不符，按内容应为“{value}”"
CLI_BACKUP_SUFFIX = "备份文件名须以 .zip 结尾。"
BACKUP_DONE = "已备份到 {path}（{rows} 行，{size}）"
BACKUP_WEB_TOO_BIG = ("按现有数据量，备份预计约 {size}，超过网页上传上限 {limit}：下载后不能在本页恢复。"
                      "请在服务器上用命令行备份和恢复：python cli.py backup 备份.zip、python cli.py restore 备份.zip"
                      "（上限见 README“数据安全”）。")
RESTORE_DONE = "已从 {file} 恢复 {rows} 行。"
CLI_ACCESS_HELP = {
    "backup": "把整个数据库（全部台账、计划目标、党员名册、导入历史和操作日志）备份为一个 .zip",
    "restore": "从备份文件恢复到空数据库（一次完成，失败则不写入）",
    "user": "管理登录用户（用户文件见 DJ_USERS_FILE）",
    "user_add": "添加用户并设置密码（密码不回显）",
    "user_passwd": "重设用户密码（密码不回显）",
    "user_remove": "删除用户",
    "user_list": "列出用户及角色",
    "role": "角色：viewer（查看）、editor（录入）、admin（管理）",
    "password_stdin": "从标准输入读取密码（一行，供脚本使用）",
    "audit": "列出操作日志（谁、何时、做了什么）",
    "json": "以 JSON 输出",
}
CLI_PASSWORD_PROMPT = "密码："
CLI_PASSWORD_AGAIN = "再次输入密码："
CLI_USER_ADDED = "已添加用户 {name}（{role}）。"
CLI_USER_PASSWORD_SET = "已重设用户 {name} 的密码。"
CLI_USER_REMOVED = "已删除用户 {name}。"
CLI_NO_USERS = "用户文件中还没有用户。"
CLI_NO_AUDIT = "还没有操作记录。"
ADMIN_TAB_USERS = "用户"
ADMIN_TAB_AUDIT = "操作日志"
ADMIN_TAB_BACKUP = "备份与恢复"
ADMIN_USERS_LOCAL = ("本机模式：未启用登录，没有用户可管理。要在网络上使用，请先配置用户文件"
                     "（环境变量 DJ_USERS_FILE），用 python cli.py user add 用户名 --role admin 添加管理员，再重启。")
ADMIN_USER_COLUMNS = {"name": "用户名", "role": "角色", "help": "可以做什么"}
# A role in a named branch, or in every branch (全部支部), in the users table.
ADMIN_ROLE_IN = "{branch}：{role}"
ADMIN_ADD_TITLE = "添加用户"
ADMIN_ROLE = "角色"
ADMIN_PASSWORD_AGAIN = "再次输入密码"
ADMIN_ADD_BUTTON = "添加用户"
ADMIN_ADDED = "已添加用户“{name}”（{role}）。"
ADMIN_RESET_TITLE = "重设密码"
ADMIN_USER = "用户"
ADMIN_NEW_PASSWORD = "新密码"
ADMIN_RESET_BUTTON = "重设密码"
ADMIN_RESET_DONE = "已重设用户“{name}”的密码。"
ADMIN_REMOVE_TITLE = "删除用户"
ADMIN_REMOVE_CONFIRM = "我确认删除该用户"
ADMIN_REMOVE_BUTTON = "删除用户"
ADMIN_REMOVED = "已删除用户“{name}”。"
ADMIN_CONFIRM_FIRST = "请先勾选确认。"
AUDIT_INTRO = "每次导入、撤销、目标编辑、备份、恢复和用户变更都记录在此，任何人都不能修改或删除。时间为服务器本地时间。"
AUDIT_FILTER_DATES = "日期范围"
AUDIT_FILTER_USERS = "操作人"
AUDIT_FILTER_ACTIONS = "操作"
AUDIT_COUNT = "共 {rows} 条"
AUDIT_DOWNLOAD_XLSX = "下载 Excel（.xlsx）"
AUDIT_DOWNLOAD_CSV = "下载 CSV"
AUDIT_FILE_NAME = "操作日志_{stamp}.{suffix}"
BACKUP_INTRO = ("备份文件（.zip）包含全部台账、计划目标、党员名册、导入历史和操作日志，用于恢复。"
                "文件含党员姓名等个人信息，请妥善保管。点击下载时才生成备份，并记入操作日志；"
                "生成的文件只能下载一次，不在服务器上保留。数据很多时，请在服务器上用 python cli.py backup 备份。")
BACKUP_DOWNLOAD = "生成并下载备份"
BACKUP_FILE_NAME = "党建台账备份_{stamp}.zip"
RESTORE_TITLE = "从备份恢复"
RESTORE_INTRO = ("只能恢复到空数据库（没有任何台账和导入记录）；恢复一次完成，出错则不写入任何数据。"
                 "本页可上传的文件不超过 {limit}；更大的备份请在服务器上用 python cli.py restore 备份文件.zip 恢复。"
                 "也可恢复旧版本的 .xlsx 备份。")
RESTORE_FILE = "选择备份文件（.zip，或旧版本的 .xlsx）"
RESTORE_BUTTON = "恢复"

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
PAGE_INDICATORS = "指标设置"
SIDEBAR_BRANCH = "支部"
SIDEBAR_YEAR = "年度"
YEAR_FORMAT = "{year}年"
SIDEBAR_AS_OF = "截至日期"
SIDEBAR_AS_OF_HELP = "指标统计到该日（含）；序时进度按该日计算。"
SIDEBAR_FRESHNESS = "最近导入：{time}，{user}"
SIDEBAR_NO_DATA = "尚未导入任何台账。"
# Data pages: 数据上传, 数据查询, 计划目标 (pages/upload.py, query.py, targets.py; display tables and
# the targets editor in data/importer.py)
UI_DEFAULT_USER = "网页用户"
ISSUE_LEVELS = {"error": "错误", "warning": "提醒"}
ISSUE_COLUMNS = {"level": "级别", "file": "文件", "sheet": "工作表", "row": "行号", "count": "行数", "column": "列",
                 "value": "值", "message": "说明"}
CHANGE_COLUMNS = {"file": "文件", "register": "台账", "period": "期间", "added": "新增", "removed": "删除",
                  "kept": "保留"}
HISTORY_COLUMNS = {"id": "批次", "created_at": "时间", "user": "操作人", "file_name": "文件", "kind": "方式",
                   "status": "状态", "registers": "台账", "added": "新增", "removed": "删除", "kept": "保留",
                   "periods": "期间"}
UPLOAD_INTRO = ("上传一个或多个台账工作簿（.xlsx，或旧版 .xls），先检查并预览将发生的变化，确认后才写入。"
                "导入按台账和月份替换：文件中出现的月份以文件内容为准。任何文件有错误时全部不导入。")
UPLOAD_TEMPLATE_BUTTON = "下载空白模板"
UPLOAD_TEMPLATE_FILE = "党建台账模板.xlsx"
UPLOAD_FILES_LABEL = "选择台账工作簿（可多选）"
UPLOAD_CHECK_TITLE = "检查结果"
UPLOAD_SKIPPED = "{file} 的工作表「{sheet}」已跳过：{reason}"
UPLOAD_NO_ISSUES = "未发现错误或提醒。"
UPLOAD_REJECTED = "发现{summary}，全部文件均未导入。请按下表修改后重新上传。"
UPLOAD_WARNINGS = "有{count}个提醒，不影响导入，请核对。"
UPLOAD_PREVIEW_TITLE = "将发生的变化（按台账和月份）"
UPLOAD_CONFIRM = "确认导入"
UPLOAD_MODE_LABEL = "导入方式"
UPLOAD_MODES = {"replace": "替换：文件所涉月份以文件为准", "append": "追加（补录）：只新增，不删除"}
UPLOAD_MODE_HELP = ("替换：库中有而文件中没有的同月记录会被删除（适合上传整月或全年台账）。"
                    "追加：只新增库中还没有的行，与库中完全相同的行不重复添加，从不删除（适合补录一两条）。")
UPLOAD_REMOVAL_BANNER = "注意：按“替换”导入将删除已保存的 {count} 行（见下表）。只想补录新记录时，请选择“追加（补录）”。"
UPLOAD_REMOVAL_PART = "{file}：将删除「{register}」{period} 已保存的 {count} 行"
UPLOAD_REMOVAL_FIRST = "仅列出前 {shown} 行（共 {count} 行）。"
UPLOAD_REMOVAL_TICK = "我已核对，确认删除以上 {count} 行"
UPLOAD_MAP_TITLE = "本支部的写法"
UPLOAD_MAP_INTRO = "下列写法暂不认识。选择它对应的标准写法并保存，以后每次检查都会认得（可在下方“本支部用语”中删除）。"
UPLOAD_MAP_VALUE = "把「{value}」（{register}「{column}」，{rows} 行）当作"
UPLOAD_MAP_HEADER = "「{header}」（{register}的表头）是哪一列"
UPLOAD_MAP_PLACEHOLDER = "请选择"
UPLOAD_MAP_SAVE = "保存并重新检查"
UPLOAD_MAP_SAVED = "已保存：{what}"
UPLOAD_MAP_MESSAGES = "upload.map.messages"
UPLOAD_ALIASES_TITLE = "本支部用语（{count} 条）"
UPLOAD_ALIASES_REMOVE_LABEL = "删除一条（撤销该映射）"
UPLOAD_ALIASES_REMOVE_TICK = "我确认删除这条映射"
UPLOAD_ALIASES_REMOVE = "删除"
UPLOAD_RESULT_LINE = "{file}：{message}"
UPLOAD_HISTORY_TITLE = "导入历史"
UPLOAD_NO_HISTORY = "还没有导入记录。"
UPLOAD_UNDO_TITLE = "撤销最近一次导入"
UPLOAD_UNDO_TARGET = ("最近一次有效批次：批次 {batch_id}（{kind}，文件“{file_name}”，{time}，{user}），"
                      "涉及{registers}。撤销后删除该批次导入的行，恢复被它替换的数据。")
UPLOAD_UNDO_CONFIRM = "我确认撤销批次 {batch_id}"
UPLOAD_UNDO_BUTTON = "撤销该批次"
UPLOAD_NOTHING_TO_UNDO = "没有可以撤销的批次。"
QUERY_REGISTER = "台账"
QUERY_DATES = "日期范围"
QUERY_CONTAINS = "{columns}包含"
QUERY_TEXT_HELP = "在所有文字列中查找"
QUERY_ROWS = "共 {rows} 行"
QUERY_NO_ROWS = "没有符合条件的记录。"
QUERY_PREPARE = "生成下载文件"
QUERY_PREPARE_HELP = "按当前筛选条件生成 Excel（.xlsx）和 CSV 文件"
QUERY_DOWNLOAD_XLSX = "下载 Excel（.xlsx）"
QUERY_DOWNLOAD_CSV = "下载 CSV"
QUERY_FILE_NAME = "{register}_{stamp}.{suffix}"
FILTER_OBJECT = "对象"
TARGETS_INTRO = ("{year}年的计划目标：选择指标、填写目标值，可增删行。保存后作为一个批次记录，"
                 "可在“数据上传”页撤销。")
TARGETS_INDICATOR_HELP = "从指标目录中选择"
TARGETS_TARGET_HELP = "比率类指标（出勤率、整改率）填百分数，如 90 表示 90%"
TARGETS_SAVE = "保存目标"
TARGETS_REJECTED = "发现{summary}，目标未保存。"
TARGETS_STALE = ("你打开本页后，本年度的计划目标已被他人修改：{changes}。你的修改未保存，仍在下面的表格中；"
                 "核对后再次点击“保存目标”将以表格内容为准（覆盖上述修改），或点击“放弃我的修改”载入最新目标。")
TARGETS_CHANGE = "{indicator} {old} → {new}"
TARGETS_CHANGE_SEP = "；"
TARGETS_DISCARD = "放弃我的修改"
TARGETS_CATALOGUE_TITLE = "指标目录与口径"
TARGETS_CATALOGUE_COLUMNS = {"name": "指标", "key": "代码", "unit": "单位", "description": "口径"}
TARGETS_EXPORT = "导出{year}年计划目标（.xlsx）"
TARGETS_EXPORT_FILE = "计划目标_{year}.xlsx"
TARGETS_IMPORT_TITLE = "从工作簿导入计划目标"
TARGETS_IMPORT_LABEL = "选择含「计划目标」工作表的工作簿（只导入该工作表）"
TARGETS_IMPORT_BUTTON = "导入计划目标"
TARGETS_EDITOR_FILE = "网页编辑"
TARGETS_EMPTY = "计划目标表格为空：请至少填写一个指标及其目标值。"
TARGETS_DUPLICATE = '{where}「{column}」"{value}" 与第{first}行重复，每个指标只能填写一个目标值'
TARGETS_NO_SHEET = "{file} 中没有「{sheet}」工作表（或表头不对应），未导入目标。"
# Board pages: 总览, 学习教育, 检查核查, 志愿服务 (pages/overview.py, study.py, inspections.py,
# volunteer.py, ui/charts.py, metrics/breakdowns.py)
BOARD_SUBTITLE = "{year}年 · 截至{as_of}"
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
BOARD_CARD_DETAIL = "目标 {target} · 序时进度 {progress}"
BOARD_CARD_DETAIL_RATE = "目标 {target}（比率类指标直接与目标比较）"
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
CHART_HEATMAP_HOVER = "{row}<br>{label}：{count}次（应不少于{min}次）<br>{status}"

# --- year-end summary (data/report_docx.py, pages/summary.py, cli.py report) --------------------
# (section: report)
PAGE_SUMMARY = "年度总结"
REPORT_TITLE = "{branch}{year}年党建工作总结"
REPORT_SUBTITLE = "（统计截至{as_of}）"  # only when the as-of date is before 31 December
REPORT_INTRO = "现将{branch}{year}年党建工作主要情况总结如下。"
REPORT_PART_WORK = "一、{year}年主要工作及成效"
REPORT_PART_TARGETS = "二、年度计划目标完成情况"
REPORT_PART_COMPLIANCE = "三、“三会一课”等组织生活制度落实情况"
REPORT_PART_SOURCES = "附件：数据来源"
# The five sections of the seed summary (docs: ../shared/seed/2022-branch-work-summary.txt).
REPORT_SECTIONS = {"political": "政治建设", "organization": "组织建设", "service": "服务大局",
                   "people": "为民办实事", "discipline": "纪律建设"}
REPORT_SUBHEADING = "（{numeral}）{title}"
REPORT_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十")
# The countable items of the seed, per section: sentences whose {key} fields are indicator keys
# (built-in, 三会一课 rule counts such as study.life_meeting, or the branch's own indicators). A field
# is written as value and unit, with 同比 when last year has data; "compliance" is the 三会一课 sentence,
# "study_hours" the 学时 per member sentence (when the summary computes it).
REPORT_OUTLINE = {
    "political": (
        "组织党员干部开展集中学习{study.collective}，研讨交流{study.discussion}，领导干部讲党课{study.lecture}。",
        "study_hours",
        "开展统计执法检查，检查企业{inspect.enforcement_enterprises}，入库项目{inspect.enforcement_projects}。",
    ),
    "organization": (
        "落实“三会一课”制度，召开支部党员大会{study.assembly}，支委会{study.committee}，党小组会{study.group}，"
        "开展主题党日{study.theme_day}，召开组织生活会{study.life_meeting}，开展民主评议党员{study.appraisal}。",
        "党员参加学习和组织生活的平均出勤率为{study.attendance}。",
        "compliance",
        "发展预备党员{members.probationary}，预备党员转正{members.full}，办理组织关系转接{members.transfers}。",
        "开展党员信仰宗教情况排查，签订承诺书{work.pledges}。",
        "到{work.graduates}选调生、{work.village_team}驻村工作队员所在村党支部了解工作情况。",
    ),
    "service": (
        "撰写统计专报、课题、分析等各类统计信息{work.writings}。",
        "报送统计专报{work.reports}，其中获领导签批{work.reports_signed}。",
        "深入基层一线开展调研{inspect.research}。",
        "检查核查中发现问题{inspect.issues}，问题整改率为{inspect.rectified}。",
    ),
    "people": (
        "深入企业开展数据质量核查，核查企业{inspect.quality_enterprises}。",
        "与帮扶村召开专题会议{work.meetings}。",
        "组织{volunteer.community}干部下沉社区。",
        "开展志愿服务活动{volunteer.activities}，参与党员干部{volunteer.people}，"
        "累计服务{volunteer.person_times}，服务时长{volunteer.hours}。",
    ),
    "discipline": (
        "开展廉政教育和警示教育{study.integrity}，其中现场学习{study.integrity_site}，"
        "集中观看廉政教育片{study.integrity_film}。",
        "研究意识形态工作{work.ideology_meetings}，上报意识形态研判{work.ideology_reviews}。",
        "答复网民咨询{work.inquiries}。",
    ),
}
# Items of the outline whose indicator the branch has not defined: the name in 【待补充：…】 and, in
# the appendix, what would fill it (a register and, for the branch's own, an indicator in the settings;
# settings.example.toml declares every one of them).
_DEFINE = "，并在设置中定义指标 {key}（示例见 settings.example.toml）"
REPORT_PENDING = {
    "members.probationary": ("发展预备党员人数", "在“党员发展与组织关系”台账登记事项为“接收预备党员”的记录"),
    "members.full": ("预备党员转正人数", "在“党员发展与组织关系”台账登记事项为“预备党员转正”的记录"),
    "members.transfers": ("组织关系转接人数", "在“党员发展与组织关系”台账登记组织关系转入、转出的记录"),
    "work.pledges": ("签订承诺书份数", "在“工作台账”登记类别为“承诺书”的记录（数量为份数）" + _DEFINE.format(key="work.pledges")),
    "work.graduates": ("走访选调生人数",
                       "在“工作台账”登记类别为“走访选调生”的记录（对象为选调生姓名）" + _DEFINE.format(key="work.graduates")),
    "work.village_team": ("走访驻村工作队员人数", "在“工作台账”登记类别为“走访驻村工作队员”的记录（对象为队员姓名）"
                          + _DEFINE.format(key="work.village_team")),
    "work.writings": ("各类统计信息篇数", "在“工作台账”登记类别为“统计专报”“课题”“分析”“统计信息”的记录（数量为篇数）"
                      + _DEFINE.format(key="work.writings")),
    "work.reports": ("统计专报篇数", "在“工作台账”登记类别为“统计专报”的记录（数量为篇数）" + _DEFINE.format(key="work.reports")),
    "work.reports_signed": ("统计专报签批篇数", "专报获签批时在“工作台账”另登记一行，类别为“专报签批”（数量为签批篇数）"
                            + _DEFINE.format(key="work.reports_signed")),
    "work.meetings": ("帮扶专题会议次数", "在“工作台账”登记类别为“专题会议”的记录" + _DEFINE.format(key="work.meetings")),
    "volunteer.community": ("下沉社区干部人数", "在“志愿服务”台账登记下沉社区的每人每次服务（活动名称含“下沉”）"
                            + _DEFINE.format(key="volunteer.community")),
    "study.integrity_site": ("廉政教育现场学习场次", "在“学习教育”台账登记类型为廉政教育或警示教育、主题含“现场”或“基地”的记录"
                             + _DEFINE.format(key="study.integrity_site")),
    "study.integrity_film": ("观看廉政教育片场次", "在“学习教育”台账登记类型为廉政教育或警示教育、主题含“教育片”的记录"
                             + _DEFINE.format(key="study.integrity_film")),
    "work.ideology_meetings": ("研究意识形态工作次数", "在“工作台账”登记类别为“研究意识形态工作”的记录"
                               + _DEFINE.format(key="work.ideology_meetings")),
    "work.ideology_reviews": ("意识形态研判次数", "在“工作台账”登记类别为“意识形态研判”的记录"
                              + _DEFINE.format(key="work.ideology_reviews")),
    "work.inquiries": ("答复网民咨询批次", "在“工作台账”登记类别为“网民咨询”的记录（数量为批次）"
                       + _DEFINE.format(key="work.inquiries")),
}
REPORT_PENDING_MARK = "【待补充：{name}】"
REPORT_PENDING_EMPTY = "“{register}”台账中没有{year}年1月1日至{as_of}的记录"
# The register has rows in the period but none the indicator counts (a count of nothing is not 0).
REPORT_PENDING_NO_MATCH = "“{register}”台账中{year}年1月1日至{as_of}没有可计入的记录（口径：{description}）"
# A sentence none of whose numbers has a row behind it: only its marks (no claim without data).
REPORT_PENDING_SENTENCE = "{marks}。"
REPORT_NOT_DUE = "（按规定{every}{min}次，尚未到期）"
REPORT_EVERY = {"month": "每月", "quarter": "每季度", "year": "每年"}
REPORT_YOY_UP = "（同比增加{diff}）"
REPORT_YOY_SAME = "（同比持平）"
REPORT_YOY_DOWN = "（同比减少{diff}）"
REPORT_EXTRA = "此外，{items}。"  # the branch's own indicators the outline does not name
REPORT_EXTRA_ITEM = "{name}{value}"
REPORT_COMPLIANCE_OK = "对照《中国共产党支部工作条例（试行）》逐项核对，截至{as_of}各项制度均按期落实（见表2）。"
REPORT_COMPLIANCE_GAPS = "对照《中国共产党支部工作条例（试行）》逐项核对，未按期落实的事项见表2。"
REPORT_COMPLIANCE_EMPTY = "“学习教育”台账中没有{year}年的记录，无法核对组织生活制度落实情况。"
REPORT_RULE_INDICATOR = "{types}次数"
REPORT_PROGRESS_LINE = "截至{as_of}，序时进度为{progress}。各项指标完成情况见表1。"
REPORT_NO_TARGETS = "{year}年尚未设定计划目标，无法对照目标比较。"
REPORT_TABLE_TARGETS = "表1　{title}"
REPORT_TABLE_COMPLIANCE = "表2　{title}"
REPORT_COMPLIANCE_HEADERS = ("制度", "依据", "党小组", "已落实", "缺失", "未到期", "缺失情况")
REPORT_ALL_GROUPS = "全支部"
REPORT_NOTES = "提示："
REPORT_SOURCES_INTRO = ("正文数字依据{branch}各项台账统计，记录按日期计入，统计期间为{year}年1月1日至{as_of}。"
                        "“行数”是参与计算的台账记录数；按对象、日期或人员去重的指标，行数可多于数值。")
REPORT_SOURCES_HEADERS = ("序号", "数字", "数值", "台账、筛选条件与计数方法", "行数")
REPORT_SOURCES_PENDING = "待补充"
REPORT_SOURCES_NOT_DUE = "尚未到期"
# Document properties (File > Properties): the branch is the author; where the numbers come from.
REPORT_SUBJECT = "{year}年党建工作总结"
REPORT_KEYWORDS = "党建工作总结;{year}"
REPORT_PROVENANCE = "数字依据党建台账统计，统计期间{year}年1月1日至{as_of}；每个数字的口径和记录行数见附件“数据来源”。"
REPORT_FIGURE = "{name}：{value}"
REPORT_NO_DATA = "暂无数据"
REPORT_FILE_NAME = "{branch}{year}年党建工作总结（数据部分）.docx"
REPORT_FILLED_FILE_NAME = "{stem}（已填数）.docx"
# The user's own draft (placeholders)
REPORT_UNKNOWN_MARK = "【未知占位符：{name}】"
REPORT_NO_DATA_MARK = "【暂无数据：{name}】"
REPORT_APPROX = "{value}余"  # the 约数 filter: {{数据质量核查企业数|约数}}家 -> 100余家
REPORT_CONTEXT = {  # placeholder key -> (Chinese name, what it is)
    "year": ("年度", "统计年度，如 2025"),
    "as_of": ("截至日期", "统计截至日期，如 2025年12月31日"),
    "branch": ("支部", "支部名称"),
    "time_progress": ("序时进度", "截至日期已过全年天数的百分比"),
}
REPORT_PLACEHOLDER_COLUMNS = {"name": "占位符", "key": "也可写作", "value": "当前数值", "description": "口径"}
REPORT_TEMPLATE_NOT_DOCX = "{file} 不是 Word 文档（.docx），无法填写。请在 Word 或 WPS 中“另存为”Word 文档（.docx）后再试。"
REPORT_TEMPLATE_BOMB = "{file} {reason}，疑似“压缩炸弹”，为保护系统不予填写。请检查文档后另存再试。"
REPORT_TEMPLATE_UNSAFE = "{file} 含有不安全的 XML 声明（DOCTYPE 或实体定义），正常的 Word 文档不会有，不予填写。请在 Word 或 WPS 中另存后再试。"
REPORT_TEMPLATE_TOO_BIG = "{file} 大小超过上限 {limit}，无法填写。请删除文档中的大图片后再试。"
REPORT_TEMPLATE_SYNTAX = ("{file} 中的占位符写法有误，无法填写。出错位置附近的文字：“{context}”。"
                          "占位符应写成 {{{{名称}}}}：两边各两个英文大括号，名称中不能有空格或标点。")
REPORT_TEMPLATE_NOT_FOUND = "找不到文件 {file}。"
REPORT_UNKNOWN_LINE = "未知的占位符（已在文档中标为“【未知占位符：…】”）：{names}"
REPORT_NO_DATA_LINE = "以下占位符暂无数据（已在文档中标为“【暂无数据：…】”）：{names}"
CLI_REPORT_HELP = {
    "report": "生成年度党建工作总结（数据部分）Word 文档，或为自己的 Word 草稿填数",
    "template": "自己的 Word 草稿（.docx），其中 {{集中学习次数}} 等占位符将被填上数字",
    "out": "输出的 Word 文档（.docx）",
}
CLI_REPORT_SUFFIX = "输出文件名须以 .docx 结尾。"
CLI_REPORT_DONE = "已生成：{path}"
CLI_REPORT_PENDING = "以下数字待补充（文中标为“【待补充：…】”，附件“数据来源”说明怎样补上）：{names}"
SUMMARY_INTRO = ("按台账自动统计年度党建工作总结中的各项数字。每个数字都可以查看并下载它所依据的台账记录（数出有据）。"
                 "也可以上传自己写的 Word 草稿，把其中的占位符填上数字。")
SUMMARY_EMPTY = "数据库中还没有任何台账，无法生成年度总结。请先到“数据上传”页上传台账，或在“总览”页载入演示年度。"
SUMMARY_DOWNLOAD = "下载年度总结（Word）"
SUMMARY_TEXT_TITLE = "总结中的数字"
SUMMARY_PENDING_TITLE = "待补充的数字（{count} 项，Word 中标为“【待补充：…】”）"
SUMMARY_PENDING_COLUMNS = {"name": "数字", "need": "怎样补上"}
SUMMARY_SOURCE_TITLE = "数字的来源"
SUMMARY_CHOOSE = "选择一个数字，查看它依据的台账记录"
SUMMARY_SOURCE_LINE = "“{register}”台账，{rows} 行记录。口径：{description}"
SUMMARY_NO_ROWS = "没有记录。"
SUMMARY_ROWS_DOWNLOAD = "下载这些记录（.xlsx）"
SUMMARY_ROWS_FILE = "{name}_{year}年_截至{as_of}.xlsx"
SUMMARY_ROWS_FILTER_NAME = "数字"
SUMMARY_ROWS_FILTER_RULE = "口径"
SUMMARY_ROWS_FILTER_PERIOD = "统计期间"
SUMMARY_PERIOD = "{year}年1月1日至{as_of}"
SUMMARY_DRAFT_TITLE = "为自己的 Word 草稿填数"
SUMMARY_DRAFT_HELP = ("在 Word 或 WPS 中写好总结，需要数字的地方写占位符，如 {{集中学习次数}} 或 {{study.collective}}"
                      "（两边各两个英文大括号）。上传后按当前年度和截至日期填上数字，格式保持不变。页眉、页脚和表格中的占位符也会填写。"
                      "需要约数时写 {{数据质量核查企业数|约数}}家，得到“100余家”。")
SUMMARY_DRAFT_UPLOAD = "上传 Word 草稿（.docx）"
SUMMARY_DRAFT_DOWNLOAD = "下载填好数字的文档"
SUMMARY_DRAFT_DONE = "已填写，未发现未知的占位符。"
SUMMARY_PLACEHOLDERS_TITLE = "可用的占位符（{count} 个）"

# --- an output the user named cannot be written (data.errors.WriteFailed) -------------------------
WRITE_FAILED = "无法写入 {path}：{reason}。未写入任何内容。"
WRITE_FAILED_NO_FOLDER = "所在文件夹不存在"
WRITE_FAILED_PERMISSION = "没有写入权限"
WRITE_FAILED_IS_FOLDER = "这是一个文件夹，不是文件"
WRITE_FAILED_OTHER = "系统报告错误（{error}）"

# --- display formatting ---------------------------------------------------------------------
LONG_DATE = "{year}年{month}月{day}日"
LOCAL_TIME = "%Y-%m-%d %H:%M"


def long_date(day: _dt.date) -> str:
    """A date as people write it: 2023年3月5日."""
    return LONG_DATE.format(year=day.year, month=day.month, day=day.day)


def local_time(value: _dt.datetime) -> str:
    """A stored (naive UTC) time, or a pandas Timestamp of one, in the server's local time."""
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    return value.replace(tzinfo=_dt.UTC).astimezone().strftime(LOCAL_TIME)


def display_width(text: str) -> int:
    """Width of ``text`` in Excel column units: CJK and full-width characters count twice."""
    return sum(2 if _unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

# --- the leadership view at a glance (metrics.glance, the 总览 page) -----------------------------
GLANCE_STATUS_LINE = "{total} 项指标：{parts}"
GLANCE_STATUS_PART = "{status} {count} 项"
GLANCE_STATUS_SEP = " · "
GLANCE_STATUS_NO_TARGETS = "尚未设定计划目标"
GLANCE_COMPLIANCE_PART = "；三会一课缺失 {missing} 项"
GLANCE_COMPLIANCE_NONE_MISSING = "；三会一课无缺失"
GLANCE_YEAR_NOT_UPLOADED = "{year}年尚未上传台账"
# A shared link's value that could not be used (ui.sidebar.link_notices)
LINK_YEAR_INVALID = "链接中的年份“{value}”无效（应为 1949–2100 的年份），已改为显示 {used} 年。"
LINK_AS_OF_INVALID = "链接中的截止日期“{value}”无效（应为所选年份内的日期，如 2025-06-30），已改为截至 {used}。"
GLANCE_MONTH = "{month}月"
GLANCE_MONTH_SEP = "、"
GLANCE_MONTHS_NOT_UPLOADED = "{months}台账尚未上传"
GLANCE_COMPLIANCE_NOT_UPLOADED = "{year}年尚未上传学习教育台账，三会一课暂无法核对（不是未召开）。"
GLANCE_FRESH_PART = "{register}更新至{month}月"
GLANCE_FRESH_NONE = "{register}尚未上传"
GLANCE_FRESH_SEP = " · "
SETTINGS_BAD_TOLERANCE = "设置项 tolerance_pp（略滞后的容差，百分点）应为 0 到 100 之间的数，实际为：{value}"
UI_UPLOAD_BUTTON = "选择文件"
UI_UPLOAD_LIMIT = "或拖放到此处，每个不超过 {mb}MB"
UI_CHOOSE = "请选择"
UI_CHOOSE_DATES = "选择起止日期"
UI_BIG_SCREEN = "大屏"
UI_BIG_SCREEN_HELP = "投影或大屏幕显示：字号放大，隐藏侧栏。地址中会记住此设置。"
UI_PRINT = "打印"
UI_PRINT_HELP = "打印或另存为 PDF（A4 横向，最多两页）。在打印对话框中选择“另存为 PDF”即可得到 PDF 文件。"
GLANCE_BAR_LABEL = "完成 {completion} · 序时 {progress}"
GLANCE_CARD_TARGET = "目标 {target}"
GLANCE_YOY = "同比 {change}（去年同期 {previous}）"
GLANCE_YOY_PLAIN = "去年同期 {previous}"
GLANCE_ROWS_BUTTON = "明细"
GLANCE_ROWS_TITLE = "{name}：{value}"
GLANCE_ROWS_COUNT = "依据“{register}”台账 {rows} 行"
GLANCE_ROWS_DISTINCT = "（去重后为 {value}）"
GLANCE_SHORTFALL_TITLE = "逐月累计与计划进度"
GLANCE_SHORTFALL_COLUMNS = {"label": "月份", "value": "累计完成", "plan": "计划进度", "short": "差额"}
GLANCE_GAP_RULE = "{name}（{article}）· {label} · 每期至少 {min} 次"
GLANCE_GAP_NONE = "该期间没有符合条件的记录。"
GLANCE_GAP_FILE = "{name}_{year}年{label}_明细.xlsx"
GLANCE_GAPS_HINT = "点选一行查看该期间的台账记录。"
GLANCE_CHART_HINT = "点击柱条查看该指标依据的台账记录。"
SETTINGS_BAD_SESSION_DAYS = "设置项 session_days（登录保持天数）应为大于 0、不超过 366 的数，实际为：{value}"
UI_DATE_YEAR = "年"
UI_DATE_MONTH = "月"
UI_DATE_DAY = "日"
GLANCE_COMPLIANCE_NOT_UPLOADED_COUNT = "另有 {count} 项所在期间尚未上传学习教育台账，未计为缺失。"
# Streamlit's (and plotly's mode bar's) own English, where no option sets it: labels, tooltips,
# placeholders and screen-reader names, put in Chinese in the browser by ui.head's script. Exact
# phrases; then patterns (JavaScript regular expressions, "$1" the captured part).
UI_STREAMLIT_WORDS = {
    "Open": "展开", "Close": "关闭", "Clear all": "全部清除", "Clear": "清除", "Sidebar": "侧栏", "App pages": "页面",
    "Collapse sidebar": "收起侧栏", "Expand sidebar": "展开侧栏", "Skip to main content": "跳到正文",
    "Main menu": "菜单", "Help": "说明", "Search": "搜索", "Search...": "搜索…", "Show/hide columns": "显示/隐藏列",
    "Download as CSV": "下载为 CSV", "Fullscreen": "全屏", "Close fullscreen": "退出全屏",
    "Exit fullscreen": "退出全屏", "Add row": "添加行", "Delete row": "删除行", "Delete rows": "删除行",
    "Choose date": "选择日期", "Choose date range": "选择日期范围", "file upload": "上传文件",
    "Choose an option": UI_CHOOSE, "Choose options": UI_CHOOSE, "No results": "无匹配项",
    "No options to select": "没有可选项", "Select all": "全选", "Running...": "运行中…", "Stop": "停止",
    "Rerun": "重新运行", "Deploy": "部署", "Connecting": "正在连接", "Remove file": "移除文件", "Delete": "删除",
    "Previous month": "上个月", "Next month": "下个月", "Copied to clipboard": "已复制",
    "Link to heading": "链接到此标题", "Dismiss": "关闭", "Show password": "显示密码", "Hide password": "隐藏密码",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.": "用方向键选择日期，回车确定，Esc 关闭。",
    "Zoom": "缩放", "Pan": "平移", "Zoom in": "放大", "Zoom out": "缩小", "Autoscale": "自动缩放",
    "Reset axes": "重置坐标轴", "Download plot as a PNG": "下载为 PNG 图片", "Box Select": "框选",
    "Lasso Select": "套索选择", "Reset view": "重置视图", "Toggle Spike Lines": "显示/隐藏参考线",
    "Show closest data on hover": "悬停显示最近数据", "Compare data on hover": "悬停比较数据",
}
UI_STREAMLIT_PATTERNS = [
    ("^Help for (.+)$", "$1：说明"), ("^(.+) start date$", "$1：开始日期"), ("^(.+) end date$", "$1：结束日期"),
    ("^year, (.+)$", "$1：年"), ("^month, (.+)$", "$1：月"), ("^day, (.+)$", "$1：日"),
    ("^Choose date, (.+)$", "选择日期：$1"), ("^Choose date range, (.+)$", "选择日期范围：$1"),
    ("^(\\d+) options? available\\.?$", "$1 个选项"), ("^Produced with Plotly.*$", "由 Plotly 绘制"), ("^Limit (\\d+MB) per file.*$", "每个文件不超过 $1"),
]


# --- branches and the organisation (data.branches, cli.py branch/rollup) ----------------------------

BRANCH_KINDS = {"organisation": "上级党组织", "branch": "支部"}
BRANCH_NAME_BAD = "支部名称不能为空、首尾不能有空格、不能含控制字符，最多 {max} 个字。"
BRANCH_EXISTS = "已有名为“{name}”的支部或上级党组织（含改名前的名称），请换一个名称。"
BRANCH_ORG_EXISTS = "已有上级党组织“{name}”；一个部署只有一个上级党组织。"
BRANCH_UNKNOWN = "没有名为“{name}”的支部。已有：{known}。用 python cli.py branch add 名称 添加。"
BRANCH_NONE = "（无）"
BRANCH_ADDED = "已添加{kind}：{name}"
BRANCH_RENAMED = "已改名：{old} → {new}（所有台账行、批次和日志保持不变）"
BRANCH_LIST_HEADERS = {"name": "名称", "kind": "类型", "parent": "上级", "created_at": "创建时间", "id": "内部编号"}
CLI_BRANCH_HELP = {
    "branch": "支部管理：add 添加、list 列出、rename 改名",
    "add": "添加支部（--organisation：添加上级党组织，各支部继承它的计划目标）",
    "organisation": "添加的是上级党组织（机关党委/机关工委），不是支部",
    "list": "列出上级党组织和各支部",
    "rename": "支部改名（台账行、批次和日志不变）",
    "option": "支部名称（默认：部署的支部，即 DJ_BRANCH）",
    "rollup": "各支部年度指标汇总：每个支部每个指标一行",
    "rollup_out": "写入 .xlsx（与“各支部对比”页的下载相同：排名、支部×指标、三会一课缺项、全年合计与各支部占比）",
}
ROLLUP_HEADERS = {"branch": "支部", "name": "指标", "value": "完成值", "target": "目标", "completion": "完成率",
                  "status": "状态"}
ROLLUP_NO_BRANCHES = "还没有支部。"
ROLE_NONE = "无权限"
ORG_ALL_BRANCHES = "全部支部"
SIDEBAR_PICK_BRANCH = "查看支部"
ADMIN_SITE_ONLY = "用户和备份属于整个部署，由部署所在支部（DJ_BRANCH）的管理员管理。"
ADMIN_BACKUP_MANY_BRANCHES = ("数据库中有多个支部：完整备份包含所有支部的数据，页面上不提供；请由服务器管理员用 "
                              "python cli.py backup 在服务器上备份。")
PAGE_ORGANISATION = "各支部对比"
NAV_ORGANISATION = "上级党组织"
ORG_ONE_BRANCH = "你只能查看一个支部；各支部对比供上级党组织（机关党委/机关工委）使用。"
ORG_RANK_TITLE = "按完成率排名"
ORG_RANK_COLUMNS = {"rank": "名次", "branch": "支部", "mean_completion": "平均完成率", "indicators": "有目标的指标数",
                    "behind": "滞后指标数"}
ORG_COMPARE_TITLE = "各支部 × 指标"
ORG_COMPARE_HELP = "点击列标题排序；点击一个单元格，查看该支部该指标背后的台账行。"
ORG_FIELD = "显示"
# 各支部×指标 leaves out indicators empty in every branch (no target set anywhere), and says which.
ORG_COMPARE_LEFT_OUT = "各支部均无{field}、未列出的指标：{names}。"
ORG_FIELDS = {"completion": "完成率", "value": "完成值", "target": "目标", "status": "状态"}
ORG_GAPS_TITLE = "三会一课缺项"
ORG_GAPS_COUNT = "缺项数"
ORG_GAPS_ITEMS = "缺项"
ORG_GAPS_SEP = "；"
ORG_STALE_TITLE = "{month}台账尚未上传的支部"
ORG_STALE_MONTH = "台账更新至"
ORG_NO_ROWS = "{year}年无记录"
ORG_STALE_LAST = "最近一次导入"
ORG_NEVER = "从未导入"
ORG_ALL_UPLOADED = "各支部{month}台账都已上传。"
ORG_TOTALS_TITLE = "全年合计与各支部占比"
ORG_TOTALS_COLUMNS = {"name": "指标", "unit": "单位", "total": "合计", "branches": "有数据的支部数"}
ORG_SHARES_HELP = "各支部占合计的比例；比率类指标不合计。去重计数（如检查企业家数）按支部相加，同一对象被两个支部检查时各计一次。"
ORG_SHEETS = {"rank": "排名", "completion": "完成率", "value": "完成值", "target": "目标", "status": "状态",
              "gaps": "三会一课缺项", "totals": "合计", "shares": "占比"}
ORG_DOWNLOAD = "下载各支部对比（.xlsx）"
ORG_FILE = "{year}年各支部对比.xlsx"

# --- The branch's own words (data.aliases, cli.py aliases, the upload page) ----------------------------------
ALIAS_KINDS = {"value": "取值", "header": "表头"}
CLI_ALIAS_HELP = {
    "aliases": "本支部用语映射：把本支部的写法（类型、表头）当作标准写法",
    "list": "列出本支部的用语映射",
    "add": "添加一条映射（有 --as 为取值映射，否则为表头映射）",
    "remove": "删除一条映射（按编号）",
    "register": "台账，如 学习教育 或 study",
    "column": "列，如 类型 或 主题",
    "alias": "本支部的写法，如 理论中心组学习（取值）或 学习内容（表头）",
    "as": "当作该列的哪个可选值，如 集中学习",
}
ALIAS_VALUE_LINE = "{id}  {register}「{column}」：把“{alias}”当作“{target}”（{user}，{time}）"
ALIAS_HEADER_LINE = "{id}  {register}：表头“{alias}”是「{column}」列（{user}，{time}）"
ALIAS_NONE = "本支部还没有自定义用语映射。"
ALIAS_ADDED = "已添加用语映射（编号 {id}）：{what}。下次检查文件时生效。"
ALIAS_REMOVED = "已删除用语映射 {id}：{what}。"
ALIAS_WHAT_VALUE = "{register}「{column}」“{alias}”→“{target}”"
ALIAS_WHAT_HEADER = "{register} 表头“{alias}”→「{column}」"
ALIAS_BAD_REGISTER = "没有台账“{value}”，可选：{known}"
ALIAS_BAD_COLUMN = "「{register}」没有“{value}”列，可选：{known}"
ALIAS_NOT_ENUM = "「{register}」的「{column}」不是固定选项列，只有这些列的取值可以映射：{known}"
ALIAS_BAD_TARGET = "“{value}”不是「{column}」的可选值，可选：{known}"
ALIAS_EMPTY = "用语不能为空。"
ALIAS_TOO_LONG = "用语过长（最多 {max} 个字）。"
ALIAS_KNOWN_VALUE = "“{alias}”已能识别为「{column}」的“{target}”，无需映射。"
ALIAS_KNOWN_HEADER = "表头“{alias}”已能识别为「{column}」列，无需映射。"
ALIAS_TAKEN = "“{alias}”已映射（编号 {id}），如要更改请先删除它。"
ALIAS_UNKNOWN = "找不到用语映射 {id}（或已删除）。"
ALIAS_COLUMNS = {"id": "编号", "kind": "类别", "register_name": "台账", "column_label": "列", "alias": "本支部写法",
                 "target": "当作", "created_by": "添加人", "created_at": "添加时间"}

# --- issue 17 (h17a): 各支部对比 cells, 全部支部, branches on the admin page ---------------------------
ORG_CELL_BRANCH = "支部：{branch}"
ADMIN_TAB_BRANCHES = "支部"
ADMIN_BRANCHES_TITLE = "支部与上级党组织"
ADMIN_BRANCH_COLUMNS = {"name": "名称", "kind": "类别", "parent": "上级", "created_at": "添加时间"}
ADMIN_BRANCH_ADD_TITLE = "添加支部或上级党组织"
ADMIN_BRANCH_NAME = "名称"
ADMIN_BRANCH_KIND = "类别"
ADMIN_BRANCH_ADD_BUTTON = "添加"
ADMIN_BRANCH_RENAME_TITLE = "改名（台账行、批次和操作日志都保持不变）"
ADMIN_BRANCH_WHICH = "支部或上级党组织"
ADMIN_BRANCH_NEW_NAME = "新名称"
ADMIN_BRANCH_RENAME_BUTTON = "改名"
CLI_ROLLUP_SUFFIX = "--out 须是 .xlsx 文件。"
CLI_ROLLUP_DONE = "已写入 {path}（{branches} 个支部）。"

# --- per-branch backup and restore (data/backup.py, cli.py backup/restore --branch, pages/admin.py) ---
BACKUP_BRANCH_NOTE_TEXT = ("本文件是党建台账看板中一个支部的备份（只含该支部的台账、目标、名册、导入历史、用语、自定义指标和操作日志），"
                           "可用 python cli.py restore 或该支部“用户与日志”页恢复到该支部（须还没有任何数据）。"
                           "请勿修改文件内容，否则无法恢复。文件含党员姓名等个人信息，请妥善保管。")
BACKUP_EXPECT_BRANCH = "支部备份中每一行都应属于支部“{branch}”"
BACKUP_BRANCH_OTHER = "{file} 是支部“{backup}”的备份，不能恢复到支部“{branch}”，未恢复任何数据。"
BACKUP_BRANCH_NOT_EMPTY = ("支部“{branch}”已有数据（{tables}）：支部备份只能恢复到还没有数据的支部，不会替换或删除已有数据，"
                           "未恢复任何数据。")
BACKUP_NOT_BRANCH = ("{file} 是整个数据库的完整备份（含所有支部），不能恢复到一个支部；请由服务器管理员用 "
                     "python cli.py restore 恢复到空数据库。未恢复任何数据。")
BACKUP_BRANCH_NAME_TAKEN = "数据库中已有名为“{name}”的其他支部（或已有上级党组织），不能按此备份新建该支部，未恢复任何数据。"
BACKUP_BRANCH_DONE = "已备份支部“{branch}”到 {path}（{rows} 行，{size}）"
BACKUP_BRANCH_INTRO = ("数据库中有多个支部：这里的备份只含本支部（{branch}）的台账、计划目标、党员名册、导入历史、用语、"
                       "自定义指标和操作日志，不含其他支部的任何数据。文件含党员姓名等个人信息，请妥善保管。点击下载时才生成备份，"
                       "并记入本支部的操作日志；生成的文件只能下载一次，不在服务器上保留。")
BACKUP_BRANCH_DOWNLOAD = "生成并下载本支部备份"
BACKUP_BRANCH_FILE_NAME = "党建台账备份_{branch}_{stamp}.zip"
RESTORE_BRANCH_INTRO = ("只能把本支部的备份恢复到本支部，且本支部还没有任何台账、导入记录、用语和自定义指标时才能恢复"
                        "（不会替换或删除任何数据）；恢复一次完成，出错则不写入任何数据。本页可上传的文件不超过 {limit}；"
                        "更大的备份请在服务器上用 python cli.py restore 备份文件.zip 恢复。")
CLI_BACKUP_BRANCH_HELP = {
    "backup": "只备份这个支部的数据（含其操作日志）；不写则备份整个数据库",
    "restore": "恢复到这个支部（支部备份须是该支部的，且该支部还没有数据）；不写则按备份：完整备份恢复到空数据库，支部备份恢复到备份中的支部",
}
