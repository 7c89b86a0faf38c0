"""What the board pages (总览, 学习教育, 检查核查, 志愿服务, 年度总结) share: metrics results cached
per write and selection, the page heading, key figures, the missing-meetings table."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import streamlit as st

from data import texts
from data.settings import load_settings
from ui import cache, selection


@st.cache_data(show_spinner=False, max_entries=64)
def _computed(_fn, name: str, branch: str, version: tuple[int, int], year: int, as_of: date, args: tuple):
    cache.count_call(name.rsplit("/", 1)[-1])
    return _fn(cache.frames(year), year, as_of, *args)


def computed(fn, *args):
    """``fn(frames, year, as_of, *args)`` for the sidebar's year and as-of date, cached per
    (function, data version, year, as-of, args): a metrics result is computed once per write."""
    year, as_of = selection.selection()
    name = f"{fn.__code__.co_filename}:{fn.__qualname__}"
    return _computed(fn, name, cache.get_store().branch, cache.data_version(), year, as_of, args)


def _compliance(frames_: dict, year: int, as_of: date, local: list):
    from metrics.compliance import compliance
    from metrics.glance import with_uploads

    return with_uploads(compliance(frames_, year, as_of, local=local), frames_)


def compliance_result():
    """三会一课 compliance (``metrics.compliance.compliance``) with the settings' local rules, a
    period without any 学习教育 row marked 尚未上传 (``metrics.glance.with_uploads``), cached like
    ``computed``. Raises ``SettingsError`` (a Chinese message) when a local rule is malformed."""
    return computed(_compliance, load_settings().local_rules)


def heading(title: str) -> tuple[int, date]:
    """The page title with the selected year and as-of date under it; returns (year, as_of)."""
    year, as_of = selection.selection()
    st.header(title)
    st.caption(texts.BOARD_SUBTITLE.format(
        year=year, as_of=texts.long_date(as_of)))
    return year, as_of


def has_rows(register: str) -> bool:
    """Whether the register has rows in the selected year up to the as-of date; if not, says so."""
    from data.schema import REGISTERS
    from metrics.breakdowns import row_count

    if computed(row_count, register):
        return True
    year, as_of = selection.selection()
    st.info(texts.BOARD_NO_YEAR_DATA.format(
        year=year, register=REGISTERS[register].name,
        as_of=texts.long_date(as_of)))
    return False


def missing_table(result) -> None:
    """What the 三会一课 compliance result (``metrics.compliance.Compliance``) finds missing so far."""
    from metrics.states import Mark

    grid = result.grid
    missing = grid.loc[grid["status"] == Mark.MISSED, list(texts.BOARD_MISSING_COLUMNS)]
    if missing.empty:
        st.success(texts.COMPLIANCE_ALL_MET)
        return
    st.dataframe(missing.fillna("").rename(columns=texts.BOARD_MISSING_COLUMNS), hide_index=True, placeholder="")


def register_page(title: str, register: str) -> pd.DataFrame:
    """The top of a register page (学习教育, 检查核查, 志愿服务): title, then the page stops if the
    register has no rows for the selection, else its key figures; returns the plan-progress table."""
    from metrics.progress import progress_table

    heading(title)
    if not has_rows(register):
        st.stop()
    table = computed(progress_table)
    key_figures(table, register)
    return table


def key_figures(table: pd.DataFrame, register: str) -> None:
    """One ``st.metric`` per indicator of ``register`` (value, and 口径 as help), from the
    ``metrics.progress.progress_table`` rows."""
    from metrics.catalogue import by_key, describe
    from ui.charts import number

    rows = [r for r in table.to_dict("records") if by_key(r["key"]).register == register]
    per_line = math.ceil(len(rows) / math.ceil(len(rows) / 4)) if rows else 1  # at most 4, lines balanced
    for start in range(0, len(rows), per_line):
        for column, row in zip(st.columns(per_line), rows[start:start + per_line]):
            column.metric(row["name"], number(row["value"], row["unit"]), help=describe(by_key(row["key"])),
                          border=True)
