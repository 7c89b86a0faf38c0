"""What the board pages (总览, 学习教育, 检查核查, 志愿服务, 年度总结) share: metrics results cached
per write and selection, the page heading, key figures, the missing-meetings table."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import streamlit as st

from data import texts
from data.settings import load_settings
from ui import cache, messages, selection


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


def definitions_token(warn: bool = True) -> str:
    """The branch's own indicator definitions (settings file, 指标设置 page) that check out, as JSON
    (a cache key); when they do not, only the built-in catalogue is used and (``warn``) the reason shown."""
    from data.errors import DataError
    from data.indicators import settings_definitions, stored_definitions
    from metrics.catalogue import catalogue_with

    definitions = [settings_definitions(), stored_definitions(cache.get_store())]
    try:
        catalogue_with(*definitions)
    except DataError as err:
        if warn:
            st.warning(messages.md(err.message))
        return "[[], []]"
    return json.dumps(definitions, ensure_ascii=False, sort_keys=True)


def catalogue_from(definitions: str):
    from metrics.catalogue import catalogue_with

    return catalogue_with(*json.loads(definitions))


def catalogue(warn: bool = False):
    """The full indicator catalogue: built-in and the branch's own (``metrics.catalogue.catalogue_with``);
    ``warn``: say why the branch's own are left out when they do not check out (``progress`` does)."""
    return catalogue_from(definitions_token(warn))


def _progress(frames_: dict, year: int, as_of: date, definitions: str):
    from metrics.progress import progress_table

    return progress_table(frames_, year, as_of, catalogue_from(definitions))


def progress() -> pd.DataFrame:
    """``metrics.progress.progress_table`` over the full catalogue, cached like ``computed``."""
    return computed(_progress, definitions_token())


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
    heading(title)
    if not has_rows(register):
        st.stop()
    table = progress()
    key_figures(table, register)
    return table


def key_figures(table: pd.DataFrame, register: str) -> None:
    """One ``st.metric`` per indicator of ``register`` (value, and 口径 as help), from the
    ``metrics.progress.progress_table`` rows."""
    from metrics.catalogue import by_key, describe
    from ui.charts import number

    full = catalogue()
    rows = [r for r in table.to_dict("records") if by_key(r["key"], full).register == register]
    per_line = math.ceil(len(rows) / math.ceil(len(rows) / 4)) if rows else 1  # at most 4, lines balanced
    for start in range(0, len(rows), per_line):
        for column, row in zip(st.columns(per_line), rows[start:start + per_line]):
            column.metric(row["name"], number(row["value"], row["unit"]), help=describe(by_key(row["key"], full)),
                          border=True)
