"""The registers (台账), each defined once.

Every other module (reader, validator, store, template, exports, metrics, pages) takes its
sheet names, headers, types and allowed values from here. Column ``key`` is the English
identifier used in DataFrames and database tables; ``label`` is the canonical Chinese header
shown to users and written to exports.

DataFrame contract (what ``data.reader`` produces and ``data.store`` returns): one column per
``Column.key``, in the dtype its ``Kind`` names (``Kind.dtype``; ``coerce`` applies them):
  date  -> datetime64[ns] (normalised to midnight)
  int   -> pandas nullable Int64
  float -> float64 (NaN for empty)
  text, enum -> str, NaN for empty, normalised (NFKC, trimmed, inner spaces collapsed)
  names -> str: names joined by "、" (use ``split_names`` to get a list)
  year  -> Int64
The database column of a kind is ``Kind.sql_type`` (``data.tables`` builds the tables from it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and SQLAlchemy load when first used: a CLI start or a refusal needs neither
    import pandas as pd
    import sqlalchemy as sa


class Kind(StrEnum):
    """What a column holds; the value is stable (it is the kind's name in code and tests)."""

    DATE = "date"
    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    ENUM = "enum"
    NAMES = "names"
    YEAR = "year"

    @property
    def dtype(self) -> str:
        """The pandas dtype of the column in the DataFrame contract."""
        return _DTYPES[self]

    @property
    def sql_type(self) -> type[sa.types.TypeEngine]:
        """The SQLAlchemy type of the column in the register's table."""
        import sqlalchemy as sa

        return getattr(sa, _SQL_TYPES[self])

    def coerce(self, values: pd.Series) -> pd.Series:
        """``values`` (cell values, Python or numpy scalars, None/NaN for empty) in ``self.dtype``."""
        import pandas as pd

        if self is Kind.DATE:
            return pd.to_datetime(values).astype("datetime64[ns]")
        if self.dtype == "Int64":
            return pd.Series(pd.array(values.tolist(), dtype="Int64"), index=values.index)
        if self is Kind.FLOAT:
            return pd.to_numeric(values).astype("float64")
        return values.astype("str")


# Short names for the kinds, used throughout (``schema.DATE`` is ``Kind.DATE``).
DATE, TEXT, INT, FLOAT, ENUM, NAMES, YEAR = (Kind.DATE, Kind.TEXT, Kind.INT, Kind.FLOAT, Kind.ENUM,
                                             Kind.NAMES, Kind.YEAR)
_DTYPES = {DATE: "datetime64[ns]", INT: "Int64", YEAR: "Int64", FLOAT: "float64",
           TEXT: "str", ENUM: "str", NAMES: "str"}
_SQL_TYPES = {DATE: "Date", INT: "Integer", YEAR: "Integer", FLOAT: "Float",  # names in sqlalchemy
              TEXT: "Text", ENUM: "Text", NAMES: "Text"}
TEXT_KINDS = (TEXT, ENUM, NAMES)


class Period(StrEnum):
    """How a register's stored rows are grouped for replacement on import. Stable values: ``all`` is
    also the stored period (``period`` column) of every row of a register kept whole."""

    MONTH = "month"  # by the month of ``period_column`` (YYYY-MM)
    YEAR = "year"  # by the year in ``period_column`` (YYYY)
    ALL = "all"  # the whole register is one period


NAME_SEPARATOR = "、"
# Upper bound of every count column: far above any branch's figures, and inside a 32-bit
# INTEGER column on every database.
MAX_COUNT = 100_000
# Upper bound of a plan target (计划目标 目标值): far above any branch's yearly figure (counts, hours,
# person-times, percentages), small enough that sums and ratios of targets stay exact in float64.
MAX_TARGET = 10_000_000


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    value_aliases: dict[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    # Another column this one may not exceed (e.g. 实到人数 <= 应到人数).
    not_above: str | None = None
    help: str = ""
    # What an empty cell counts as in sums (e.g. 工作台账's 数量: blank means one); None: nothing.
    blank_as: float | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header accepted for this column, canonical first."""
        return (self.label, *self.aliases)

    def expected(self) -> str:
        """What a valid value looks like, in Chinese, for error messages and the template."""
        if self.kind == ENUM:
            return "可选：" + "、".join(self.values)
        if self.kind == DATE:
            return "日期，如 2022-03-15、2022/3/15、2022年3月15日"
        if self.kind == YEAR:
            return "四位年份，如 2023"
        if self.kind in (INT, FLOAT):
            word = "整数" if self.kind == INT else "数字"
            lo = None
            if self.min is not None:
                lo = f"大于 {_num(self.min)}" if self.min_exclusive else f"不小于 {_num(self.min)}"
            hi = f"不大于 {_num(self.max)}" if self.max is not None else None
            bounds = "且".join(b for b in (lo, hi) if b)
            return f"{word}，{bounds}" if bounds else word
        if self.kind == NAMES:
            return "姓名，多人用“、”分隔"
        return "文字"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class Register:
    key: str
    name: str
    sheet_aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    # How stored rows are grouped for replacement on import.
    period: Period
    period_column: str | None
    description: str
    table: str = ""
    # The column a "type" filter applies to (CLI ``export --type``, the query page).
    type_column: str | None = None
    # Columns holding people's names (the query page's person filter).
    person_columns: tuple[str, ...] = ()
    # Columns holding the visited object / activity (the query page's object filter).
    object_columns: tuple[str, ...] = ()

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return (self.name, *self.sheet_aliases)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def labels(self) -> dict[str, str]:
        return {c.key: c.label for c in self.columns}


STUDY_TYPES = (
    "集中学习", "研讨交流", "讲党课", "支部党员大会", "支委会", "党小组会", "主题党日",
    "组织生活会", "民主评议", "谈心谈话", "廉政教育", "警示教育", "其他",
)

STUDY = Register(
    key="study",
    name="学习教育",
    sheet_aliases=("学习台账", "学习教育台账", "组织生活", "三会一课"),
    period=Period.MONTH,
    period_column="date",
    table="study",
    type_column="type",
    person_columns=("speaker", "attendees"),
    object_columns=("topic",),
    description="一次学习、会议或组织生活为一行",
    columns=(
        Column("date", "日期", DATE, True, ("时间", "活动日期", "学习日期")),
        Column("type", "类型", ENUM, True, ("形式", "学习形式", "会议类型", "活动类型"),
               values=STUDY_TYPES,
               value_aliases={"党课": "讲党课", "党员大会": "支部党员大会",
                              "支部委员会": "支委会", "支部委员会会议": "支委会",
                              "专题研讨": "研讨交流", "党小组会议": "党小组会",
                              "主题党日活动": "主题党日", "集体学习": "集中学习"}),
        Column("topic", "主题", TEXT, True, ("内容", "学习内容", "学习主题", "会议主题")),
        Column("speaker", "主讲人", TEXT, False, ("主持人", "主讲（主持）人", "主讲(主持)人")),
        Column("expected", "应到人数", INT, False, ("应到",), min=0, max=MAX_COUNT),
        Column("present", "实到人数", INT, False, ("实到", "参加人数"), min=0, max=MAX_COUNT,
               not_above="expected"),
        Column("attendees", "参加人员", NAMES, False, ("参会人员",)),
        Column("hours", "学时", FLOAT, False, ("时长",), min=0, max=24),
        Column("group", "党小组", TEXT, False, ("小组",), help="党小组会填写召开的党小组"),
        Column("place", "地点", TEXT, False, ()),
        Column("note", "备注", TEXT, False, ()),
    ),
)

INSPECTION_TYPES = ("统计执法检查", "数据质量核查", "专项治理", "调研", "其他")
OBJECT_CATEGORIES = ("企业", "入库项目", "县区统计局", "工业园区", "其他")
RECTIFY_STATES = ("已整改", "整改中", "未整改", "无需整改")

INSPECTIONS = Register(
    key="inspections",
    name="检查核查",
    sheet_aliases=("检查台账", "执法检查", "核查台账", "检查核查台账"),
    period=Period.MONTH,
    period_column="date",
    table="inspections",
    type_column="type",
    person_columns=("inspectors",),
    object_columns=("object",),
    description="到一个对象的一次检查、核查或调研为一行",
    columns=(
        Column("date", "日期", DATE, True, ("检查日期", "时间")),
        Column("type", "类型", ENUM, True, ("检查类型",), values=INSPECTION_TYPES,
               value_aliases={"执法检查": "统计执法检查", "质量核查": "数据质量核查"}),
        Column("object", "对象名称", TEXT, True, ("检查对象", "企业名称", "单位名称", "项目名称")),
        Column("category", "对象类别", ENUM, True, ("对象类型",), values=OBJECT_CATEGORIES,
               value_aliases={"项目": "入库项目"}),
        Column("inspectors", "检查人员", NAMES, False, ()),
        Column("issues", "发现问题数", INT, False, ("问题数",), min=0, max=MAX_COUNT),
        Column("rectify", "整改状态", ENUM, False, ("整改情况",), values=RECTIFY_STATES),
        Column("note", "备注", TEXT, False, ()),
    ),
)

VOLUNTEER_CATEGORIES = ("环境整治", "创城服务", "植树绿化", "疫情防控", "社区服务", "结对帮扶", "其他")

VOLUNTEER = Register(
    key="volunteer",
    name="志愿服务",
    sheet_aliases=("志愿服务台账", "志愿者服务"),
    period=Period.MONTH,
    period_column="date",
    table="volunteer",
    type_column="category",
    person_columns=("name",),
    object_columns=("activity", "place"),
    description="一人参加一次志愿服务活动为一行",
    columns=(
        Column("date", "日期", DATE, True, ("服务日期", "活动日期")),
        Column("name", "姓名", TEXT, True, ("志愿者",)),
        Column("activity", "活动名称", TEXT, True, ("活动", "服务内容")),
        Column("category", "服务类别", ENUM, False, ("类别",), values=VOLUNTEER_CATEGORIES),
        Column("place", "服务地点", TEXT, False, ("地点", "社区")),
        Column("hours", "时长", FLOAT, True, ("时长（小时）", "时长(小时)", "服务时长", "小时数"),
               min=0, min_exclusive=True, max=24),
        Column("method", "记录方式", ENUM, False, (), values=("签到", "补录")),
        Column("note", "备注", TEXT, False, ()),
    ),
)

MEMBERSHIP_EVENTS = ("确定入党积极分子", "确定发展对象", "接收预备党员", "预备党员转正", "组织关系转入",
                     "组织关系转出", "其他")

MEMBERSHIP = Register(
    key="membership",
    name="党员发展与组织关系",
    sheet_aliases=("党员发展", "组织关系"),
    period=Period.MONTH,
    period_column="date",
    table="membership",
    type_column="event",
    person_columns=("name",),
    description="一人的一个发展环节或一次组织关系转接为一行",
    columns=(
        Column("date", "日期", DATE, True, ("时间", "办理日期")),
        Column("name", "姓名", TEXT, True, ()),
        Column("event", "事项", ENUM, True, ("类型", "办理事项"), values=MEMBERSHIP_EVENTS,
               value_aliases={"入党积极分子": "确定入党积极分子", "发展对象": "确定发展对象",
                              "发展预备党员": "接收预备党员", "转正": "预备党员转正",
                              "转入": "组织关系转入", "转出": "组织关系转出"}),
        Column("note", "备注", TEXT, False, ()),
    ),
)

WORK = Register(
    key="work",
    name="工作台账",
    sheet_aliases=("其他工作", "工作记录"),
    period=Period.MONTH,
    period_column="date",
    table="work",
    type_column="category",
    person_columns=(),
    object_columns=("item", "target"),
    description="一项工作为一行；类别用支部自己的叫法（如统计专报、专题会议、意识形态研判）",
    columns=(
        Column("date", "日期", DATE, True, ("时间",)),
        Column("category", "类别", TEXT, True, ("工作类别",),
               help="支部自己的叫法，如统计专报、专题会议、意识形态研判；专报获签批时另登记一行“专报签批”"),
        Column("item", "事项", TEXT, True, ("内容", "工作内容", "名称")),
        Column("quantity", "数量", FLOAT, False, ("份数", "篇数", "次数"), min=0, max=MAX_COUNT,
               help="空白按1计", blank_as=1.0),
        Column("unit", "单位", TEXT, False, ()),
        Column("target", "对象", TEXT, False, ("对象名称",)),
        Column("note", "备注", TEXT, False, ()),
    ),
)

TARGETS = Register(
    key="targets",
    name="计划目标",
    sheet_aliases=("年度计划", "目标", "计划"),
    period=Period.YEAR,
    period_column="year",
    table="targets",
    type_column="indicator",
    description="一个指标一年的目标值为一行",
    columns=(
        Column("year", "年度", YEAR, True, ("年份",), min=2000, max=2100),
        Column("indicator", "指标", TEXT, True, ("指标名称", "指标代码")),
        Column("target", "目标值", FLOAT, True, ("目标",), min=0, max=MAX_TARGET),
        Column("note", "备注", TEXT, False, ()),
    ),
)

ROSTER_STATUSES = ("正式党员", "预备党员")

ROSTER = Register(
    key="roster",
    name="党员名册",
    sheet_aliases=("名册", "党员花名册", "花名册"),
    period=Period.ALL,
    period_column=None,
    table="roster",
    type_column="group",
    person_columns=("name",),
    description="一名党员为一行",
    columns=(
        Column("name", "姓名", TEXT, True, ()),
        Column("group", "党小组", TEXT, False, ("小组", "所在党小组")),
        Column("status", "身份", ENUM, False, ("党员类别", "类别"), values=ROSTER_STATUSES,
               value_aliases={"正式": "正式党员", "预备": "预备党员"}),
        Column("position", "职务", TEXT, False, ("支部职务", "党内职务")),
        Column("note", "备注", TEXT, False, ()),
    ),
)

REGISTERS: dict[str, Register] = {r.key: r for r in (STUDY, INSPECTIONS, VOLUNTEER, MEMBERSHIP, WORK, TARGETS,
                                                      ROSTER)}
REGISTER_KEYS: tuple[str, ...] = tuple(REGISTERS)
# Registers holding dated activity rows (the ones charted month by month).
ACTIVITY_REGISTERS: tuple[str, ...] = ("study", "inspections", "volunteer", "membership", "work")


_SPACE_RE = re.compile(r"\s+")


def normalize_text(value: object) -> str:
    """NFKC (full-width -> half-width, U+3000 and NBSP -> space), trim, collapse inner spaces.

    Brackets become ASCII after NFKC; this is applied to headers, sheet names and cell text.
    """
    s = unicodedata.normalize("NFKC", str(value))
    return _SPACE_RE.sub(" ", s).strip()


def header_key(value: object) -> str:
    """Form of a header used for matching: normalised with every space removed."""
    return normalize_text(value).replace(" ", "")


def split_names(value: object) -> list[str]:
    """Split a 参加人员-style cell into names (、 ， , ; ； / and whitespace)."""
    if value is None:
        return []
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return []
    except TypeError:
        pass
    text = unicodedata.normalize("NFKC", str(value))
    return [p for p in re.split(r"[、,，;；/\s]+", text) if p]


def register_by_sheet(sheet_name: str) -> Register | None:
    """The register whose sheet name or alias equals ``sheet_name`` (after normalisation)."""
    key = header_key(sheet_name)
    for reg in REGISTERS.values():
        if key in {header_key(n) for n in reg.sheet_names}:
            return reg
    return None



def coerce(frame: pd.DataFrame, register: Register) -> pd.DataFrame:
    """``frame`` with every column of ``register`` in the contract's dtype (absent columns empty),
    register columns first, in schema order; other columns (``_row``, ids) follow unchanged."""
    import pandas as pd

    index = frame.index
    out = {c.key: c.kind.coerce(frame[c.key] if c.key in frame
                                else pd.Series([None] * len(index), index=index, dtype=object))
           for c in register.columns}
    out |= {k: frame[k] for k in frame.columns if k not in out}
    return pd.DataFrame(out, index=index)
