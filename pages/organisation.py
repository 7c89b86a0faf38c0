"""各支部对比 (an organisation viewer, or a user with roles in several branches): the branches × the
indicators (value, completion, status), the ranking by completion, 三会一课 gaps per branch, the
branches that have not uploaded this month, the organisation's year totals with each branch's share,
and all of it as one .xlsx. Only the branches the user may view are read."""

from datetime import date

import pandas as pd
import streamlit as st

from data import texts
from data.errors import SettingsError
from data.export import tables_to_xlsx
from data.settings import load_settings
from metrics.report import compliance_report
from metrics.rollup import comparison, ranking, rollup, totals
from metrics.states import label
from ui import board, cache, downloads, signin

signin.require_role("viewer")


@st.cache_data(show_spinner=False, max_entries=2048)
def _branch_figures(key: str, version: tuple, name: str, year: int, as_of: date, local: list):
    """One branch's roll-up rows and 三会一课 gaps, computed once per state of that branch: an import
    into one branch recomputes only its figures."""
    frames = cache.frames_of(key, year)
    table = rollup({name: frames}, year, as_of, tolerance_pp=load_settings().tolerance_pp)
    try:
        gaps = compliance_report(frames, year, as_of, local_rules=local).missing
    except SettingsError as err:
        gaps = [err.message]
    return table, gaps


@st.cache_data(show_spinner=False, max_entries=8)
def _figures(versions: tuple, names: tuple, year: int, as_of: date, local: list):
    """All branches' figures: one cache hit on a rerun with nothing changed."""
    parts = [_branch_figures(key, version, name, year, as_of, local)
             for (key, version), name in zip(versions, names)]
    table = pd.concat([p[0] for p in parts], ignore_index=True)
    return table, {name: p[1] for name, p in zip(names, parts)}


allowed = signin.allowed_branches()
year, as_of = board.heading(texts.PAGE_ORGANISATION)
if len(allowed) < 2:
    st.info(texts.ORG_ONE_BRANCH)
    st.stop()
names = {b.id: b.name for b in cache.branch_records()}
keys = sorted(allowed, key=lambda k: names.get(k, k))
every_version = cache.branch_versions()
versions = tuple((k, every_version.get(k, (0, 0))) for k in keys)
table, gaps = _figures(versions, tuple(names.get(k, k) for k in keys), year, as_of,
                       load_settings().local_rules)

ranked = ranking(table)
ranked_shown = ranked.assign(mean_completion=ranked["mean_completion"] * 100).rename(columns=texts.ORG_RANK_COLUMNS)
st.subheader(texts.ORG_RANK_TITLE)
st.dataframe(ranked_shown[list(texts.ORG_RANK_COLUMNS.values())], hide_index=True,
             column_config={texts.ORG_RANK_COLUMNS["mean_completion"]: st.column_config.NumberColumn(format="%.1f%%")})

st.subheader(texts.ORG_COMPARE_TITLE)
field = st.radio(texts.ORG_FIELD, list(texts.ORG_FIELDS), format_func=texts.ORG_FIELDS.get, horizontal=True,
                 key="org.field")
wide = comparison(table, field)
if field == "status":
    wide = wide.map(label)
elif field == "completion":
    wide = wide.astype(float) * 100
st.caption(texts.ORG_COMPARE_HELP)
st.dataframe(wide.rename_axis(texts.ROLLUP_HEADERS["branch"]),
             column_config={c: st.column_config.NumberColumn(format="%.1f%%") for c in wide.columns}
             if field == "completion" else None)

st.subheader(texts.ORG_GAPS_TITLE)
gap_rows = pd.DataFrame([{texts.ROLLUP_HEADERS["branch"]: name, texts.ORG_GAPS_COUNT: len(items),
                          texts.ORG_GAPS_ITEMS: texts.ORG_GAPS_SEP.join(items)} for name, items in gaps.items()])
st.dataframe(gap_rows, hide_index=True)

st.subheader(texts.ORG_STALE_TITLE)
month_start = date.today().replace(day=1)
stale = []
last_imports = cache.last_imports()
for key in keys:
    last = last_imports.get(key)
    if last is None or last.date() < month_start:
        stale.append({texts.ROLLUP_HEADERS["branch"]: names.get(key, key),
                      texts.ORG_STALE_LAST: texts.local_time(last) if last else texts.ORG_NEVER})
if stale:
    st.dataframe(pd.DataFrame(stale), hide_index=True)
else:
    st.success(texts.ORG_ALL_UPLOADED)

st.subheader(texts.ORG_TOTALS_TITLE)
per, shares = totals(table)
st.dataframe(per.drop(columns=["key"]).rename(columns=texts.ORG_TOTALS_COLUMNS), hide_index=True)
st.caption(texts.ORG_SHARES_HELP)
shares_shown = shares.astype(float) * 100
st.dataframe(shares_shown.rename_axis(texts.ROLLUP_HEADERS["branch"]),
             column_config={c: st.column_config.NumberColumn(format="%.1f%%") for c in shares_shown.columns})

content = tables_to_xlsx({
    texts.ORG_SHEETS["rank"]: ranked_shown.set_index(texts.ORG_RANK_COLUMNS["branch"]),
    **{texts.ORG_SHEETS[f]: (comparison(table, f).map(label) if f == "status" else comparison(table, f))
       .rename_axis(texts.ROLLUP_HEADERS["branch"]) for f in texts.ORG_FIELDS},
    texts.ORG_SHEETS["gaps"]: gap_rows.set_index(texts.ROLLUP_HEADERS["branch"]),
    texts.ORG_SHEETS["totals"]: per.drop(columns=["key"]).rename(columns=texts.ORG_TOTALS_COLUMNS)
    .set_index(texts.ORG_TOTALS_COLUMNS["name"]),
    texts.ORG_SHEETS["shares"]: shares.rename_axis(texts.ROLLUP_HEADERS["branch"]),
})
st.session_state["org.xlsx"] = content  # what the download holds (tests read it)
st.download_button(texts.ORG_DOWNLOAD, data=content, file_name=texts.ORG_FILE.format(year=year),
                   mime=downloads.XLSX_MIME, on_click="ignore", icon=":material/download:")
