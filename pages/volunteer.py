"""志愿服务: hours and person-times per month by 服务类别, cumulative vs plan, top volunteers, and
with a roster, hours per member and who has none yet."""

import streamlit as st

from data import texts
from data.schema import VOLUNTEER
from metrics import breakdowns
from metrics.coverage import coverage
from metrics.progress import series
from ui import board, charts, signin, style

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

TOP = 10

table = board.register_page(texts.PAGE_VOLUNTEER, VOLUNTEER.key)

hours, times = st.columns(2)
with hours:
    monthly = board.computed(breakdowns.monthly, VOLUNTEER.key, VOLUNTEER.type_column, "hours")
    st.plotly_chart(charts.stacked_monthly(monthly, texts.CHART_VOLUNTEER_HOURS), theme=None)
with times:
    monthly = board.computed(breakdowns.monthly, VOLUNTEER.key, VOLUNTEER.type_column)
    st.plotly_chart(charts.stacked_monthly(monthly, texts.CHART_VOLUNTEER_TIMES), theme=None)

cumulative = breakdowns.cumulative_rows(board.computed(series), table, VOLUNTEER.key)
style.chart_by_width("cumulative", lambda narrow: charts.cumulative_chart(
    cumulative, texts.CHART_VOLUNTEER_CUMULATIVE, narrow=narrow))

top = board.computed(breakdowns.top_values, VOLUNTEER.key, "name", "hours", TOP)
st.plotly_chart(charts.top_chart(top, texts.CHART_TOP_VOLUNTEERS.format(n=TOP), "total"), theme=None)

st.subheader(texts.BOARD_MEMBERS_TITLE)
members = board.computed(coverage)
if not members.roster_loaded:
    st.info(members.message)
    st.stop()
without, per_member = st.columns([1, 2])
with without:
    st.markdown(f"**{texts.BOARD_WITHOUT_TITLE.format(count=len(members.without_volunteer))}**")
    if members.without_volunteer:
        st.dataframe({texts.COVERAGE_COLUMNS["name"]: members.without_volunteer}, hide_index=True, placeholder="")
    else:
        st.success(texts.BOARD_ALL_SERVED)
with per_member:
    shown = members.volunteer.rename(columns=texts.COVERAGE_COLUMNS)
    st.dataframe(shown, hide_index=True, placeholder="", column_config={
        texts.COVERAGE_COLUMNS["hours"]: st.column_config.NumberColumn(format="%.1f")})
if members.not_in_roster:
    st.caption(texts.BOARD_NOT_IN_ROSTER.format(count=len(members.not_in_roster)))
