"""Filtering stored register rows: the CLI's ``export`` and the 数据查询 page share it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from data.schema import REGISTERS, Period, normalize_text


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    types: tuple[str, ...] = ()
    person: str = ""
    # Substring of the visited object / activity (the register's ``object_columns``).
    obj: str = ""
    text: str = ""
    # Extra exact filters, column key -> allowed values (e.g. {"category": ("企业",)}).
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def describe(self, register: str) -> dict[str, str]:
        """The filters in Chinese, for the export's 口径说明 sheet."""
        from data import texts

        reg = REGISTERS[register]
        out: dict[str, str] = {}
        if self.date_from:
            out[texts.FILTER_FROM] = self.date_from.isoformat()
        if self.date_to:
            out[texts.FILTER_TO] = self.date_to.isoformat()
        if self.types and reg.type_column:
            out[reg.column(reg.type_column).label] = "、".join(self.types)
        if self.person:
            out[texts.FILTER_PERSON] = self.person
        if self.obj:
            out[texts.FILTER_OBJECT] = self.obj
        if self.text:
            out[texts.FILTER_TEXT] = self.text
        for key, values in self.extra.items():
            out[reg.column(key).label] = "、".join(values)
        return out


def _any_contains(frame: pd.DataFrame, columns: Iterable[str], needle: str) -> pd.Series:
    """Rows where any of ``columns`` contains ``needle`` (plain substring)."""
    hit = pd.Series(False, index=frame.index)
    for col in columns:
        hit |= frame[col].astype("string").fillna("").str.contains(needle, regex=False)
    return hit


def filter_rows(frame: pd.DataFrame, register: str, filters: Filters) -> pd.DataFrame:
    """Rows of ``frame`` (a stored register) that pass every filter. Text filters are substring
    matches after normalising full-width forms and spaces."""
    reg = REGISTERS[register]
    mask = pd.Series(True, index=frame.index)
    date_col = reg.period_column if reg.period == Period.MONTH else None
    if date_col and filters.date_from:
        mask &= frame[date_col] >= pd.Timestamp(filters.date_from)
    if date_col and filters.date_to:
        mask &= frame[date_col] <= pd.Timestamp(filters.date_to)
    if reg.period == Period.YEAR and (filters.date_from or filters.date_to):
        years = frame[reg.period_column]
        if filters.date_from:
            mask &= years >= filters.date_from.year
        if filters.date_to:
            mask &= years <= filters.date_to.year
    if filters.types and reg.type_column:
        wanted = {normalize_text(t) for t in filters.types}
        mask &= frame[reg.type_column].isin(wanted)
    for key, values in filters.extra.items():
        mask &= frame[key].isin(set(values))
    for needle, columns in ((filters.person, reg.person_columns), (filters.obj, reg.object_columns),
                            (filters.text, _text_columns(register))):
        needle = normalize_text(needle) if needle else ""
        if needle and columns:
            mask &= _any_contains(frame, columns, needle)
    return frame.loc[mask]


def _text_columns(register: str) -> Iterable[str]:
    from data.schema import ENUM, NAMES, TEXT

    return [c.key for c in REGISTERS[register].columns if c.kind in (TEXT, ENUM, NAMES)]
