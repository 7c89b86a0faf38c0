"""检查核查: distinct objects inspected against the plan, visits per month by 类型, issues found
and rectified, the rectification rate, the objects visited most."""

import streamlit as st

from data import texts
from data.schema import INSPECTIONS
from metrics import breakdowns
from metrics.progress import series
from ui import board, charts, signin, style

signin.require_role("viewer")  # every page checks: a page can be run without app.py (see ui.navigation.PAGE_ROLES)

RECTIFIED = "inspect.rectified"
TOP = 10

table = board.register_page(texts.PAGE_INSPECTIONS, INSPECTIONS.key)

cumulative = breakdowns.cumulative_rows(board.computed(series), table, INSPECTIONS.key)
style.chart_by_width("cumulative", lambda narrow: charts.cumulative_chart(
    cumulative, texts.CHART_INSPECT_CUMULATIVE, columns=2, narrow=narrow))

visits = board.computed(breakdowns.monthly, INSPECTIONS.key, INSPECTIONS.type_column)
st.plotly_chart(charts.stacked_monthly(visits, texts.CHART_INSPECT_MONTHLY), theme=None)

issues, rate = st.columns(2)
with issues:
    found = board.computed(breakdowns.monthly, INSPECTIONS.key, "rectify", "issues")
    st.plotly_chart(charts.stacked_monthly(found, texts.CHART_ISSUES, charts.RECTIFY_COLORS), theme=None)
with rate:
    target = table.set_index("key").at[RECTIFIED, "target"]
    st.plotly_chart(charts.monthly_rate_chart(board.computed(breakdowns.monthly_indicator, RECTIFIED),
                                              texts.CHART_RECTIFY_RATE, target), theme=None)

top = board.computed(breakdowns.top_values, INSPECTIONS.key, "object", None, TOP)
st.plotly_chart(charts.top_chart(top, texts.CHART_TOP_OBJECTS.format(n=TOP)), theme=None)
