"""各支部对比 (an organisation viewer, or a user with roles in several branches): the branches × the
indicators (value, completion, status), the ranking by completion, 三会一课 gaps per branch, the
branches that have not uploaded this month, the organisation's year totals with each branch's share,
and all of it as one .xlsx. Only the branches the user may view are read."""

from functools import partial

import pandas as pd
import streamlit as st

from data import texts
from data.export import tables_to_xlsx
from metrics.rollup import comparison, gaps_table, ranking_shown, sheets, totals
from metrics.states import label
from ui import board, cache, downloads, orgcache, signin, widgets
from ui import glance as glance_ui

signin.require_role("viewer")


CELL_KEY = "org.cell"


def open_cell(table: pd.DataFrame, wide: pd.DataFrame, row: int, column: str) -> None:
    """The rows behind one cell (a branch × an indicator): 总览's dialog of a card, on that branch's
    registers (one of the branches the user may view: the table holds no other)."""
    if not 0 <= row < len(wide) or column not in wide.columns:
        return
    name = wide.index[row]
    key = {v: k for k, v in names.items()}.get(name, name)
    if key not in allowed:
        return
    mine = table.loc[table["branch"] == name]
    indicator = mine.loc[mine["name"] == column, "key"]
    if indicator.empty:
        return
    glance_ui.card_dialog(indicator.iloc[0], mine, cache.frames_of(key, year), year, as_of, widgets.column_config,
                          branch=name)


allowed = signin.allowed_branches()
year, as_of = board.heading(texts.PAGE_ORGANISATION)
if len(allowed) < 2:
    st.info(texts.ORG_ONE_BRANCH)
    st.stop()
records = cache.branch_records()
names = {b.id: b.name for b in records}
organisations = {b.id for b in records if b.is_organisation}  # its targets are defaults, not a branch's figures
keys = sorted((k for k in allowed if k not in organisations), key=lambda k: names.get(k, k))
versions = cache.branch_versions()  # every branch's state, read once this run
table, gaps = orgcache.figures(keys, names, year, as_of, versions)

st.subheader(texts.ORG_RANK_TITLE)
st.dataframe(ranking_shown(table), hide_index=True, placeholder="",
             column_config={texts.ORG_RANK_COLUMNS["mean_completion"]: st.column_config.NumberColumn(format="%.1f%%")})

st.subheader(texts.ORG_COMPARE_TITLE)
field = st.radio(texts.ORG_FIELD, list(texts.ORG_FIELDS), format_func=texts.ORG_FIELDS.get, horizontal=True,
                 key="org.field")
wide = comparison(table, field)
left_out = [c for c in wide.columns if wide[c].isna().all()]  # no branch has a target: a column of "None"
if len(left_out) == len(wide.columns):  # no target anywhere: every column stays (its cells still open rows)
    left_out = []
wide = wide.drop(columns=left_out)
if field == "status":
    wide = wide.map(label)
elif field == "completion":
    wide = wide.astype(float) * 100
st.caption(texts.ORG_COMPARE_HELP)
if left_out:
    st.caption(texts.ORG_COMPARE_LEFT_OUT.format(field=texts.ORG_FIELDS[field], names="、".join(left_out)))
event = st.dataframe(wide.rename_axis(texts.ROLLUP_HEADERS["branch"]), key=CELL_KEY, on_select="rerun", placeholder="",
                     selection_mode="single-cell",
                     column_config={c: st.column_config.NumberColumn(format="%.1f%%") for c in wide.columns}
                     if field == "completion" else None)
picked = glance_ui.newly_selected(CELL_KEY, [tuple(c) for c in event.selection.get("cells", [])] if event else [])
if picked:
    open_cell(table, wide, *picked[0])

st.subheader(texts.ORG_GAPS_TITLE)
st.dataframe(gaps_table(gaps), hide_index=True, placeholder="")

month = texts.READER_MONTH.format(year=as_of.year, month=as_of.month)
st.subheader(texts.ORG_STALE_TITLE.format(month=month))
latest = cache.latest_months(keys, year, as_of, versions)  # the as-of month's registers, as 总览's freshness line reads
last_imports = cache.last_imports()
stale = []
for key in keys:
    have, last = latest.get(key), last_imports.get(key)
    if have is None or have < f"{as_of:%Y-%m}":
        stale.append({texts.ROLLUP_HEADERS["branch"]: names.get(key, key),
                      texts.ORG_STALE_MONTH: texts.READER_MONTH.format(year=int(have[:4]), month=int(have[5:]))
                      if have else texts.ORG_NO_ROWS.format(year=year),
                      texts.ORG_STALE_LAST: texts.local_time(last) if last else texts.ORG_NEVER})
if stale:
    st.dataframe(pd.DataFrame(stale), hide_index=True, placeholder="")
else:
    st.success(texts.ORG_ALL_UPLOADED.format(month=month), icon=":material/check_circle:")  # an icon, not an emoji

st.subheader(texts.ORG_TOTALS_TITLE)
per, shares = totals(table)
st.dataframe(per.drop(columns=["key"]).rename(columns=texts.ORG_TOTALS_COLUMNS), hide_index=True, placeholder="")
st.caption(texts.ORG_SHARES_HELP)
shares_shown = (shares.astype(float) * 100).dropna(axis="columns", how="all")  # ratios are not summed
st.dataframe(shares_shown.rename_axis(texts.ROLLUP_HEADERS["branch"]), placeholder="",
             column_config={c: st.column_config.NumberColumn(format="%.1f%%") for c in shares_shown.columns})

build = partial(lambda t, g: tables_to_xlsx(sheets(t, g)), table, gaps)  # built at the click
st.session_state["org.xlsx"] = build  # what the download holds (tests call it)
st.download_button(texts.ORG_DOWNLOAD, data=build, file_name=texts.ORG_FILE.format(year=year),
                   mime=downloads.XLSX_MIME, on_click="ignore", icon=":material/download:")
