"""The indicator catalogue: one declarative entry per indicator, and how a year's value is computed.

An indicator counts the rows of one register dated in the year up to the as-of date, after a
filter on text columns (compared normalised; a value with ``*`` is a pattern, ``*`` standing for
any text as in Excel's COUNTIF: ``*教育片*``). Aggregations:

  count     number of rows
  distinct  number of distinct values of ``columns`` (a tuple of columns counts combinations)
  sum       sum of ``columns[0]``
  ratio     sum of ``columns[0]`` / sum of ``columns[1]`` over rows where both are filled (a fraction)
  share     rows whose ``columns[0]`` is in ``share_values`` / all filtered rows (a fraction)

Adding an indicator is adding an entry to ``CATALOGUE``. A branch adds its own (count, distinct or
sum, with a filter) in the settings file or on the 指标设置 page: ``catalogue_with`` checks them and
returns the full catalogue, which every function here takes as ``catalogue``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data import texts
from data.errors import DataError, SettingsError
from data.schema import ACTIVITY_REGISTERS, ENUM, FLOAT, INT, REGISTERS, header_key, normalize_text
from metrics.frames import WILDCARD, Window, prepare, wildcard

COUNT, DISTINCT, SUM, RATIO, SHARE = "count", "distinct", "sum", "ratio", "share"
AGGREGATIONS = (COUNT, DISTINCT, SUM, RATIO, SHARE)
PERCENT = "%"


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    register: str
    agg: str
    unit: str
    # column key -> accepted values (any of them); all columns must match.
    filter: dict[str, tuple[str, ...]] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    share_values: tuple[str, ...] = ()

    @property
    def fraction(self) -> bool:
        """A rate (0..1), shown as %; not cumulative over the year."""
        return self.agg in (RATIO, SHARE)

    @property
    def integral(self) -> bool:
        """Whole numbers: counts, or sums of an integer column."""
        if self.agg in (COUNT, DISTINCT):
            return True
        return self.agg == SUM and REGISTERS[self.register].column(self.columns[0]).kind == INT


def _indicator(key: str, *args, **kwargs) -> Indicator:
    """A catalogue entry named as ``texts.INDICATOR_NAMES`` names it."""
    return Indicator(key, texts.INDICATOR_NAMES[key], *args, **kwargs)


def _study(key: str, *types: str) -> Indicator:
    return _indicator(f"study.{key}", "study", COUNT, "次", {"type": types})


CATALOGUE: tuple[Indicator, ...] = (
    _study("collective", "集中学习"),
    _study("discussion", "研讨交流"),
    _study("lecture", "讲党课"),
    _study("assembly", "支部党员大会"),
    _study("committee", "支委会"),
    _study("group", "党小组会"),
    _study("theme_day", "主题党日"),
    _study("integrity", "廉政教育", "警示教育"),
    _indicator("study.attendance", "study", RATIO, PERCENT, columns=("present", "expected")),
    _indicator("inspect.enforcement_enterprises", "inspections", DISTINCT, "家",
               {"type": ("统计执法检查",), "category": ("企业",)}, ("object",)),
    _indicator("inspect.enforcement_projects", "inspections", DISTINCT, "个",
               {"type": ("统计执法检查",), "category": ("入库项目",)}, ("object",)),
    _indicator("inspect.quality_enterprises", "inspections", DISTINCT, "家",
               {"type": ("数据质量核查",)}, ("object",)),
    _indicator("inspect.research", "inspections", DISTINCT, "批次", {"type": ("调研",)}, ("date",)),
    _indicator("inspect.issues", "inspections", SUM, "个", columns=("issues",)),
    _indicator("inspect.rectified", "inspections", SHARE, PERCENT,
               {"rectify": ("已整改", "整改中", "未整改")}, ("rectify",), ("已整改",)),
    _indicator("volunteer.hours", "volunteer", SUM, "小时", columns=("hours",)),
    _indicator("volunteer.person_times", "volunteer", COUNT, "人次"),
    _indicator("volunteer.people", "volunteer", DISTINCT, "人", columns=("name",)),
    _indicator("volunteer.activities", "volunteer", DISTINCT, "场次", columns=("date", "activity")),
    _indicator("members.probationary", "membership", DISTINCT, "名", {"event": ("接收预备党员",)}, ("name",)),
    _indicator("members.full", "membership", DISTINCT, "名", {"event": ("预备党员转正",)}, ("name",)),
    _indicator("members.transfers", "membership", COUNT, "名", {"event": ("组织关系转入", "组织关系转出")}),
)


def check_catalogue(catalogue: tuple[Indicator, ...]) -> None:
    """Raise ValueError if an entry names an unknown register, column, aggregation or enum value."""
    seen: set[str] = set()
    for ind in catalogue:
        if ind.key in seen or ind.name in seen:
            raise ValueError(f"duplicate indicator {ind.key}")
        seen |= {ind.key, ind.name}
        if ind.register not in REGISTERS or ind.agg not in AGGREGATIONS:
            raise ValueError(f"{ind.key}: bad register or aggregation")
        reg = REGISTERS[ind.register]
        need = {COUNT: 0, DISTINCT: None, SUM: 1, RATIO: 2, SHARE: 1}[ind.agg]
        if (need is None and not ind.columns) or (need is not None and len(ind.columns) != need):
            raise ValueError(f"{ind.key}: wrong number of columns for {ind.agg}")
        checks = [*ind.filter.items(), *((c, ()) for c in ind.columns)]
        if ind.agg == SHARE:
            checks.append((ind.columns[0], ind.share_values))
        for column, values in checks:
            col = reg.column(column)  # KeyError for an unknown column
            if col.kind == ENUM and not all(_allowed(col, normalize_text(v)) for v in values):
                raise ValueError(f"{ind.key}: value not allowed in {column}: {values}")


def _allowed(col, value: str) -> bool:
    """True when ``value`` is one of the enum column's values, or a pattern (``*``) matching one."""
    if WILDCARD in value:
        pattern = wildcard(value)
        return any(pattern.fullmatch(normalize_text(v)) for v in col.values)
    return value in {normalize_text(v) for v in col.values}


check_catalogue(CATALOGUE)


def by_key(key: str, catalogue: tuple[Indicator, ...] = CATALOGUE) -> Indicator:
    for ind in catalogue:
        if ind.key == key:
            return ind
    raise KeyError(key)


def resolve(name_or_key: object, catalogue: tuple[Indicator, ...] = CATALOGUE) -> Indicator | None:
    """The indicator whose key or Chinese name equals the text (normalised, spaces ignored)."""
    if name_or_key is None:
        return None
    wanted = normalize_text(name_or_key).replace(" ", "").lower()
    for ind in catalogue:
        if wanted in (ind.key.lower(), normalize_text(ind.name).replace(" ", "")):
            return ind
    return None


def indicator_names(catalogue: tuple[Indicator, ...] = CATALOGUE) -> tuple[str, ...]:
    """Every accepted spelling of 计划目标's 指标: each indicator's name, then its key."""
    return tuple(x for ind in catalogue for x in (ind.name, ind.key))


def unknown_indicator_message(value: object, catalogue: tuple[Indicator, ...] = CATALOGUE) -> str:
    """The Chinese error for a 计划目标 row whose 指标 is not in the catalogue."""
    known = texts.METRIC_LIST_SEP.join(texts.METRIC_INDICATOR_SPELLING.format(name=i.name, key=i.key)
                                       for i in catalogue)
    return texts.METRIC_UNKNOWN_INDICATOR.format(value=value, known=known)


# --- computing ---------------------------------------------------------------------------------


def _filter_mask(ind: Indicator, win: Window) -> np.ndarray:
    mask = np.ones(len(win), dtype=bool)
    for column, values in ind.filter.items():
        mask &= win.isin(column, values)
    return mask


def _distinct_keys(ind: Indicator, win: Window) -> np.ndarray:
    """One int64 per row identifying its combination of ``columns``; -1 where any is missing."""
    key = np.zeros(len(win), dtype=np.int64)
    valid = np.ones(len(win), dtype=bool)
    for column in ind.columns:
        codes, uniques = win.codes(column)
        key = key * (len(uniques) + 1) + codes
        valid &= codes >= 0
    return np.where(valid, key, -1)


def contributing(ind: Indicator, win: Window) -> np.ndarray:
    """Mask of the rows that make the value (for ratios: the rows in numerator and denominator)."""
    mask = _filter_mask(ind, win)
    if ind.agg == DISTINCT:
        mask &= _distinct_keys(ind, win) >= 0
    elif ind.agg == SUM:
        mask &= ~np.isnan(win.numbers(ind.columns[0]))
    elif ind.agg == RATIO:
        mask &= ~np.isnan(win.numbers(ind.columns[0])) & ~np.isnan(win.numbers(ind.columns[1]))
    return mask


def monthly_parts(ind: Indicator, win: Window) -> np.ndarray:
    """Per-month increments, shape (parts, 12): one part, or numerator and denominator for rates.

    For ``distinct`` a value counts in the month it first appears, so cumulative sums are
    cumulative distinct counts.
    """
    mask = contributing(ind, win)
    if ind.agg == COUNT:
        return win.monthly(mask)[None, :]
    if ind.agg == SUM:
        return win.monthly(mask, win.numbers(ind.columns[0]))[None, :]
    if ind.agg == DISTINCT:
        keys = _distinct_keys(ind, win)[mask]
        first = pd.Series(win.month[mask]).groupby(keys).min().to_numpy(dtype=np.int64)
        return np.bincount(first - 1, minlength=12)[:12].astype(float)[None, :]
    if ind.agg == RATIO:
        return np.vstack([win.monthly(mask, win.numbers(ind.columns[0])),
                          win.monthly(mask, win.numbers(ind.columns[1]))])
    hits = mask & win.isin(ind.columns[0], ind.share_values)
    return np.vstack([win.monthly(hits), win.monthly(mask)])


def combine(ind: Indicator, parts: np.ndarray) -> float | int | None:
    """The value from summed parts (a column of ``monthly_parts(...).cumsum(axis=1)``).

    Counts are ints, sums floats (ints for integer columns); rates None when nothing to divide by.
    """
    if ind.fraction:
        return float(parts[0] / parts[1]) if parts[1] > 0 else None
    total = float(parts[0])
    return int(round(total)) if ind.integral else total


def value_in(ind: Indicator, win: Window) -> float | int | None:
    return combine(ind, monthly_parts(ind, win).sum(axis=1))


def value(ind: Indicator, frames: dict, year: int, as_of: object = None) -> float | int | None:
    """The indicator's value for rows dated in ``year`` up to ``as_of`` (None: the whole year)."""
    return value_in(ind, Window.of_year(frames, ind.register, year, as_of))


def values(frames: dict, year: int, as_of: object = None,
           catalogue: tuple[Indicator, ...] = CATALOGUE) -> dict[str, float | int | None]:
    """Every indicator's value, each register sliced once."""
    wins = windows(prepare(frames), year, as_of, catalogue)
    return {ind.key: value_in(ind, wins[ind.register]) for ind in catalogue}


def windows(frames: dict, year: int, as_of: object = None,
            catalogue: tuple[Indicator, ...] = CATALOGUE) -> dict[str, Window]:
    """The year's window of every register the catalogue uses."""
    frames = prepare(frames)
    return {reg: Window.of_year(frames, reg, year, as_of) for reg in dict.fromkeys(i.register for i in catalogue)}


def rows_for(ind: Indicator, frames: dict, year: int, as_of: object = None) -> pd.DataFrame:
    """The register rows behind the value (original index and columns kept).

    For ``distinct`` every contributing row is returned; its distinct count equals the value.
    """
    win = Window.of_year(frames, ind.register, year, as_of)
    return win.table.df.iloc[win.positions[contributing(ind, win)]]


def _quoted(vals: tuple[str, ...]) -> str:
    return texts.METRIC_VALUE_OR.join(texts.METRIC_QUOTED.format(value=v) for v in vals)


def rows_described(ind: Indicator) -> str:
    """The rows an indicator counts, in words: 全部记录, or 类别为“统计专报”的记录."""
    if not ind.filter:
        return texts.METRIC_ROWS_ALL
    label = REGISTERS[ind.register].labels
    conditions = texts.METRIC_CONDITION_AND.join(
        texts.METRIC_CONDITION.format(column=label[c], values=_quoted(v)) for c, v in ind.filter.items())
    if any(WILDCARD in v for values in ind.filter.values() for v in values):
        conditions += texts.METRIC_WILDCARD_NOTE
    return texts.METRIC_ROWS_FILTER.format(conditions=conditions)


def describe(ind: Indicator) -> str:
    """The 口径 in one Chinese sentence: register, filter and how the rows are counted."""
    reg = REGISTERS[ind.register]
    label = reg.labels
    rows = rows_described(ind)
    cols = [label[c] for c in ind.columns]
    how = texts.METRIC_HOW[ind.agg].format(
        columns=texts.METRIC_COLUMNS_AND.join(cols),
        numerator=cols[0] if cols else "", denominator=cols[1] if len(cols) > 1 else "",
        column=cols[0] if cols else "", values=_quoted(ind.share_values))
    return texts.METRIC_DESCRIBE.format(register=reg.name, rows=rows, how=how)


# --- the branch's own indicators ----------------------------------------------------------------

CUSTOM_AGGREGATIONS = (COUNT, DISTINCT, SUM)
# Registers a custom indicator may count: the dated ones.
CUSTOM_REGISTERS = ACTIVITY_REGISTERS


def _register_of(text: object) -> str | None:
    if not isinstance(text, str):
        return None
    wanted = header_key(text)
    for key in CUSTOM_REGISTERS:
        reg = REGISTERS[key]
        if wanted == key or wanted in {header_key(n) for n in reg.sheet_names}:
            return key
    return None


def _column_of(register: str, text: object) -> str | None:
    """The column key of ``register`` whose key, header or header alias is ``text``."""
    if not isinstance(text, str):
        return None
    wanted = header_key(text)
    for col in REGISTERS[register].columns:
        if wanted == col.key or wanted in {header_key(h) for h in col.headers}:
            return col.key
    return None


def _as_list(value: object) -> list | None:
    if value is None:
        return []
    if isinstance(value, str | int | float):
        return [value]
    return list(value) if isinstance(value, list | tuple) else None


def custom_indicator(raw: object, *, error: type[DataError] = DataError, where: str = "") -> Indicator:
    """One definition (``data.indicators``: a dict as ``[[indicators]]`` writes it, columns and
    filter keys by column key or Chinese header) as an ``Indicator``; ``error`` (a Chinese message
    naming the indicator and what is wrong: unknown register, column or value...) if it cannot be."""
    if not isinstance(raw, dict):
        raise error(texts.CUSTOM_NOT_TABLE.format(where=where))
    label = raw.get("name") or raw.get("key") or "?"

    def fail(template: str, **kw) -> DataError:
        return error(texts.CUSTOM_ERROR.format(where=where, name=label, problem=template.format(**kw)))

    unknown = sorted(set(raw) - set(CUSTOM_FIELDS))
    if unknown:
        raise fail(texts.CUSTOM_UNKNOWN_FIELD, fields="、".join(map(str, unknown)), known="、".join(CUSTOM_FIELDS))
    key, name = raw.get("key"), raw.get("name")
    for field_, value in (("key", key), ("name", name)):
        if not isinstance(value, str) or not normalize_text(value):
            raise fail(texts.CUSTOM_MISSING, field=texts.CUSTOM_FIELD_NAMES[field_])
    key, name = normalize_text(key), normalize_text(name)
    if " " in key:
        raise fail(texts.CUSTOM_BAD_KEY, key=key)
    register = _register_of(raw.get("register"))
    if register is None:
        raise fail(texts.CUSTOM_UNKNOWN_REGISTER, value=raw.get("register"),
                   known="、".join(f"{REGISTERS[k].name}（{k}）" for k in CUSTOM_REGISTERS))
    reg = REGISTERS[register]
    agg = normalize_text(raw.get("agg", "")).lower() if isinstance(raw.get("agg"), str) else None
    agg = CUSTOM_AGG_WORDS.get(agg, agg)
    if agg not in CUSTOM_AGGREGATIONS:
        raise fail(texts.CUSTOM_UNKNOWN_AGG, value=raw.get("agg"), known=texts.CUSTOM_AGG_KNOWN)
    headers = "、".join(c.label for c in reg.columns)

    def column(text: object) -> str:
        found = _column_of(register, text)
        if found is None:
            raise fail(texts.CUSTOM_UNKNOWN_COLUMN, value=text, register=reg.name, known=headers)
        return found

    listed = _as_list(raw.get("columns"))
    if listed is None:
        raise fail(texts.CUSTOM_BAD_COLUMNS)
    columns = tuple(column(c) for c in listed)
    if agg == DISTINCT and not columns:
        raise fail(texts.CUSTOM_DISTINCT_COLUMNS)
    if agg == SUM:
        if len(columns) != 1:
            raise fail(texts.CUSTOM_SUM_COLUMNS)
        if reg.column(columns[0]).kind not in (INT, FLOAT):
            raise fail(texts.CUSTOM_SUM_NUMBER, column=reg.column(columns[0]).label)
    if agg == COUNT and columns:
        raise fail(texts.CUSTOM_COUNT_COLUMNS)
    conditions = raw.get("filter") or {}
    if not isinstance(conditions, dict):
        raise fail(texts.CUSTOM_BAD_FILTER)
    filters: dict[str, tuple[str, ...]] = {}
    for text, accepted in conditions.items():
        col = reg.column(column(text))
        values = _as_list(accepted)
        if not values or any(not isinstance(v, str | int | float) or not normalize_text(v) for v in values):
            raise fail(texts.CUSTOM_FILTER_VALUES, column=col.label)
        values = [normalize_text(v) for v in values]
        if col.kind == ENUM:
            aliases = {normalize_text(a): v for a, v in col.value_aliases.items()}
            values = [aliases.get(v, v) for v in values]
            for v in values:
                if not _allowed(col, v):
                    raise fail(texts.CUSTOM_UNKNOWN_VALUE, value=v, column=col.label, known="、".join(col.values))
        filters[col.key] = tuple(dict.fromkeys(values))
    unit = raw.get("unit", "")
    if not isinstance(unit, str):
        raise fail(texts.CUSTOM_BAD_UNIT)
    return Indicator(key, name, register, agg, normalize_text(unit), filters, columns)


CUSTOM_FIELDS = ("key", "name", "register", "agg", "columns", "filter", "unit")
CUSTOM_AGG_WORDS = {"计数": COUNT, "行数": COUNT, "去重": DISTINCT, "去重计数": DISTINCT, "求和": SUM, "合计": SUM}


def catalogue_with(settings_definitions=(), stored_definitions=(),
                   base: tuple[Indicator, ...] = CATALOGUE) -> tuple[Indicator, ...]:
    """The full catalogue: ``base`` then the branch's own indicators, from the settings file
    (a bad one: ``SettingsError``) and from the 指标设置 page (a bad one: ``DataError``), each checked
    like the catalogue; a key or name already used (built-in or custom) is refused. Remembered per
    definitions (a page asks for it once per card): the same definitions give the same tuple."""
    key = None
    if base is CATALOGUE:
        try:
            key = json.dumps([settings_definitions, stored_definitions], ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError):  # not JSON-like (a TOML date...): checked every time
            key = None
    if key is not None and key in _REMEMBERED:
        return _REMEMBERED[key]
    result = _catalogue_with(settings_definitions, stored_definitions, base)  # a bad one raises: never kept
    if key is not None:
        if len(_REMEMBERED) >= 32:
            _REMEMBERED.clear()
        _REMEMBERED[key] = result
    return result


_REMEMBERED: dict[str, tuple[Indicator, ...]] = {}  # catalogue_with's results by definitions (as JSON)


def _catalogue_with(settings_definitions, stored_definitions, base: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    out = list(base)
    used = {x: i.name for i in base for x in (i.key.lower(), header_key(i.name))}
    for definitions, error, where in ((settings_definitions, SettingsError, texts.CUSTOM_WHERE_SETTINGS),
                                      (stored_definitions, DataError, texts.CUSTOM_WHERE_PAGE)):
        for raw in definitions:
            ind = custom_indicator(raw, error=error, where=where)
            for spelling in (ind.key.lower(), header_key(ind.name)):
                if spelling in used:
                    raise error(texts.CUSTOM_ERROR.format(where=where, name=ind.name, problem=texts.CUSTOM_DUPLICATE.format(
                        value=ind.key if spelling == ind.key.lower() else ind.name, other=used[spelling])))
            used |= {ind.key.lower(): ind.name, header_key(ind.name): ind.name}
            out.append(ind)
    result = tuple(out)
    check_catalogue(result)
    return result
